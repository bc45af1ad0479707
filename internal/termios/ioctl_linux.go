package termios

import "golang.org/x/sys/unix"

// The ioctl requests used here, in one place. x/sys/unix defines them per
// architecture; the comments give the x86 values.
const (
	reqGet          = unix.TCGETS       // 0x5401
	reqSet          = unix.TCSETS       // 0x5402
	reqSetDrain     = unix.TCSETSW      // 0x5403
	reqSetFlush     = unix.TCSETSF      // 0x5404
	reqBreak        = unix.TCSBRK       // 0x5409: arg 0 sends BREAK, non-zero drains
	reqFlush        = unix.TCFLSH       // 0x540B
	reqSetCtty      = unix.TIOCSCTTY    // 0x540E
	reqPushInput    = unix.TIOCSTI      // 0x5412
	reqModemClear   = unix.TIOCMBIC     // 0x5417
	reqModemSet     = unix.TIOCMBIS     // 0x5416
	reqSetSoftCar   = unix.TIOCSSOFTCAR // 0x541A
	reqInputPending = unix.TIOCINQ      // 0x541B, alias FIONREAD
	reqSetDisc      = unix.TIOCSETD     // 0x5423
	reqGetDisc      = unix.TIOCGETD     // 0x5424
	reqGetSid       = unix.TIOCGSID     // 0x5429
	reqGetPtyNum    = unix.TIOCGPTN     // 0x80045430
	reqPtyLock      = unix.TIOCSPTLCK   // 0x40045431
)

// setReq maps When to the TCSETS variant.
var setReq = [...]uint{
	Now:   reqSet,
	Drain: reqSetDrain,
	Flush: reqSetFlush,
}
