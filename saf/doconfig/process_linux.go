package doconfig

import (
	"math"
	"os"

	"golang.org/x/sys/unix"

	"github.com/linux-saf/saf/saf/pmtab"
)

func setUmask(mask int) { unix.Umask(mask) }

func setFileSizeLimit(blocks int64) error {
	lim := uint64(unix.RLIM_INFINITY)
	if blocks <= math.MaxInt64/512 {
		lim = uint64(blocks) * 512
	}
	rl := unix.Rlimit{Cur: lim, Max: lim}
	return os.NewSyscallError("setrlimit RLIMIT_FSIZE", unix.Setrlimit(unix.RLIMIT_FSIZE, &rl))
}

func getLineDisc(fd int) (pmtab.LineDiscipline, error) {
	d, err := unix.IoctlGetInt(fd, unix.TIOCGETD)
	if err != nil {
		return 0, os.NewSyscallError("TIOCGETD", err)
	}
	return pmtab.LineDiscipline(d), nil
}

func setLineDisc(fd int, d pmtab.LineDiscipline) error {
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSETD, int(d)); err != nil {
		return os.NewSyscallError("TIOCSETD "+d.String(), err)
	}
	return nil
}

func checkFD(fd int) error {
	var st unix.Stat_t
	return os.NewSyscallError("fstat", unix.Fstat(fd, &st))
}
