package testexec

import (
	"os"
	"os/exec"
	"strings"
)

// EmulatorEnv is set by scripts/cross.sh when it runs the tests of another
// architecture under qemu user emulation: the emulator's command, such as
// "qemu-s390x".
const EmulatorEnv = "SAF_QEMU"

// Emulator returns the command line of the emulator the test runs under,
// or nil when it runs natively.
func Emulator() []string {
	if q := strings.Fields(os.Getenv(EmulatorEnv)); len(q) > 0 {
		return q
	}
	return nil
}

// SelfCommand runs the test binary exe again with args. Under emulation
// it goes through the emulator: qemu-user runs the one program it was
// given, and without binfmt_misc the host kernel refuses (ENOEXEC) to
// exec a binary of the emulated architecture.
func SelfCommand(exe string, args ...string) *exec.Cmd {
	if q := Emulator(); q != nil {
		return exec.Command(q[0], append(append(q[1:], exe), args...)...)
	}
	return exec.Command(exe, args...)
}
