package doconfig

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
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

// skipIndirectSelfExec skips, under emulation, a test in which something
// else than the test itself (Run, or the shell it starts) execs the test
// binary: that exec cannot go through the emulator, and fails.
func skipIndirectSelfExec(t *testing.T) {
	t.Helper()
	if q := emulator(); q != nil {
		t.Skipf("emulated (%s): the test binary would be exec'd without the emulator", q[0])
	}
}

// skipQemuMIPS64Rlimit skips a test of unlimited resource limits on mips64
// under emulation: qemu-user (seen with 7.2) reports RLIM_INFINITY to a
// mips64 program as MIPS32's 0x7fffffff, where the mips64 kernel has ~0,
// as the other architectures do.
func skipQemuMIPS64Rlimit(t *testing.T) {
	t.Helper()
	if q := emulator(); q != nil && strings.HasPrefix(runtime.GOARCH, "mips64") {
		t.Skipf("emulated mips64 (%s): qemu-user reports RLIM_INFINITY as 0x7fffffff", q[0])
	}
}
