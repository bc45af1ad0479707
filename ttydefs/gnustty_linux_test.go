package ttydefs

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/linux-saf/saf/internal/termios"
	"golang.org/x/sys/unix"
)

// TestApplyMatchesGNUStty checks the GNU meaning of the words
// (docs/linux.md#stty-words) against the real thing: for every word GNU
// stty knows, Apply must change a termios the way "stty -F <pty>" does. A
// pty forces its own control flags (CS8, speed), so only the input, output
// and local flags and the control characters are compared; the control-flag
// words are covered by TestApply.
func TestApplyMatchesGNUStty(t *testing.T) {
	stty, err := exec.LookPath("stty")
	if err != nil {
		t.Skip("no stty")
	}
	if out, err := exec.Command(stty, "--version").Output(); err != nil || !bytes.Contains(out, []byte("GNU coreutils")) {
		t.Skip("stty is not GNU coreutils stty")
	}
	ptm, name, err := termios.OpenPTY()
	if err != nil {
		t.Skipf("no usable /dev/ptmx: %v", err)
	}
	defer ptm.Close()
	pts, err := os.OpenFile(name, os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("open %s: %v", name, err)
	}
	defer pts.Close()
	fd := int(pts.Fd())

	var words []string
	for _, w := range bitWords {
		if w.field != fCflag && w.name != "pendin" { // GNU stty has no pendin
			words = append(words, w.name, "-"+w.name)
		}
	}
	for _, w := range fieldWords[4:] { // the delays
		words = append(words, w.name)
	}
	words = append(words, "sane", "raw", "-raw", "cooked", "ek", "nl", "-nl", "lcase", "-lcase",
		"LCASE", "-LCASE", "tabs", "-tabs", "sane -iexten", "raw -raw",
		"min 5 time 10", "min 255")
	// The words only GNU stty knows. -pass8 and -litout ask
	// for 7 bits with parity, which a pty refuses: TestApply has them.
	for _, w := range Fields(negGNU) {
		words = append(words, w)
		if w != "pass8" && w != "litout" {
			words = append(words, "-"+w)
		}
	}
	words = append(words, "crt", "dec", "-cooked", "pass8 -istrip", "litout")
	for _, c := range charWordList {
		if c.name != "min" && c.name != "time" {
			words = append(words, c.name+" ^X", c.name+" ^?", c.name+" ^-", c.name+" undef", c.name+" q", c.name+` ^\`)
		}
	}

	// A start that differs from everything the words set.
	start, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	start.Iflag = 0x7fff
	start.Oflag = ^uint32(unix.NLDLY | unix.CRDLY | unix.TABDLY | unix.BSDLY | unix.VTDLY | unix.FFDLY)
	start.Oflag |= unix.CR1 | unix.TAB2 | unix.NL1
	start.Lflag = 0x1fff
	for i := range start.Cc {
		start.Cc[i] = byte(i + 1)
	}
	ignore := qemuMIPSFlusho(t)
	for _, flags := range words {
		if err := unix.IoctlSetTermios(fd, unix.TCSETS, start); err != nil {
			t.Fatal(err)
		}
		before, err := unix.IoctlGetTermios(fd, unix.TCGETS)
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(stty, append([]string{"-F", name}, strings.Fields(flags)...)...).CombinedOutput()
		if err != nil {
			t.Errorf("stty %s: %v: %s", flags, err, out)
			continue
		}
		gnu, err := unix.IoctlGetTermios(fd, unix.TCGETS)
		if err != nil {
			t.Fatal(err)
		}
		ours := *before
		if _, err := Apply(&ours, flags); err != nil {
			t.Errorf("Apply(%q): %v", flags, err)
			continue
		}
		ours.Cflag, ours.Ispeed, ours.Ospeed = gnu.Cflag, gnu.Ispeed, gnu.Ospeed
		ours.Lflag &^= ignore
		gnu.Lflag &^= ignore
		if ours != *gnu {
			t.Errorf("%q:\n GNU  iflag %#x oflag %#x lflag %#x cc %v\n ours iflag %#x oflag %#x lflag %#x cc %v",
				flags, gnu.Iflag, gnu.Oflag, gnu.Lflag, gnu.Cc, ours.Iflag, ours.Oflag, ours.Lflag, ours.Cc)
		}
	}
}

// TestValidateAcceptsSttyA: every setting GNU stty lists for a terminal
// ("stty -a") is a word a ttydefs entry may use: the speed,
// the window size and line discipline, the control characters and every
// flag, with and without its '-'.
func TestValidateAcceptsSttyA(t *testing.T) {
	stty, err := exec.LookPath("stty")
	if err != nil {
		t.Skip("no stty")
	}
	if out, err := exec.Command(stty, "--version").Output(); err != nil || !bytes.Contains(out, []byte("GNU coreutils")) {
		t.Skip("stty is not GNU coreutils stty")
	}
	ptm, name, err := termios.OpenPTY()
	if err != nil {
		t.Skipf("no usable /dev/ptmx: %v", err)
	}
	defer ptm.Close()
	out, err := exec.Command(stty, "-a", "-F", name).Output()
	if err != nil {
		t.Fatalf("stty -a: %v", err)
	}
	// "speed 38400 baud; rows 0; columns 0; line = 0;", then
	// "intr = ^C; quit = ^\; ...", then lines of flags: "-x" for a flag
	// that is off, whose "x" is then a word too.
	n := 0
	check := func(flags string) {
		t.Helper()
		n++
		if bad := Validate(flags); bad != nil {
			t.Errorf("stty -a lists %q; Validate refuses %q", flags, bad)
		}
	}
	for _, item := range strings.FieldsFunc(string(out), func(r rune) bool { return r == ';' || r == '\n' }) {
		f := strings.Fields(item)
		switch {
		case len(f) == 0:
		case f[0] == "speed" && len(f) == 3: // speed 38400 baud
			check(f[1])
		case len(f) == 3 && f[1] == "=": // intr = ^C; line = 0
			check(f[0] + " ^C")
		case len(f) == 2 && f[0][0] != '-': // rows 0; columns 0
			check(f[0] + " 24")
		default:
			for _, w := range f {
				check(w)
				if w[0] == '-' {
					check(w[1:])
				}
			}
		}
	}
	if n < 80 {
		t.Fatalf("only %d settings in stty -a:\n%s", n, out)
	}
}
