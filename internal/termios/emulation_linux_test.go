package termios_test

import (
	"encoding/binary"
	"testing"

	"github.com/linux-saf/saf/internal/testexec"
)

// The emulator helpers are testexec's (scripts/cross.sh sets its
// EmulatorEnv).
var (
	emulator    = testexec.Emulator
	selfCommand = testexec.SelfCommand
)

// qemuMaxRate is the highest rate qemu-user carries between the emulated
// program's termios and the host kernel's: its translation table (seen
// in qemu 7.2) ends at B460800, so a line at a higher rate reads back as
// B0 under emulation.
const qemuMaxRate = 460800

// rateBeyondEmulator reports, and logs, that baud cannot make the round
// trip through the kernel under emulation.
func rateBeyondEmulator(t *testing.T, baud int) bool {
	t.Helper()
	if q := emulator(); q != nil && baud > qemuMaxRate {
		t.Logf("emulated (%s): not reading back %d from the line, qemu-user translates rates up to %d only", q[0], baud, qemuMaxRate)
		return true
	}
	return false
}

// skipBigEndianTIOCSTI skips a test of PushInput on a big-endian
// architecture under emulation: qemu-user reads TIOCSTI's argument as an
// int where the kernel reads one char, so on a big-endian target it
// pushes the byte three places further on ("alice\n" arrives as "ce\n").
func skipBigEndianTIOCSTI(t *testing.T) {
	t.Helper()
	if q := emulator(); q != nil && binary.NativeEndian.Uint16([]byte{0, 1}) == 1 {
		t.Skipf("emulated big-endian (%s): qemu-user passes TIOCSTI's char argument as an int", q[0])
	}
}
