package doconfig

import (
	"math"
	"os"

	"golang.org/x/sys/unix"
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

func checkFD(fd int) error {
	var st unix.Stat_t
	return os.NewSyscallError("fstat", unix.Fstat(fd, &st))
}
