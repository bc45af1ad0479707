package pmproto

import (
	"os"
	"os/exec"
	"strings"
)

// qemuEnv is set by scripts/cross.sh when it runs the tests of another
// architecture under qemu user emulation: the emulator's command, such as
// "qemu-s390x".
const qemuEnv = "SAF_QEMU"

// emulator returns the command line of the emulator the test runs under,
// or nil when it runs natively.
func emulator() []string {
	if q := strings.Fields(os.Getenv(qemuEnv)); len(q) > 0 {
		return q
	}
	return nil
}

// selfCommand runs the test binary exe again with args. Under emulation
// it goes through the emulator: qemu-user runs the one program it was
// given, and without binfmt_misc the host kernel refuses (ENOEXEC) to
// exec a binary of the emulated architecture.
func selfCommand(exe string, args ...string) *exec.Cmd {
	if q := emulator(); q != nil {
		return exec.Command(q[0], append(append(q[1:], exe), args...)...)
	}
	return exec.Command(exe, args...)
}
