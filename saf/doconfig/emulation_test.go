package doconfig

import (
	"runtime"
	"strings"
	"testing"

	"github.com/linux-saf/saf/internal/testexec"
)

// The emulator helpers are testexec's (scripts/cross.sh sets its
// EmulatorEnv).
var (
	emulator    = testexec.Emulator
	selfCommand = testexec.SelfCommand
)

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
