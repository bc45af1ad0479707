package doconfig

import (
	"github.com/linux-saf/saf/internal/termios"
	"github.com/linux-saf/saf/saf/pmtab"
)

// getLineDisc and setLineDisc are the line-discipline ioctls of push and
// pop on a tty.

func getLineDisc(fd int) (pmtab.LineDiscipline, error) {
	d, err := termios.GetDiscipline(fd)
	return pmtab.LineDiscipline(d), err
}

func setLineDisc(fd int, d pmtab.LineDiscipline) error {
	return termios.SetDiscipline(fd, int(d))
}
