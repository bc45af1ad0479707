package ttymon

import (
	"bytes"
	"strings"
	"testing"

	"github.com/linux-saf/saf/internal/termios"
	"github.com/linux-saf/saf/internal/testpty"
	"github.com/linux-saf/saf/ttydefs"
	"golang.org/x/sys/unix"
)

// modesOf returns the termios the stty words give, from all zeros.
func modesOf(t testing.TB, words string) *unix.Termios {
	t.Helper()
	var tio unix.Termios
	if _, err := ttydefs.ApplyWords(&tio, ttydefs.Fields(words)); err != nil {
		t.Fatalf("stty words %q: %v", words, err)
	}
	return &tio
}

// editAll feeds in until the line ends and returns everything echoed.
func editAll(ed *lineEditor, in string) (string, editResult) {
	var echo []byte
	for i := 0; i < len(in); i++ {
		e, r := ed.feed(in[i])
		echo = append(echo, e...)
		if r != editMore {
			return string(echo), r
		}
	}
	return string(echo), editMore
}

func TestLineEdit(t *testing.T) {
	// "sane" is GNU stty's: echo echoe echok echoke echoctl iexten
	// icrnl, erase DEL, kill ^U, werase ^W, lnext ^V, reprint ^R, eof ^D.
	const sane = "sane"
	long := strings.Repeat("a", peekSize-1)
	tests := []struct {
		name, modes, in string
		want            editResult
		line, echo      string
		keys            typedKeys
	}{
		{"plain", sane, "root\r", editName, "root\n", "root\n", typedKeys{}},
		{"BS erases", sane, "rooX\bt\r", editName, "root\n", "rooX\b \bt\n", typedKeys{erase: keyBS}},
		{"DEL erases", sane, "rooX\x7ft\r", editName, "root\n", "rooX\b \bt\n", typedKeys{erase: keyDEL}},
		{"the label's erase", sane + " erase #", "rooX#t\r", editName, "root\n", "rooX\b \bt\n", typedKeys{erase: '#'}},
		{"last erase kept", sane, "ab\b\x7f\r", editEmpty, "", "ab\b \b\b \b\n", typedKeys{erase: keyDEL}},
		{"erase on an empty line", sane, "\x7froot\r", editName, "root\n", "root\n", typedKeys{erase: keyDEL}},
		{"^U kills", sane, "junk\x15root\r", editName, "root\n", "junk" + strings.Repeat("\b \b", 4) + "root\n", typedKeys{kill: keyCtlU}},
		{"^X kills", sane, "junk\x18root\r", editName, "root\n", "junk" + strings.Repeat("\b \b", 4) + "root\n", typedKeys{kill: keyCtlX}},
		{"the label's kill", sane + " kill @", "junk@root\r", editName, "root\n", "junk" + strings.Repeat("\b \b", 4) + "root\n", typedKeys{kill: '@'}},
		{"kill with echok only", sane + " -echoke", "ab\x15c\r", editName, "c\n", "ab^U\nc\n", typedKeys{kill: keyCtlU}},
		{"kill without echok", sane + " -echok -echoke", "ab\x15c\r", editName, "c\n", "ab^Uc\n", typedKeys{kill: keyCtlU}},
		{"NL ends", sane, "root\n", editName, "root\n", "root\n", typedKeys{}},
		{"empty line", sane, "\r", editEmpty, "", "\n", typedKeys{}},
		{"erased to empty", sane, "x\b\r", editEmpty, "", "x\b \b\n", typedKeys{erase: keyBS}},
		{"NUL is a BREAK", sane, "ro\x00t\r", editBreak, "", "ro", typedKeys{}},
		{"NUL after lnext", sane, "ro\x16\x00", editBreak, "", "ro^\b", typedKeys{}},
		{"stripped to NUL", sane + " istrip", "\x80", editBreak, "", "", typedKeys{}},
		{"8 bits kept", sane + " -istrip", "r\xe9\r", editName, "r\xe9\n", "r\xe9\n", typedKeys{}},
		{"istrip", sane + " istrip", "r\xef\r", editName, "ro\n", "ro\n", typedKeys{}},
		{"EOF ends no line", sane, "root\x04", editNoLine, "", "root", typedKeys{}},
		{"EOF on an empty line", sane, "\x04", editNoLine, "", "", typedKeys{}},
		{"EOL ends no line", sane + " eol ^A", "root\x01", editNoLine, "", "root", typedKeys{}},
		{"longest name", sane, long + "\r", editName, long + "\n", long + "\n", typedKeys{}},
		{"name too long", sane, long + "a\r", editNoLine, "", long + "a\n", typedKeys{}},
		{"long, then erased", sane, long + "aa\b\b\r", editName, long + "\n", long + "aa\b \b\b \b\n", typedKeys{erase: keyBS}},
		{"no echo", sane + " -echo", "rooX\bt\r", editName, "root\n", "", typedKeys{erase: keyBS}},
		{"echonl only", sane + " -echo echonl", "root\r", editName, "root\n", "\n", typedKeys{}},
		{"no echoe", sane + " -echoe", "ab\bc\r", editName, "ac\n", "ab^Hc\n", typedKeys{erase: keyBS}},
		{"no echoe, no echoctl", sane + " -echoe -echoctl", "ab\bc\r", editName, "ac\n", "ab\bc\n", typedKeys{erase: keyBS}},
		{"control character rubbed out", sane, "a\x1b\x7f\r", editName, "a\n", "a^[\b \b\b \b\n", typedKeys{erase: keyDEL}},
		{"CR not mapped", sane + " -icrnl", "root\r", editName, "root\r", "root\r\n", typedKeys{crEnd: true}},
		{"igncr", sane + " igncr", "ro\rot\n", editName, "root\n", "root\n", typedKeys{}},
		{"inlcr", sane + " -icrnl inlcr", "root\n", editName, "root\r", "root\r\n", typedKeys{}},
		{"werase", sane, "foo bar\x17\r", editName, "foo \n", "foo bar\b \b\b \b\b \b\n", typedKeys{}},
		{"werase, trailing blanks", sane, "foo  \x17x\r", editName, "x\n", "foo  " + strings.Repeat("\b \b", 5) + "x\n", typedKeys{}},
		{"werase needs iexten", sane + " -iexten", "ab\x17\r", editName, "ab\x17\n", "ab^W\n", typedKeys{}},
		{"lnext", sane, "a\x16\x15b\r", editName, "a\x15b\n", "a^\b^Ub\n", typedKeys{}},
		{"lnext takes CR", sane, "a\x16\rb\r", editName, "a\rb\n", "a^\b^Mb\n", typedKeys{}},
		{"reprint", sane, "ab\x12c\r", editName, "abc\n", "ab^R\nabc\n", typedKeys{}},
		{"utf-8 erased whole", sane + " iutf8", "r\xc3\xa9\x7f\r", editName, "r\n", "r\xc3\xa9\b \b\n", typedKeys{erase: keyDEL}},
		{"utf-8, bytes without iutf8", sane + " -iutf8", "r\xc3\xa9\x7f\r", editName, "r\xc3\n", "r\xc3\xa9\b \b\n", typedKeys{erase: keyDEL}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ed := lineEditor{cfg: newEditConfig(modesOf(t, tt.modes))}
			echo, r := editAll(&ed, tt.in)
			if r != tt.want {
				t.Fatalf("result %d, want %d (echo %q)", r, tt.want, echo)
			}
			if echo != tt.echo {
				t.Errorf("echo %q, want %q", echo, tt.echo)
			}
			if r == editName {
				if got := string(ed.line()); got != tt.line {
					t.Errorf("line %q, want %q", got, tt.line)
				}
			}
			if r != editBreak && r != editNoLine && ed.keys != tt.keys {
				t.Errorf("keys %+v, want %+v", ed.keys, tt.keys)
			}
		})
	}
}

// TestLineEditKernelEdited: the zero editConfig edits a line the
// kernel has already edited (and echoed): only the extra keys act.
func TestLineEditKernelEdited(t *testing.T) {
	for _, tt := range []struct {
		in, line string
		want     editResult
		keys     typedKeys
	}{
		{"rooX\bt\n", "root\n", editName, typedKeys{erase: keyBS}},
		{"junk\x18root\n", "root\n", editName, typedKeys{kill: keyCtlX}},
		{"x\b\n", "", editEmpty, typedKeys{erase: keyBS}},
		{"root\r", "root\r", editName, typedKeys{crEnd: true}},
		{"a#b\n", "a#b\n", editName, typedKeys{}},
	} {
		var ed lineEditor
		echo, r := editAll(&ed, tt.in)
		if r != tt.want || echo != "" || ed.keys != tt.keys || r == editName && string(ed.line()) != tt.line {
			t.Errorf("%q: result %d, line %q, echo %q, keys %+v; want %d, %q, no echo, %+v",
				tt.in, r, ed.line(), echo, ed.keys, tt.want, tt.line, tt.keys)
		}
	}
}

// TestLineEditCap: characters past the kernel's canonical buffer are
// dropped, not stored.
func TestLineEditCap(t *testing.T) {
	ed := lineEditor{cfg: newEditConfig(modesOf(t, "sane"))}
	editAll(&ed, strings.Repeat("a", maxCanon+10))
	if len(ed.buf) != maxCanon {
		t.Errorf("kept %d bytes, want %d", len(ed.buf), maxCanon)
	}
	if echo, _ := ed.feed('b'); echo != nil {
		t.Errorf("a dropped character echoed %q", echo)
	}
}

func TestReadingModes(t *testing.T) {
	in := modesOf(t, "sane istrip inlcr igncr echonl ixon")
	got := readingModes(*in)
	if got.Lflag&(unix.ICANON|unix.ECHO|unix.ECHONL) != 0 {
		t.Errorf("lflag %#o keeps canonical mode or echo", got.Lflag)
	}
	if got.Iflag&(unix.ISTRIP|unix.INLCR|unix.IGNCR|unix.ICRNL) != 0 {
		t.Errorf("iflag %#o keeps input mapping", got.Iflag)
	}
	if got.Cc[unix.VMIN] != 1 || got.Cc[unix.VTIME] != 0 {
		t.Errorf("VMIN %d VTIME %d, want 1 0", got.Cc[unix.VMIN], got.Cc[unix.VTIME])
	}
	// What the kernel still does for the line: signals, flow control,
	// output processing.
	if got.Lflag&unix.ISIG == 0 || got.Iflag&unix.IXON == 0 || got.Oflag != in.Oflag || got.Cflag != in.Cflag {
		t.Errorf("reading modes %+v lost flags of %+v", got, *in)
	}
}

func TestTypedKeysApply(t *testing.T) {
	sane := modesOf(t, "sane")
	for _, tt := range []struct {
		name        string
		keys        typedKeys
		modes       *unix.Termios
		changed     bool
		erase, kill byte
		icrnl, nlcr bool
	}{
		{"nothing typed", typedKeys{}, sane, false, keyDEL, keyCtlU, true, true},
		{"the same erase", typedKeys{erase: keyDEL}, sane, false, keyDEL, keyCtlU, true, true},
		{"BS", typedKeys{erase: keyBS}, sane, true, keyBS, keyCtlU, true, true},
		{"^X", typedKeys{kill: keyCtlX}, sane, true, keyDEL, keyCtlX, true, true},
		{"CR with icrnl", typedKeys{crEnd: true}, sane, false, keyDEL, keyCtlU, true, true},
		{"CR without icrnl", typedKeys{crEnd: true}, modesOf(t, "sane -icrnl igncr -onlcr"), true, keyDEL, keyCtlU, true, true},
		{"NL without icrnl", typedKeys{}, modesOf(t, "sane -icrnl -onlcr"), false, keyDEL, keyCtlU, false, false},
	} {
		tio := *tt.modes
		changed := tt.keys.apply(&tio)
		icrnl := tio.Iflag&unix.ICRNL != 0 && tio.Iflag&unix.IGNCR == 0
		nlcr := tio.Oflag&unix.ONLCR != 0
		if changed != tt.changed || tio.Cc[unix.VERASE] != tt.erase || tio.Cc[unix.VKILL] != tt.kill || icrnl != tt.icrnl || nlcr != tt.nlcr {
			t.Errorf("%s: changed %v, erase %#x, kill %#x, icrnl %v, onlcr %v; want %v, %#x, %#x, %v, %v",
				tt.name, changed, tio.Cc[unix.VERASE], tio.Cc[unix.VKILL], icrnl, nlcr,
				tt.changed, tt.erase, tt.kill, tt.icrnl, tt.nlcr)
		}
	}
}

func TestTypedKeysMerge(t *testing.T) {
	k := typedKeys{erase: keyBS, kill: keyCtlX, crEnd: true}
	k.merge(typedKeys{})
	if k != (typedKeys{erase: keyBS, kill: keyCtlX}) {
		t.Errorf("after an answer with no keys: %+v", k)
	}
	k.merge(typedKeys{erase: keyDEL, crEnd: true})
	if k != (typedKeys{erase: keyDEL, kill: keyCtlX, crEnd: true}) {
		t.Errorf("after an answer with DEL and CR: %+v", k)
	}
}

// screen is what a terminal shows for the echo of a name: the text of
// the current line, with BS moving back and a blank overwriting. It
// stops at the first newline.
func screen(echo []byte) string {
	var line []byte
	col := 0
	for _, c := range echo {
		switch c {
		case '\n':
			return string(line[:col])
		case '\b':
			col = max(col-1, 0)
		default:
			if col < len(line) {
				line[col] = c
			} else {
				line = append(line, c)
			}
			col++
		}
	}
	return string(line[:col])
}

// FuzzLineEdit feeds any bytes with any editing modes: the editor never
// keeps more than the kernel would, every name it returns has its end
// of line, nothing is echoed without ECHO or ECHONL, and after it stops
// it stays stopped. With the keys every terminal has (letters, BS, DEL,
// ^U, ^X, RETURN) and "sane" modes, the name is what a simple model
// gives and the screen shows exactly the name.
func FuzzLineEdit(f *testing.F) {
	f.Add([]byte("rooX\bt\r"), uint32(0))
	f.Add([]byte("junk\x15root\r"), uint32(0xffff))
	f.Add([]byte("a\x16\x00b\x17\x12\r"), uint32(0x5a5a))
	f.Add([]byte("\xc3\xa9\x7f\x7f\n"), uint32(1<<12))
	f.Fuzz(func(t *testing.T, in []byte, flags uint32) {
		ed := lineEditor{cfg: fuzzConfig(flags)}
		r := editMore
		for _, c := range in {
			var echo []byte
			echo, r = ed.feed(c)
			if len(echo) > 0 && !ed.cfg.echo && !ed.cfg.echoNL {
				t.Fatalf("echo %q without ECHO or ECHONL", echo)
			}
			if len(ed.buf) > maxCanon {
				t.Fatalf("kept %d bytes", len(ed.buf))
			}
			if r != editMore {
				break
			}
		}
		if r == editName {
			line := ed.line()
			if len(line) < 2 || len(line) > peekSize || (line[len(line)-1] != '\n' && line[len(line)-1] != '\r') {
				t.Fatalf("name line %q", line)
			}
		}
		checkModel(t, in)
	})
}

// fuzzConfig makes an editConfig from the bits of flags.
func fuzzConfig(flags uint32) editConfig {
	bit := func(n int) bool { return flags&(1<<n) != 0 }
	return editConfig{
		erase: byte(flags >> 16), kill: byte(flags >> 24), werase: 0x17, lnext: 0x16, reprint: 0x12, eof: 0x04,
		echo: bit(0), echoE: bit(1), echoK: bit(2), echoKE: bit(3), echoNL: bit(4), echoCtl: bit(5), iexten: bit(6),
		istrip: bit(7), igncr: bit(8), icrnl: bit(9), inlcr: bit(10), iutf8: bit(12),
	}
}

// checkModel maps in onto the keys every terminal has and compares the
// editor, in "sane" modes, with a plain model of erase, kill and RETURN.
func checkModel(t *testing.T, in []byte) {
	keys := []byte{keyBS, keyDEL, keyCtlU, keyCtlX, '\r', '\n'}
	var typed, name []byte
	want := editMore
	for _, c := range in {
		if c%4 == 0 {
			c = keys[int(c/4)%len(keys)]
		} else {
			c = 'a' + c%26
		}
		typed = append(typed, c)
		switch c {
		case keyBS, keyDEL:
			name = name[:max(len(name)-1, 0)]
			continue
		case keyCtlU, keyCtlX:
			name = name[:0]
			continue
		case '\r', '\n':
			want = editName
			if len(name) == 0 {
				want = editEmpty
			} else if len(name) >= peekSize {
				want = editNoLine
			}
		default:
			if len(name) < maxCanon {
				name = append(name, c)
			}
			continue
		}
		break
	}
	ed := lineEditor{cfg: saneConfig}
	var echo []byte
	r := editMore
	for _, c := range typed {
		var e []byte
		e, r = ed.feed(c)
		echo = append(echo, e...)
		if r != editMore {
			break
		}
	}
	if r != want {
		t.Fatalf("typed %q: result %d, model %d", typed, r, want)
	}
	if r == editName && !bytes.Equal(ed.buf, name) {
		t.Fatalf("typed %q: name %q, model %q", typed, ed.buf, name)
	}
	if r == editName && screen(echo) != string(name) {
		t.Fatalf("typed %q: the screen shows %q (echo %q), the name is %q", typed, screen(echo), echo, name)
	}
}

// saneConfig is GNU stty's sane, as newEditConfig takes it.
var saneConfig = editConfig{
	erase: keyDEL, kill: keyCtlU, werase: 0x17, lnext: 0x16, reprint: 0x12, eof: 0x04,
	echo: true, echoE: true, echoK: true, echoKE: true, echoCtl: true, iexten: true, icrnl: true,
}

// TestSaneConfig keeps saneConfig what "sane" gives.
func TestSaneConfig(t *testing.T) {
	got := newEditConfig(modesOf(t, "sane"))
	got.iutf8 = false // GNU sane leaves it; the model does not need it
	if got != saneConfig {
		t.Errorf("sane gives %+v, saneConfig is %+v", got, saneConfig)
	}
}

// TestRestoreModesAfterHangup: the modes of a line hung up while the
// name was read go back through a new open of the device. (A pty puts
// its default modes back at a hang-up, a serial line keeps the reading
// modes: the test sets modes unlike the defaults to tell them apart.)
func TestRestoreModesAfterHangup(t *testing.T) {
	pty := testpty.Open(t)
	slave := pty.OpenSlave(t)
	fd := int(slave.Fd())
	want := modesOf(t, "sane -echo erase #")
	if err := unix.IoctlSetInt(fd, unix.TIOCVHANGUP, 0); err != nil {
		t.Skipf("cannot hang the pty up (TIOCVHANGUP needs CAP_SYS_ADMIN): %v", err)
	}
	if _, err := termios.Get(fd); err == nil {
		t.Fatal("the hung-up descriptor still answers TCGETS")
	}
	if err := restoreModes(fd, want); err != nil {
		t.Fatalf("restoreModes: %v", err)
	}
	got := pty.SlaveTermios(t)
	if got.Lflag&unix.ECHO != 0 || got.Cc[unix.VERASE] != '#' {
		t.Errorf("after restoreModes: lflag %#o, erase %#x; want echo off, erase '#'", got.Lflag, got.Cc[unix.VERASE])
	}
}
