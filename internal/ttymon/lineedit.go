package ttymon

import "golang.org/x/sys/unix"

// Reading the login name (man/ttymon.8, "Reading the name"). The kernel's
// canonical mode knows one erase character (VERASE), so a terminal whose
// BACKSPACE key sends ^H where the line expects DEL put a ^H into the
// name and the login failed. When the line's modes are canonical, the
// per-port child therefore reads the name itself, byte by byte, and edits
// it the way canonical mode would with the line's own flags, but takes
// both BS and DEL as erase and both ^U and ^X as kill, as agetty(8) does.
// The keys the user typed then go to the session (typedKeys.apply).
//
// lineEditor is that editing as a pure state machine: bytes in, the echo
// to write and a result out. The echo is what canonical mode would echo
// before output processing: it is written to the line, whose own OPOST,
// ONLCR and the like then apply to it as they apply to the kernel's echo.

// Keys every name reader takes, whatever the line's modes say.
const (
	keyBS   = 0x08 // ^H, BACKSPACE on many terminals
	keyDEL  = 0x7f // DEL, BACKSPACE on the others
	keyCtlU = 0x15 // ^U, the usual kill
	keyCtlX = 0x18 // ^X, kill on some systems
)

// maxCanon is how much of one line the editor keeps, as the kernel's
// canonical buffer (N_TTY_BUF_SIZE - 1): further characters are dropped
// until the line is edited or ended.
const maxCanon = 4095

// editConfig is what the editor takes from the line's modes. A control
// character of 0 is disabled (_POSIX_VDISABLE). The zero value edits a
// line the kernel has already edited: no echo, no input mapping, only the
// extra erase and kill keys.
type editConfig struct {
	erase, kill, werase, lnext, reprint, eof, eol, eol2 byte

	echo, echoE, echoK, echoKE, echoNL, echoCtl, iexten bool
	istrip, igncr, icrnl, inlcr, iutf8                  bool
}

// newEditConfig takes the editing flags and characters of t.
func newEditConfig(t *unix.Termios) editConfig {
	l, i := t.Lflag, t.Iflag
	return editConfig{
		erase: t.Cc[unix.VERASE], kill: t.Cc[unix.VKILL], werase: t.Cc[unix.VWERASE],
		lnext: t.Cc[unix.VLNEXT], reprint: t.Cc[unix.VREPRINT],
		eof: t.Cc[unix.VEOF], eol: t.Cc[unix.VEOL], eol2: t.Cc[unix.VEOL2],

		echo: l&unix.ECHO != 0, echoE: l&unix.ECHOE != 0, echoK: l&unix.ECHOK != 0,
		echoKE: l&unix.ECHOKE != 0, echoNL: l&unix.ECHONL != 0, echoCtl: l&unix.ECHOCTL != 0,
		iexten: l&unix.IEXTEN != 0,

		istrip: i&unix.ISTRIP != 0, igncr: i&unix.IGNCR != 0, icrnl: i&unix.ICRNL != 0,
		inlcr: i&unix.INLCR != 0, iutf8: i&unix.IUTF8 != 0,
	}
}

// readingModes are the modes the name is read in: t, the line's modes,
// without canonical mode, echo and the input mapping the editor does
// itself (so that it sees whether RETURN sent CR or NL), one byte per
// read. Signals, flow control and output processing stay the line's.
func readingModes(t unix.Termios) unix.Termios {
	t.Lflag &^= unix.ICANON | unix.ECHO | unix.ECHONL
	t.Iflag &^= unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
	return t
}

// editResult is what a byte did to the line.
type editResult int

const (
	editMore   editResult = iota // the line goes on
	editBreak                    // a NUL byte (a BREAK): BADSPEED
	editEmpty                    // an end of line with no name before it: NONAME
	editName                     // an end of line after a name: GOODNAME
	editNoLine                   // EOF, EOL, or a line longer than peekSize: no name (exit 1)
)

// typedKeys are the keys the user typed that the session keeps, as
// agetty's termio_final does: the last erase and kill characters (0: none
// typed), and whether RETURN sent a CR the line's modes did not map.
type typedKeys struct {
	erase, kill byte
	crEnd       bool
}

// merge adds the keys of a later answer to k.
func (k *typedKeys) merge(later typedKeys) {
	if later.erase != 0 {
		k.erase = later.erase
	}
	if later.kill != 0 {
		k.kill = later.kill
	}
	k.crEnd = later.crEnd
}

// apply gives the session modes t the typed keys; it reports whether t
// changed. A CR the modes left unmapped gets the CR to NL mapping and
// NL to CR-NL output, as agetty sets them, unless the modes map CR
// already.
func (k typedKeys) apply(t *unix.Termios) bool {
	old := *t
	if k.erase != 0 {
		t.Cc[unix.VERASE] = k.erase
	}
	if k.kill != 0 {
		t.Cc[unix.VKILL] = k.kill
	}
	if k.crEnd && t.Iflag&unix.ICRNL == 0 {
		t.Iflag = t.Iflag&^unix.IGNCR | unix.ICRNL
		t.Oflag |= unix.ONLCR
	}
	return *t != old
}

// lineEditor edits one answer to the prompt.
type lineEditor struct {
	cfg   editConfig
	buf   []byte
	lnext bool // the previous byte was VLNEXT: this one is taken literally
	keys  typedKeys
	end   byte // the end-of-line character of an editName line
}

// line is the edited line of an editName result with its end-of-line
// character: what a canonical read would have returned.
func (e *lineEditor) line() []byte {
	return append(append([]byte(nil), e.buf...), e.end)
}

// feed edits the line with the byte typed, in the order of the kernel's
// canonical mode (n_tty): strip, CR and NL mapping, then the editing and
// end-of-line characters. A NUL byte is a BREAK wherever it comes, as
// the original found it anywhere in the line.
func (e *lineEditor) feed(typed byte) (echo []byte, r editResult) {
	c := typed
	if e.cfg.istrip {
		c &= 0x7f
	}
	if c == 0 {
		return nil, editBreak
	}
	if e.lnext {
		e.lnext = false
		return e.store(c), editMore
	}
	stripped := c
	c, ignore := e.mapInput(c)
	switch {
	case ignore:
		return nil, editMore
	case c == '\n' || c == '\r':
		e.keys.crEnd = stripped == '\r' && c == '\r'
		return e.endLine(c)
	case isErase(c, e.cfg.erase):
		e.keys.erase = c
		return e.eraseChar(c), editMore
	case e.cfg.iexten && isSet(c, e.cfg.werase):
		return e.eraseWord(), editMore
	case isKill(c, e.cfg.kill):
		e.keys.kill = c
		return e.killLine(c), editMore
	case e.cfg.iexten && isSet(c, e.cfg.lnext):
		e.lnext = true
		if e.cfg.echo && e.cfg.echoCtl {
			return []byte("^\b"), editMore
		}
		return nil, editMore
	case e.cfg.iexten && e.cfg.echo && isSet(c, e.cfg.reprint):
		return e.reprintLine(c), editMore
	case isSet(c, e.cfg.eof) || isSet(c, e.cfg.eol) || e.cfg.iexten && isSet(c, e.cfg.eol2):
		// The line ends without CR or NL: the original found no end
		// of line in it.
		return nil, editNoLine
	}
	return e.store(c), editMore
}

// mapInput is IGNCR, ICRNL and INLCR.
func (e *lineEditor) mapInput(c byte) (byte, bool) {
	switch {
	case c == '\r' && e.cfg.igncr:
		return 0, true
	case c == '\r' && e.cfg.icrnl:
		return '\n', false
	case c == '\n' && e.cfg.inlcr:
		return '\r', false
	}
	return c, false
}

// endLine ends the line with c, NL or an unmapped CR. Canonical mode
// echoes NL with ECHO or ECHONL; a CR that ends the name is echoed as CR
// NL, so that whatever follows starts on a new line.
func (e *lineEditor) endLine(c byte) ([]byte, editResult) {
	var echo []byte
	if e.cfg.echo || e.cfg.echoNL {
		if c == '\r' {
			echo = append(echo, '\r')
		}
		echo = append(echo, '\n')
	}
	switch {
	case len(e.buf) == 0:
		return echo, editEmpty
	case len(e.buf)+1 > peekSize:
		// The original looked at peekSize bytes and found no end of line.
		return echo, editNoLine
	}
	e.end = c
	return echo, editName
}

// store adds an ordinary character to the line and echoes it.
func (e *lineEditor) store(c byte) []byte {
	if len(e.buf) >= maxCanon {
		return nil
	}
	e.buf = append(e.buf, c)
	if !e.cfg.echo {
		return nil
	}
	return e.echoChar(nil, c)
}

// echoChar appends the echo of c: ^X for a control character with
// ECHOCTL (TAB excepted), else c itself.
func (e *lineEditor) echoChar(b []byte, c byte) []byte {
	if e.cfg.echoCtl && isCntrl(c) && c != '\t' {
		return append(b, '^', c^0x40)
	}
	return append(b, c)
}

// eraseChar is an erase key: the last character goes. Without ECHOE the
// key itself is echoed (the one typed, which tells the user what the
// terminal sent). ECHOPRT, the hardcopy terminals' "\erased/" echo, is
// not done: erasing is visual or echoes the key.
func (e *lineEditor) eraseChar(typed byte) []byte {
	c, ok := e.pop()
	if !ok || !e.cfg.echo {
		return nil
	}
	if !e.cfg.echoE {
		return e.echoChar(nil, typed)
	}
	return e.rubout(nil, c)
}

// eraseWord is VWERASE: trailing non-word characters, then the word
// before them (the kernel's ALTWERASE rule: letters, digits and '_').
func (e *lineEditor) eraseWord() []byte {
	var echo []byte
	seen := false
	for len(e.buf) > 0 {
		if isWordChar(e.buf[len(e.buf)-1]) {
			seen = true
		} else if seen {
			break
		}
		c, ok := e.pop()
		if !ok {
			break
		}
		if e.cfg.echo {
			echo = e.rubout(echo, c)
		}
	}
	return echo
}

// killLine is a kill key: the line goes. The echo is the kernel's: with
// ECHOK, ECHOKE and ECHOE each character is rubbed out; otherwise the key
// is echoed, and a newline after it with ECHOK.
func (e *lineEditor) killLine(typed byte) []byte {
	if len(e.buf) == 0 || !e.cfg.echo {
		e.buf = e.buf[:0]
		return nil
	}
	if !(e.cfg.echoK && e.cfg.echoKE && e.cfg.echoE) {
		e.buf = e.buf[:0]
		echo := e.echoChar(nil, typed)
		if e.cfg.echoK {
			echo = append(echo, '\n')
		}
		return echo
	}
	var echo []byte
	for {
		c, ok := e.pop()
		if !ok {
			return echo
		}
		echo = e.rubout(echo, c)
	}
}

// reprintLine is VREPRINT: the key, a newline and the line so far.
func (e *lineEditor) reprintLine(typed byte) []byte {
	echo := append(e.echoChar(nil, typed), '\n')
	for _, c := range e.buf {
		echo = e.echoChar(echo, c)
	}
	return echo
}

// pop removes the last character of the line: with IUTF8 a whole UTF-8
// sequence, and nothing when only continuation bytes are left (the
// kernel does not erase part of a character either).
func (e *lineEditor) pop() (byte, bool) {
	i := len(e.buf) - 1
	if i < 0 {
		return 0, false
	}
	for e.cfg.iutf8 && i > 0 && isContinuation(e.buf[i]) {
		i--
	}
	c := e.buf[i]
	if e.cfg.iutf8 && isContinuation(c) {
		return 0, false
	}
	e.buf = e.buf[:i]
	return c, true
}

// rubout appends what takes c off the screen: "\b \b" for each column
// its echo took (two for ^X, none for a control character echoed as
// itself). A TAB counts as one column: where it ended depends on the
// prompt's length, which the editor does not know.
func (e *lineEditor) rubout(b []byte, c byte) []byte {
	cols := 1
	if isCntrl(c) && c != '\t' {
		cols = 0
		if e.cfg.echoCtl {
			cols = 2
		}
	}
	for range cols {
		b = append(b, '\b', ' ', '\b')
	}
	return b
}

func isErase(c, verase byte) bool { return c == keyBS || c == keyDEL || isSet(c, verase) }
func isKill(c, vkill byte) bool   { return c == keyCtlU || c == keyCtlX || isSet(c, vkill) }

// isSet reports whether c is the control character cc, which is not
// disabled.
func isSet(c, cc byte) bool { return cc != 0 && c == cc }

func isCntrl(c byte) bool        { return c < 0x20 || c == 0x7f }
func isContinuation(c byte) bool { return c&0xc0 == 0x80 }

func isWordChar(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
