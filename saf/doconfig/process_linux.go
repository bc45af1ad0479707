package doconfig

import (
	"errors"
	"math"
	"os"
	"strconv"

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

// closeInherited marks every descriptor from 3 up close-on-exec, so a
// shell started next gets only 0, 1 and 2 (sac.md 7.7: "all file
// descriptors closed"). Go opens its own descriptors close-on-exec; this
// catches those the process inherited. Kernels before 5.11 lack
// CLOSE_RANGE_CLOEXEC: walk /proc/self/fd instead.
func closeInherited() error {
	err := unix.CloseRange(3, math.MaxUint32, unix.CLOSE_RANGE_CLOEXEC)
	if err == nil {
		return nil
	}
	if !errors.Is(err, unix.ENOSYS) && !errors.Is(err, unix.EINVAL) {
		return os.NewSyscallError("close_range", err)
	}
	d, err := os.Open("/proc/self/fd")
	if err != nil {
		return err
	}
	defer d.Close() // read-only directory
	names, err := d.Readdirnames(-1)
	if err != nil {
		return err
	}
	for _, name := range names {
		fd, err := strconv.Atoi(name)
		if err != nil || fd < 3 {
			continue
		}
		// The directory's own descriptor is already close-on-exec; a
		// descriptor closed since the listing gives EBADF, which is fine.
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, unix.FD_CLOEXEC); err != nil && !errors.Is(err, unix.EBADF) {
			return os.NewSyscallError("fcntl F_SETFD", err)
		}
	}
	return nil
}
