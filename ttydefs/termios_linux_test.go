package ttydefs

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// withValue returns the word as Validate and Apply see it in a field: the
// words that take a value get one.
func withValue(w string) string {
	switch wordClasses[w] {
	case classChar, classValue:
		return w + " ^C"
	case classSpeedArg:
		return w + " 9600"
	}
	return w
}

func TestValidateAcceptsEverySolarisWord(t *testing.T) {
	if n := len(wordClasses); n < 250 {
		t.Fatalf("only %d words known", n)
	}
	for w := range wordClasses {
		if bad := Validate(withValue(w)); bad != nil {
			t.Errorf("Validate(%q) = %q", withValue(w), bad)
		}
	}
	for _, flags := range []string{
		"", "  \t ", "9600 hupcl sane", "134.5 19.2 38.4 57.6 76.8 115.2 153.6 230.4 307.2 460.8",
		"erase", "ispeed", // a trailing keyword without its value is accepted
		"erase ^? kill ^- intr undef quit x eof ^d min 5 time 10 min a",
		"ispeed 0 ospeed 76800", "rows 24 columns 80 cols 80 xpixels 0 ypixels 0",
		"-lcase -LCASE -nl -tabs -fill -raw cooked -parity -evenp -oddp -markp -spacep -parext",
		"-cs8 -loblk -crtsxoff -defecho -stflush -stwrap -stappl -rtsxoff -isxoff async tab8 tty37",
		"500:5:bf:8a3b:3:1c:7f:15:4:0:1:0:11:13:1a:0:12:f:17:16:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0",
		"2526:1805:1ad:8a3b:3:1c:7f:15", // not enough numbers ...
		"erase 2526:1805:1ad:8a3b:3:1c:7f:15",
		"2526:1805:1ad:8a3b:3:1c:7f:15:4:0:0:0", // ... 12 is enough
	} {
		bad := Validate(flags)
		if flags == "2526:1805:1ad:8a3b:3:1c:7f:15" {
			if !reflect.DeepEqual(bad, []string{flags}) {
				t.Errorf("Validate(%q) = %q, want it rejected", flags, bad)
			}
			continue
		}
		if bad != nil {
			t.Errorf("Validate(%q) = %q, want nil", flags, bad)
		}
	}
}

func TestValidateRejects(t *testing.T) {
	tests := []struct {
		flags string
		bad   []string
	}{
		{"foo", []string{"foo"}},
		{"9600 foo sane bar", []string{"foo", "bar"}},
		{"SANE Sane", []string{"SANE", "Sane"}}, // case-sensitive
		{"-sane -ek -9600 -tab0 -cr1 -tty33 -async", []string{"-sane", "-ek", "-9600", "-tab0", "-cr1", "-tty33", "-async"}},
		{"cs9 9601 9600.0 19,2 -crt -dec -exta 7200 size speed", []string{"cs9", "9601", "9600.0", "19,2", "-crt", "-dec", "-exta", "7200", "size", "speed"}},
		{"ispeed 12345 ospeed hupcl", []string{"12345", "hupcl"}},
		{"erase", nil},
		{"1:2:3:4:5:6:7:8:9:a:b:g", []string{"1:2:3:4:5:6:7:8:9:a:b:g"}},
		{"1:2:3:4:5:6:7:8:9:a:b:", []string{"1:2:3:4:5:6:7:8:9:a:b:"}},
		{"0x1:2:3:4:5:6:7:8:9:a:b:c", []string{"0x1:2:3:4:5:6:7:8:9:a:b:c"}},
		{"100000000:2:3:4:5:6:7:8:9:a:b:c", []string{"100000000:2:3:4:5:6:7:8:9:a:b:c"}},
	}
	for _, tt := range tests {
		if got := Validate(tt.flags); !reflect.DeepEqual(got, tt.bad) {
			t.Errorf("Validate(%q) = %q, want %q", tt.flags, got, tt.bad)
		}
	}
}

// TestEveryWordHasALinuxMeaning keeps the Solaris word list (words.go) and
// the Linux meanings (termios_linux.go) from drifting apart.
func TestEveryWordHasALinuxMeaning(t *testing.T) {
	unsupported := []string{"76800", "76.8", "153600", "153.6", "307200", "307.2"}
	for w, c := range wordClasses {
		switch c {
		case classMode:
			if _, ok := modes[w]; !ok {
				t.Errorf("mode word %q has no meaning", w)
			}
		case classSpeed:
			if _, ok := speedCode(w); !ok && !slices.Contains(unsupported, w) {
				t.Errorf("speed %q has no Linux constant", w)
			}
		case classChar:
			if _, ok := ccIndex[w]; !ok && w != "dsusp" && w != "status" {
				t.Errorf("control character %q has no Linux slot", w)
			}
		}
	}
	for w := range modes {
		if wordClasses[w] != classMode {
			t.Errorf("meaning for %q, which the parser does not accept", w)
		}
	}
}

func newTermios(i, o, c, l uint32) unix.Termios {
	return unix.Termios{Iflag: i, Oflag: o, Cflag: c, Lflag: l}
}

func TestApply(t *testing.T) {
	sevenE1 := newTermios(0, 0, unix.B9600|unix.CS7|unix.PARENB|unix.PARODD, 0)
	everything := newTermios(^uint32(0), ^uint32(0), unix.B9600|unix.CS8|unix.HUPCL, ^uint32(0))
	for i := range everything.Cc {
		everything.Cc[i] = byte(i + 1)
	}
	cc := func(t unix.Termios, pairs ...int) unix.Termios {
		for i := 0; i < len(pairs); i += 2 {
			t.Cc[pairs[i]] = byte(pairs[i+1])
		}
		return t
	}
	tests := []struct {
		name  string
		from  unix.Termios
		flags string
		want  unix.Termios
		rep   Report
	}{
		{"speed", newTermios(0, 0, unix.B300|unix.B1200<<unix.IBSHIFT|unix.CS8, 0), "9600",
			newTermios(0, 0, unix.B9600|unix.CS8, 0), Report{}},
		{"134.5 and 19.2 are aliases", newTermios(0, 0, 0, 0), "134.5",
			newTermios(0, 0, unix.B134, 0), Report{}},
		{"ispeed and ospeed", newTermios(0, 0, unix.B300, 0), "ispeed 1200 ospeed 115.2",
			newTermios(0, 0, unix.B115200|unix.B1200<<unix.IBSHIFT, 0), Report{}},
		{"ispeed 0 is same as output", newTermios(0, 0, unix.B300|unix.B1200<<unix.IBSHIFT, 0), "ispeed 0",
			newTermios(0, 0, unix.B300, 0), Report{}},
		{"unsupported speeds", newTermios(0, 0, unix.B300, 0), "76800 ispeed 153.6 ospeed 307200",
			newTermios(0, 0, unix.B300, 0), Report{Unsupported: []string{"76800", "ispeed 153.6", "ospeed 307200"}}},
		{"cs7", newTermios(0, 0, unix.CS8|unix.B9600, 0), "cs7", newTermios(0, 0, unix.CS7|unix.B9600, 0), Report{}},
		{"cs8 -parenb", sevenE1, "cs8 -parenb", newTermios(0, 0, unix.B9600|unix.CS8|unix.PARODD, 0), Report{}},
		{"evenp", newTermios(0, 0, unix.CS8|unix.PARODD, 0), "evenp", newTermios(0, 0, unix.CS7|unix.PARENB, 0), Report{}},
		{"parity", newTermios(0, 0, unix.CS8|unix.PARODD, 0), "parity", newTermios(0, 0, unix.CS7|unix.PARENB, 0), Report{}},
		{"oddp", newTermios(0, 0, unix.CS8, 0), "oddp", newTermios(0, 0, unix.CS7|unix.PARENB|unix.PARODD, 0), Report{}},
		{"-evenp", sevenE1, "-evenp", newTermios(0, 0, unix.B9600|unix.CS8|unix.PARODD, 0), Report{}},
		{"-oddp -parity", sevenE1, "-oddp -parity", newTermios(0, 0, unix.B9600|unix.CS8|unix.PARODD, 0), Report{}},
		{"markp", newTermios(0, 0, unix.CS8, 0), "markp",
			newTermios(0, 0, unix.CS7|unix.PARENB|unix.PARODD|unix.CMSPAR, 0), Report{}},
		{"spacep", newTermios(0, 0, unix.CS8|unix.PARODD, 0), "spacep",
			newTermios(0, 0, unix.CS7|unix.PARENB|unix.CMSPAR, 0), Report{}},
		{"-markp", newTermios(0, 0, unix.CS7|unix.PARENB|unix.PARODD|unix.CMSPAR, 0), "-markp",
			newTermios(0, 0, unix.CS8, 0), Report{}},
		{"-spacep keeps parodd", newTermios(0, 0, unix.CS7|unix.PARENB|unix.PARODD|unix.CMSPAR, 0), "-spacep",
			newTermios(0, 0, unix.CS8|unix.PARODD, 0), Report{}},
		{"parext", newTermios(0, 0, 0, 0), "parext hup lfkc", newTermios(0, 0, unix.CMSPAR|unix.HUPCL, unix.ECHOK), Report{}},
		{"plain bits and negations", newTermios(unix.IXON, unix.OPOST, unix.CLOCAL, unix.ECHO),
			"ixoff -ixon -opost onlcr crtscts -clocal -echo icanon",
			newTermios(unix.IXOFF, unix.ONLCR, unix.CRTSCTS, unix.ICANON), Report{}},
		{"sane leaves size and parity", cc(sevenE1, unix.VINTR, 'x', unix.VSWTC, 9, unix.VMIN, 7),
			"sane",
			cc(newTermios(unix.BRKINT|unix.ICRNL|unix.IMAXBEL, unix.OPOST|unix.ONLCR,
				unix.B9600|unix.CS7|unix.PARENB|unix.PARODD|unix.CREAD,
				unix.ISIG|unix.ICANON|unix.IEXTEN|unix.ECHO|unix.ECHOE|unix.ECHOK|unix.ECHOCTL|unix.ECHOKE),
				unix.VINTR, 3, unix.VQUIT, 0x1c, unix.VERASE, 0x7f, unix.VKILL, 0x15, unix.VEOF, 4,
				unix.VSTART, 0x11, unix.VSTOP, 0x13, unix.VSUSP, 0x1a, unix.VREPRINT, 0x12,
				unix.VWERASE, 0x17, unix.VLNEXT, 0x16, unix.VDISCARD, 0x0f, unix.VMIN, 1),
			Report{}},
		{"raw leaves size and parity", everything, "raw",
			cc(newTermios(0, ^uint32(unix.OPOST), everything.Cflag, ^uint32(unix.ISIG|unix.ICANON|unix.XCASE)),
				append(ccPairs(everything), unix.VMIN, 1, unix.VTIME, 0)...),
			Report{}},
		{"-raw", newTermios(0, 0, unix.CS8, 0), "-raw",
			newTermios(unix.BRKINT|unix.IGNPAR|unix.ISTRIP|unix.ICRNL|unix.IXON, unix.OPOST, unix.CS8, unix.ISIG|unix.ICANON),
			Report{}},
		{"cooked", newTermios(0, 0, 0, 0), "cooked",
			newTermios(unix.BRKINT|unix.IGNPAR|unix.ISTRIP|unix.ICRNL|unix.IXON, unix.OPOST, 0, unix.ISIG|unix.ICANON),
			Report{}},
		{"nl", newTermios(unix.ICRNL, unix.ONLCR|unix.OPOST, 0, 0), "nl", newTermios(0, unix.OPOST, 0, 0), Report{}},
		{"-nl", newTermios(unix.INLCR|unix.IGNCR, unix.OCRNL|unix.ONLRET, 0, 0), "-nl",
			newTermios(unix.ICRNL, unix.ONLCR, 0, 0), Report{}},
		{"lcase", newTermios(0, 0, 0, 0), "lcase", newTermios(unix.IUCLC, unix.OLCUC, 0, unix.XCASE), Report{}},
		{"-LCASE", newTermios(unix.IUCLC, unix.OLCUC, 0, unix.XCASE), "-LCASE", newTermios(0, 0, 0, 0), Report{}},
		{"tabs", newTermios(0, unix.TAB3, 0, 0), "tabs", newTermios(0, unix.TAB0, 0, 0), Report{}},
		{"-tabs", newTermios(0, 0, 0, 0), "-tabs", newTermios(0, unix.TAB3, 0, 0), Report{}},
		{"delays", newTermios(0, ^uint32(0), 0, 0), "nl0 cr2 tab1 bs0 vt1 ff0",
			newTermios(0, ^uint32(unix.NLDLY|unix.CRDLY|unix.TABDLY|unix.BSDLY|unix.VTDLY|unix.FFDLY)|
				unix.CR2|unix.TAB1|unix.VT1, 0, 0), Report{}},
		{"GNU flags", newTermios(0, 0, 0, 0), "iutf8 cmspar extproc tandem crterase prterase ctlecho crtkill",
			newTermios(unix.IUTF8|unix.IXOFF, 0, unix.CMSPAR, unix.EXTPROC|unix.ECHOE|unix.ECHOPRT|unix.ECHOCTL|unix.ECHOKE), Report{}},
		{"GNU flags off", newTermios(^uint32(0), 0, unix.CMSPAR|unix.CS8, ^uint32(0)), "-iutf8 -cmspar -extproc -tandem -crterase -prterase -ctlecho -crtkill -cbreak",
			newTermios(^uint32(unix.IUTF8|unix.IXOFF), 0, unix.CS8,
				^uint32(unix.EXTPROC|unix.ECHOE|unix.ECHOPRT|unix.ECHOCTL|unix.ECHOKE)), Report{}},
		{"cbreak decctlq", newTermios(unix.IXANY, 0, 0, unix.ICANON), "cbreak decctlq", newTermios(0, 0, 0, 0), Report{}},
		{"-decctlq", newTermios(0, 0, 0, 0), "-decctlq", newTermios(unix.IXANY, 0, 0, 0), Report{}},
		{"pass8", newTermios(unix.ISTRIP|unix.ICRNL, unix.OPOST, unix.CS7|unix.PARENB|unix.PARODD, 0), "pass8",
			newTermios(unix.ICRNL, unix.OPOST, unix.CS8|unix.PARODD, 0), Report{}},
		{"-pass8", newTermios(0, unix.OPOST, unix.CS8, 0), "-pass8",
			newTermios(unix.ISTRIP, unix.OPOST, unix.CS7|unix.PARENB, 0), Report{}},
		{"litout", newTermios(unix.ISTRIP, unix.OPOST|unix.ONLCR, unix.CS7|unix.PARENB, 0), "litout",
			newTermios(0, unix.ONLCR, unix.CS8, 0), Report{}},
		{"-litout", newTermios(0, 0, unix.CS8, 0), "-litout",
			newTermios(unix.ISTRIP, unix.OPOST, unix.CS7|unix.PARENB, 0), Report{}},
		{"crt", newTermios(0, 0, 0, 0), "crt", newTermios(0, 0, 0, unix.ECHOE|unix.ECHOCTL|unix.ECHOKE), Report{}},
		{"dec", newTermios(unix.IXANY, 0, 0, 0), "dec",
			cc(newTermios(0, 0, 0, unix.ECHOE|unix.ECHOCTL|unix.ECHOKE), unix.VINTR, 3, unix.VERASE, 0x7f, unix.VKILL, 0x15), Report{}},
		{"GNU speeds", newTermios(0, 0, unix.B300, 0), "exta ispeed extb ospeed 921600",
			newTermios(0, 0, unix.B921600|unix.B38400<<unix.IBSHIFT, 0), Report{}},
		{"4000000", newTermios(0, 0, unix.B300, 0), "4000000", newTermios(0, 0, unix.B4000000, 0), Report{}},
		{"drain and line", newTermios(0, 0, 0, 0), "drain -drain line 0",
			newTermios(0, 0, 0, 0), Report{Ignored: []string{"line 0"}}},
		{"fill", newTermios(0, unix.OFDEL, 0, 0), "fill", newTermios(0, unix.OFILL, 0, 0), Report{}},
		{"nul-fill", newTermios(0, unix.OFDEL, 0, 0), "nul-fill", newTermios(0, unix.OFILL, 0, 0), Report{}},
		{"del-fill", newTermios(0, 0, 0, 0), "del-fill", newTermios(0, unix.OFILL|unix.OFDEL, 0, 0), Report{}},
		{"-fill", newTermios(0, unix.OFILL|unix.OFDEL, 0, 0), "-fill", newTermios(0, 0, 0, 0), Report{}},
		{"ek", newTermios(0, 0, 0, 0), "ek", cc(newTermios(0, 0, 0, 0), unix.VERASE, 0x7f, unix.VKILL, 0x15), Report{}},
		{"control character syntax", everything,
			"erase ^H intr ^? kill ^- eof undef quit x susp ^z start ^\\ stop ^ eol2 ab",
			cc(everything, unix.VERASE, 8, unix.VINTR, 0x7f, unix.VKILL, 0, unix.VEOF, 0, unix.VQUIT, 'x',
				unix.VSUSP, 0x1a, unix.VSTART, 0x1c, unix.VSTOP, '^', unix.VEOL2, 'a'),
			Report{}},
		{"min and time", everything, "min 5 time 300 min 12x",
			cc(everything, unix.VMIN, 12, unix.VTIME, 300&0xff), Report{}},
		{"min with a non-digit takes the character", everything, "min a", cc(everything, unix.VMIN, 'a'), Report{}},
		{"synonyms", everything, "reprint ^A flush ^B swtch ^C eol ^D werase ^E lnext ^F rprnt ^G discard ^H",
			cc(everything, unix.VREPRINT, 7, unix.VDISCARD, 8, unix.VSWTC, 3, unix.VEOL, 4, unix.VWERASE, 5, unix.VLNEXT, 6),
			Report{}},
		{"trailing keywords", everything, "erase", everything, Report{}},
		{"trailing ispeed", everything, "ispeed", everything, Report{}},
		{"Solaris-only words are ignored", everything,
			"loblk -crtsxoff defecho -stflush stwrap stappl tab8 tty33 tn300 ti700 vt05 tek tty37 -cs8 " +
				"async xcibrg -rtsxoff ctsxon dsusp ^Y status ^T rows 24 columns 80 cols 80 xpixels 1 ypixels 2",
			everything,
			Report{Ignored: []string{"loblk", "-crtsxoff", "defecho", "-stflush", "stwrap", "stappl", "tab8",
				"tty33", "tn300", "ti700", "vt05", "tek", "tty37", "-cs8", "async", "xcibrg", "-rtsxoff", "ctsxon",
				"dsusp ^Y", "status ^T", "rows 24", "columns 80", "cols 80", "xpixels 1", "ypixels 2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.from
			rep, err := Apply(&got, tt.flags)
			if err != nil {
				t.Fatalf("Apply(%q): %v", tt.flags, err)
			}
			if got != tt.want {
				t.Errorf("Apply(%q):\n got %+v\nwant %+v", tt.flags, got, tt.want)
			}
			if !reflect.DeepEqual(rep, tt.rep) {
				t.Errorf("Apply(%q) report = %+v, want %+v", tt.flags, rep, tt.rep)
			}
		})
	}
}

func ccPairs(t unix.Termios) []int {
	var p []int
	for i, v := range t.Cc {
		p = append(p, i, int(v))
	}
	return p
}

func TestApplyRejectsAndLeavesTermiosAlone(t *testing.T) {
	for _, flags := range []string{"9600 sane foo", "cs7 ispeed 12345", "ospeed erase", "sane -sane"} {
		orig := newTermios(1, 2, unix.B300|unix.CS8, 4)
		got := orig
		_, err := Apply(&got, flags)
		var me *ModeError
		if !errors.As(err, &me) {
			t.Errorf("Apply(%q) error = %v, want a *ModeError", flags, err)
			continue
		}
		if want := Validate(flags); len(want) == 0 || me.Word != want[0] {
			t.Errorf("Apply(%q) rejected %q, Validate says %q", flags, me.Word, want)
		}
		if me.Error() != "invalid mode: "+me.Word {
			t.Errorf("message %q", me.Error())
		}
		if got != orig {
			t.Errorf("Apply(%q) changed the termios: %+v", flags, got)
		}
	}
}

func TestApplyEncoded(t *testing.T) {
	t.Run("GNU", func(t *testing.T) {
		// What GNU stty -g prints for a fresh Linux pty.
		const g = "500:5:bf:8a3b:3:1c:7f:15:4:0:1:0:11:13:1a:0:12:f:17:16:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0"
		var got unix.Termios
		if _, err := Apply(&got, g); err != nil {
			t.Fatal(err)
		}
		want := newTermios(0x500, 5, 0xbf, 0x8a3b)
		copy(want.Cc[:], []byte{3, 0x1c, 0x7f, 0x15, 4, 0, 1, 0, 0x11, 0x13, 0x1a, 0, 0x12, 0xf, 0x17, 0x16, 0, 0, 0})
		if got != want {
			t.Errorf("got %+v\nwant %+v", got, want)
		}
	})
	t.Run("Solaris termios", func(t *testing.T) {
		// iflag brkint ignpar istrip icrnl ixon imaxbel; oflag opost onlcr
		// tab3; cflag 9600 cs7 cread parenb parext; lflag isig icanon echo
		// echoe echok echoctl echoke iexten defecho flusho; then 18 c_cc
		// slots in Solaris order (dsusp ^Y at 11, status ^T at 16).
		const s = "2526:1805:1001ad:ba3b:3:1c:7f:15:4:0:0:0:11:13:1a:19:12:f:17:16:14:0"
		got := newTermios(0, 0, 0, 0)
		got.Cc[unix.VMIN], got.Cc[unix.VTIME] = 9, 9
		if _, err := Apply(&got, s); err != nil {
			t.Fatal(err)
		}
		want := newTermios(unix.BRKINT|unix.IGNPAR|unix.ISTRIP|unix.ICRNL|unix.IXON|unix.IMAXBEL,
			unix.OPOST|unix.ONLCR|unix.TAB3,
			unix.B9600|unix.CS7|unix.CREAD|unix.PARENB|unix.CMSPAR,
			unix.ISIG|unix.ICANON|unix.ECHO|unix.ECHOE|unix.ECHOK|unix.ECHOCTL|unix.ECHOKE|unix.IEXTEN|unix.FLUSHO)
		want = func(w unix.Termios) unix.Termios {
			for idx, v := range map[int]byte{unix.VINTR: 3, unix.VQUIT: 0x1c, unix.VERASE: 0x7f, unix.VKILL: 0x15,
				unix.VEOF: 4, unix.VSTART: 0x11, unix.VSTOP: 0x13, unix.VSUSP: 0x1a, unix.VREPRINT: 0x12,
				unix.VDISCARD: 0xf, unix.VWERASE: 0x17, unix.VLNEXT: 0x16, unix.VMIN: 9, unix.VTIME: 9} {
				w.Cc[idx] = v
			}
			return w
		}(want)
		if got != want {
			t.Errorf("got %+v\nwant %+v", got, want)
		}
	})
	t.Run("Solaris termio, raw", func(t *testing.T) {
		// 12 numbers; no ICANON, so slots 4 and 5 are VMIN and VTIME;
		// extended speed 115200 (CBAUDEXT + 2), input 38400.
		const s = "0:0:2f00b2:0:3:1c:7f:15:1:5:0:0"
		var got unix.Termios
		got.Cc[unix.VEOF] = 4
		rep, err := Apply(&got, s)
		if err != nil || rep.Unsupported != nil {
			t.Fatal(err, rep)
		}
		want := newTermios(0, 0, unix.B115200|unix.B38400<<unix.IBSHIFT|unix.CS8|unix.CREAD, 0)
		want.Cc[unix.VINTR], want.Cc[unix.VQUIT], want.Cc[unix.VERASE], want.Cc[unix.VKILL] = 3, 0x1c, 0x7f, 0x15
		want.Cc[unix.VEOF], want.Cc[unix.VMIN], want.Cc[unix.VTIME] = 4, 1, 5
		if got != want {
			t.Errorf("got %+v\nwant %+v", got, want)
		}
	})
	t.Run("Solaris unsupported speed", func(t *testing.T) {
		const s = "0:0:200031:0:3:1c:7f:15:1:5:0:0" // CBAUDEXT + 1 = 76800, cs8
		got := newTermios(0, 0, unix.B300, 0)
		rep, err := Apply(&got, s)
		if err != nil || !reflect.DeepEqual(rep.Unsupported, []string{"76800"}) {
			t.Fatalf("err %v, report %+v", err, rep)
		}
		if got.Cflag != unix.B300|unix.CS8 {
			t.Errorf("cflag %#o", got.Cflag)
		}
	})
}

// covered returns the part of t that Words renders.
func covered(t unix.Termios) unix.Termios {
	var mask [4]uint32
	for _, w := range bitWords {
		mask[w.field] |= w.bit
	}
	mask[fOflag] |= unix.NLDLY | unix.CRDLY | unix.TABDLY | unix.BSDLY | unix.VTDLY | unix.FFDLY
	mask[fCflag] |= unix.CSIZE | unix.CBAUD | unix.CIBAUD
	// A delay whose value has no word is not rendered: NL2 and NL3, which
	// only powerpc's two-bit NLDLY can hold.
	for _, g := range delayGroups {
		fw := fieldWordByName[g[0]]
		named := false
		for _, name := range g {
			named = named || t.Oflag&fw.mask == fieldWordByName[name].val
		}
		if !named {
			mask[fOflag] &^= fw.mask
		}
	}
	out := newTermios(t.Iflag&mask[fIflag], t.Oflag&mask[fOflag], t.Cflag&mask[fCflag], t.Lflag&mask[fLflag])
	_, okO := speedWord(t.Cflag & unix.CBAUD)
	i := (t.Cflag & unix.CIBAUD) >> unix.IBSHIFT
	_, okI := speedWord(i)
	if !okO || (i != 0 && !okI) {
		out.Cflag &^= unix.CBAUD | unix.CIBAUD
	}
	for _, c := range charWordList {
		if t.Cc[c.idx] != ' ' || c.name == "min" || c.name == "time" {
			out.Cc[c.idx] = t.Cc[c.idx]
		}
	}
	return out
}

func randomTermios(r *rand.Rand) unix.Termios {
	var codes []uint32 // the speeds Words can name
	for _, w := range speedWords {
		if c, ok := speedCode(w); ok {
			codes = append(codes, c)
		}
	}
	t := newTermios(r.Uint32(), r.Uint32(), r.Uint32(), r.Uint32())
	if r.IntN(4) > 0 { // mostly speeds Words can name
		t.Cflag &^= unix.CBAUD | unix.CIBAUD
		t.Cflag |= codes[r.IntN(len(codes))]
		if r.IntN(2) == 0 {
			t.Cflag |= codes[r.IntN(len(codes))] << unix.IBSHIFT
		}
	}
	for i := range t.Cc {
		t.Cc[i] = byte(r.Uint32())
	}
	return t
}

func TestWordsRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		orig := randomTermios(r)
		words := Words(orig)
		if bad := Validate(strings.Join(words, " ")); bad != nil {
			t.Fatalf("Words(%+v) = %q: invalid %q", orig, words, bad)
		}
		var got unix.Termios
		rep, err := ApplyWords(&got, words)
		if err != nil || rep.Ignored != nil || rep.Unsupported != nil {
			t.Fatalf("ApplyWords(%q): %v %+v", words, err, rep)
		}
		if want := covered(orig); got != want {
			t.Fatalf("round trip of %+v via %q:\n got %+v\nwant %+v", orig, words, got, want)
		}
	}
}

func TestWords(t *testing.T) {
	tio := newTermios(unix.ICRNL|unix.IXON, unix.OPOST|unix.ONLCR, unix.B9600|unix.CS8|unix.CREAD, unix.ICANON|unix.ECHO)
	tio.Cc[unix.VINTR], tio.Cc[unix.VERASE], tio.Cc[unix.VQUIT], tio.Cc[unix.VEOF] = 3, 0x7f, 0x1c, 'd'
	tio.Cc[unix.VSTART] = ' '
	tio.Cc[unix.VMIN] = 1
	got := strings.Join(Words(tio), " ")
	want := "9600 cs8 -parenb -parodd -parext -cstopb -hupcl cread -clocal -crtscts " +
		"-ignbrk -brkint -ignpar -parmrk -inpck -istrip -inlcr -igncr icrnl -iuclc ixon -ixany -ixoff -imaxbel " +
		"opost -olcuc onlcr -ocrnl -onocr -onlret -ofill -ofdel " +
		"-isig icanon -iexten echo -echoe -echok -echonl -noflsh -xcase -tostop -echoprt -echoctl -echoke -flusho -pendin " +
		"nl0 cr0 tab0 bs0 vt0 ff0 " +
		`intr ^C quit ^\ erase ^? kill ^- eof d eol ^- eol2 ^- swtch ^- ` +
		"stop ^- susp ^- rprnt ^- werase ^- lnext ^- discard ^- min 1 time 0"
	if got != want {
		t.Errorf("Words:\n got %s\nwant %s", got, want)
	}
	tio.Cflag = unix.B38400 | unix.B1200<<unix.IBSHIFT
	if w := Words(tio); !slices.Equal(w[:5], []string{"ispeed", "1200", "ospeed", "38400", "cs5"}) {
		t.Errorf("split speeds: %q", w[:5])
	}
}
