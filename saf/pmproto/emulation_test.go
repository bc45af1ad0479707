package pmproto

import "github.com/linux-saf/saf/internal/testexec"

// The emulator helpers are testexec's (scripts/cross.sh sets its
// EmulatorEnv).
var (
	emulator    = testexec.Emulator
	selfCommand = testexec.SelfCommand
)
