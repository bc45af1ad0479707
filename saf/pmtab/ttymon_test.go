package pmtab

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

var ttyUpdate = flag.Bool("update-ttymon", false, "rewrite testdata/ttymon.golden")

// ttyParseTests are ttymon tails (fields 7-17 of a _pmtab line) and what
// ParseTTY makes of them. They also seed FuzzParseTTY.
var ttyParseTests = []struct {
	name string
	in   string
	want TTY
	// For failures: the field, the reason line (may be empty) and the text
	// the message shows before "<--error detected here".
	field, reason, shown string
}{
	{
		name: "ttyadm classic example",
		in:   `/dev/term/a:::/usr/bin/login::contty::login\: ::::`,
		want: TTY{Device: "/dev/term/a", Service: "/usr/bin/login", Label: "contty", Prompt: "login: "},
	},
	{
		name: "stock zsmon entry",
		in:   `/dev/term/a:I::/usr/bin/login::9600:ldterm,ttcompat:ttya login\: ::tvi925:y:#`,
		want: TTY{Device: "/dev/term/a", Flags: "I", Service: "/usr/bin/login", Label: "9600",
			Modules: "ldterm,ttcompat", Prompt: "ttya login: ", TermType: "tvi925", SoftCar: SoftCarrierOn},
	},
	{
		name: "every field",
		in:   `/dev/ttyS0:hhcbrI:007:/usr/bin/login -p %d:30:9600:ldterm:Login\: :out of order:vt100:n:`,
		want: TTY{Device: "/dev/ttyS0", Flags: "hhcbrI", Count: "007", Service: "/usr/bin/login -p %d",
			Timeout: "30", Label: "9600", Modules: "ldterm", Prompt: "Login: ", DisableMsg: "out of order",
			TermType: "vt100", SoftCar: SoftCarrierOff},
	},
	{
		name: "older table: ends after field 15",
		in:   `/dev/a:::/bin/sh::L::p:d:`,
		want: TTY{Device: "/dev/a", Service: "/bin/sh", Label: "L", Prompt: "p", DisableMsg: "d"},
	},
	{
		name: "ends after field 16 text",
		in:   `/dev/a:::/bin/sh::L::p::vt100`,
		want: TTY{Device: "/dev/a", Service: "/bin/sh", Label: "L", Prompt: "p", TermType: "vt100"},
	},
	{
		name: "ends after field 16 colon",
		in:   `/dev/a:::/bin/sh::L::p::vt100:`,
		want: TTY{Device: "/dev/a", Service: "/bin/sh", Label: "L", Prompt: "p", TermType: "vt100"},
	},
	{
		name: "ends after field 17 text",
		in:   `/dev/a:::/bin/sh::L::p:::y`,
		want: TTY{Device: "/dev/a", Service: "/bin/sh", Label: "L", Prompt: "p", SoftCar: SoftCarrierOn},
	},
	{
		name: "soft carrier: only the first character counts",
		in:   `/dev/a:::/bin/sh::L::p:::yes:`,
		want: TTY{Device: "/dev/a", Service: "/bin/sh", Label: "L", Prompt: "p", SoftCar: SoftCarrierOn},
	},
	{
		name: "soft carrier: Y is not y",
		in:   `/dev/a:::/bin/sh::L::p:::Y:`,
		want: TTY{Device: "/dev/a", Service: "/bin/sh", Label: "L", Prompt: "p", SoftCar: SoftCarrierOff},
	},
	{
		name: "soft carrier: whole mode keeps a leading blank",
		in:   `/dev/a:::/bin/sh::L::p::: y:`,
		want: TTY{Device: "/dev/a", Service: "/bin/sh", Label: "L", Prompt: "p", SoftCar: SoftCarrierOff},
	},
	{
		name: "blanks after the last colon",
		in:   "/dev/a:::/bin/sh::L::p::::  \t",
		want: TTY{Device: "/dev/a", Service: "/bin/sh", Label: "L", Prompt: "p"},
	},
	{
		name: "comment and newline end the line",
		in:   "/dev/a:::/bin/sh::L::p::::#c:o:m\nmore",
		want: TTY{Device: "/dev/a", Service: "/bin/sh", Label: "L", Prompt: "p"},
	},
	{
		name: `backslash-# is not a comment`,
		in:   `/dev/a:::/bin/sh::L::a\#b::::`,
		want: TTY{Device: "/dev/a", Service: "/bin/sh", Label: "L", Prompt: "a#b"},
	},
	{
		name: "token fields skip blanks around the token",
		in:   " \t/dev/a \t: c : 5 :/bin/sh: 9 : L : ldterm :p::::",
		want: TTY{Device: "/dev/a", Flags: "c", Count: "5", Service: "/bin/sh", Timeout: "9", Label: "L",
			Modules: "ldterm", Prompt: "p"},
	},
	{
		name: "whole fields keep blanks",
		in:   `/dev/a::: /bin/sh -c x ::L:: login\: :  gone  : vt 100 ::`,
		want: TTY{Device: "/dev/a", Service: " /bin/sh -c x ", Label: "L", Prompt: " login: ",
			DisableMsg: "  gone  ", TermType: " vt 100 "},
	},
	{
		name: "escapes",
		in:   `/dev/a\:b:::/bin/echo \\ \q::::\n\r\t\b\f\v|\033[1m|\1|\101\0618|\777:\:\#\\::`,
		want: TTY{Device: "/dev/a:b", Service: `/bin/echo \ q`,
			Prompt: "\n\r\t\b\f\v|\x1b[1m|\x01|A18|\xff", DisableMsg: `:#\`},
	},
	{
		name: "escaped blank inside a token",
		in:   `/dev/my\040tty:::/bin/sh::L\ x::::::`,
		want: TTY{Device: "/dev/my tty", Service: "/bin/sh", Label: "L x"},
	},
	{
		name: "NUL ends a value, as in C",
		in:   `/dev/a\0junk:::/bin/sh::L::abc\000def:x\::`,
		want: TTY{Device: "/dev/a", Service: "/bin/sh", Label: "L", Prompt: "abc", DisableMsg: "x:"},
	},
	{
		name: "backslash at the end of the line is NUL",
		in:   `/dev/a:::/bin/sh::L::p::vt\`,
		want: TTY{Device: "/dev/a", Service: "/bin/sh", Label: "L", Prompt: "p", TermType: "vt"},
	},
	{
		name: "empty fields",
		in:   `:::::::::::`,
		want: TTY{},
	},
	{
		name: "empty fields, the shortest line",
		in:   `:::::::::`,
		want: TTY{},
	},
	{
		name: "high bytes pass",
		in:   "/dev/a:::/bin/sh::L::Anmeldung für \xff\xfe\\: ::::",
		want: TTY{Device: "/dev/a", Service: "/bin/sh", Label: "L", Prompt: "Anmeldung für \xff\xfe: "},
	},

	// Failures. "shown" is the line up to just after the error position.
	{name: "empty", in: ``, field: "device", shown: ``},
	{name: "blank in device", in: `/dev/a b:::/bin/sh::L::p::::`, field: "device", shown: `/dev/a b`},
	{name: "device only", in: `/dev/a`, field: "device", shown: `/dev/a`},
	{name: "device only, escaped colon", in: `/dev/a\:`, field: "device", shown: `/dev/a\:`},
	{name: "ends after device", in: `/dev/a:`, field: "ttyflags", shown: `/dev/a:`},
	{name: "bad flag", in: `/dev/a:x::/bin/sh::L::p::::`, field: "ttyflags",
		reason: "Invalid ttyflag -- x", shown: `/dev/a:x`},
	{name: "bad flag after good ones", in: `/dev/a:chX::/bin/sh::L::p::::`, field: "ttyflags",
		reason: "Invalid ttyflag -- X", shown: `/dev/a:chX`},
	{name: "flag u is a generic flag, not a ttyflag", in: `/dev/a:u::/bin/sh::L::p::::`, field: "ttyflags",
		reason: "Invalid ttyflag -- u", shown: `/dev/a:u`},
	{name: "count not a number", in: `/dev/a:r:1a:/bin/sh::L::p::::`, field: "count",
		reason: "wait_read count must be a positive number", shown: `/dev/a:r:1a`},
	{name: "count negative", in: `/dev/a:r:-1:/bin/sh::L::p::::`, field: "count",
		reason: "wait_read count must be a positive number", shown: `/dev/a:r:-1`},
	{name: "count overflows a C int", in: `/dev/a:r:2147483648:/bin/sh::L::p::::`, field: "count",
		reason: "wait_read count must be a positive number", shown: `/dev/a:r:2147483648`},
	{name: "count with a blank", in: `/dev/a:r:1 2:/bin/sh::L::p::::`, field: "count", shown: `/dev/a:r:1 2`},
	{name: "ends in service", in: `/dev/a:::/bin/sh`, field: "service", shown: `/dev/a:::/bin/sh`},
	{name: "comment cuts the service", in: `/dev/a:::/bin/sh #x::L::p::::`, field: "service",
		shown: `/dev/a:::/bin/sh `},
	{name: "bad timeout", in: `/dev/a:::/bin/sh:1m:L::p::::`, field: "timeout",
		reason: "timeout value must be a positive number", shown: `/dev/a:::/bin/sh:1m`},
	{name: "ends in timeout", in: `/dev/a:::/bin/sh:5`, field: "timeout", shown: `/dev/a:::/bin/sh:5`},
	{name: "blank in label", in: `/dev/a:::/bin/sh::L M::p::::`, field: "ttylabel",
		shown: `/dev/a:::/bin/sh::L M`},
	{name: "ends in label", in: `/dev/a:::/bin/sh::L`, field: "ttylabel", shown: `/dev/a:::/bin/sh::L`},
	{name: "bad module", in: `/dev/a:::/bin/sh::L:ldterm,bogus:p::::`, field: "modules",
		reason: "Error - invalid STREAMS module list <ldterm,bogus>.", shown: `/dev/a:::/bin/sh::L:ldterm,bogus`},
	{name: "too many modules", in: `/dev/a:::/bin/sh::L:ptem,ptem,ptem,ptem,ptem,ptem,ptem,ptem,ptem,ptem:p::::`,
		field: "modules", reason: "too many modules in <ptem,ptem,ptem,ptem,ptem,ptem,ptem,ptem,ptem,ptem>",
		shown: `/dev/a:::/bin/sh::L:ptem,ptem,ptem,ptem,ptem,ptem,ptem,ptem,ptem,ptem`},
	{name: "ends in modules", in: `/dev/a:::/bin/sh::L:ldterm`, field: "modules",
		shown: `/dev/a:::/bin/sh::L:ldterm`},
	{name: "ends in prompt", in: `/dev/a:::/bin/sh::L::login\: `, field: "prompt",
		shown: `/dev/a:::/bin/sh::L::login\: `},
	{name: "ends after prompt", in: `/dev/a:::/bin/sh::L::p:`, field: "disable msg",
		shown: `/dev/a:::/bin/sh::L::p:`},
	{name: "ends in disable msg", in: `/dev/a:::/bin/sh::L::p:gone`, field: "disable msg",
		shown: `/dev/a:::/bin/sh::L::p:gone`},
	{name: "text after field 17", in: `/dev/a:::/bin/sh::L::p:::y:junk`,
		field: "soft-carrier", shown: `/dev/a:::/bin/sh::L::p:::y:j`},
	{name: "an eighteenth field", in: `/dev/a:::/bin/sh::L::p::::x:`,
		field: "soft-carrier", shown: `/dev/a:::/bin/sh::L::p::::x`},
	{name: "text after blanks after field 17", in: `/dev/a:::/bin/sh::L::p:::: :`,
		field: "soft-carrier", shown: `/dev/a:::/bin/sh::L::p:::: :`},
}

func TestParseTTY(t *testing.T) {
	for _, tt := range ttyParseTests {
		got, err := ParseTTY(tt.in)
		if tt.field == "" {
			if err != nil {
				t.Errorf("%s: ParseTTY(%q): %v", tt.name, tt.in, err)
				continue
			}
			if got != tt.want {
				t.Errorf("%s: ParseTTY(%q)\n got %#v\nwant %#v", tt.name, tt.in, got, tt.want)
			}
			continue
		}
		var pe *TTYParseError
		if !errors.As(err, &pe) {
			t.Errorf("%s: ParseTTY(%q) = %#v, %v; want a *TTYParseError", tt.name, tt.in, got, err)
			continue
		}
		if got != (TTY{}) {
			t.Errorf("%s: ParseTTY returned %#v with its error", tt.name, got)
		}
		if pe.Field != tt.field || pe.Reason != tt.reason || pe.Input[:pe.Pos] != tt.shown {
			t.Errorf("%s: ParseTTY(%q): field %q reason %q shown %q; want %q %q %q",
				tt.name, tt.in, pe.Field, pe.Reason, pe.Input[:pe.Pos], tt.field, tt.reason, tt.shown)
		}
	}
}

// The texts ttymon logs, byte for byte.
func TestTTYParseErrorText(t *testing.T) {
	_, err := ParseTTY(`/dev/a:x::/bin/sh::L::p::::`)
	want := "Invalid ttyflag -- x\n" +
		"Parsing failure in the \"ttyflags\" field,\n" +
		"/dev/a:x<--error detected here"
	if err == nil || err.Error() != want {
		t.Errorf("Error() = %q, want %q", err, want)
	}
	var pe *TTYParseError
	errors.As(err, &pe)
	wantFailure := "Parsing failure in the \"ttyflags\" field,\n" +
		"ttya:u:root:reserved:reserved:reserved:/dev/a:x<--error detected here"
	if got := pe.Failure("ttya:u:root:reserved:reserved:reserved:"); got != wantFailure {
		t.Errorf("Failure = %q, want %q", got, wantFailure)
	}

	_, err = ParseTTY(`/dev/a:::/bin/sh::L::p:gone`)
	want = "Parsing failure in the \"disable msg\" field,\n" +
		"/dev/a:::/bin/sh::L::p:gone<--error detected here"
	if err == nil || err.Error() != want {
		t.Errorf("Error() = %q, want %q", err, want)
	}

	_, err = ParseTTY(`/dev/a:::/bin/sh::L:ldterm,x:p::::`)
	var me *ModuleError
	if !errors.As(err, &me) || !errors.Is(err, ErrInvalidModule) {
		t.Errorf("module failure %v does not wrap the *ModuleError", err)
	}
}

var ttyFormatTests = []struct {
	name string
	in   TTY
	want string
}{
	{
		name: "ttyadm -d /dev/term/a -l contty -s /usr/bin/login",
		in:   TTY{Device: "/dev/term/a", Service: "/usr/bin/login", Label: "contty", Prompt: DefaultTTYPrompt},
		want: `/dev/term/a:::/usr/bin/login::contty::login\: ::::`,
	},
	{
		name: "every field",
		in: TTY{Device: "/dev/ttyS0", Flags: "bchIr", Count: "0", Service: "/usr/bin/login -p %d",
			Timeout: "30", Label: "9600", Modules: "ldterm,ttcompat", Prompt: "ttyS0 login: ",
			DisableMsg: "port ttyS0 disabled: ask root", TermType: "vt100", SoftCar: SoftCarrierOn},
		want: `/dev/ttyS0:bchIr:0:/usr/bin/login -p %d:30:9600:ldterm,ttcompat:ttyS0 login\: :` +
			`port ttyS0 disabled\: ask root:vt100:y:`,
	},
	{
		name: "soft carrier off",
		in:   TTY{SoftCar: SoftCarrierOff},
		want: `::::::::::n:`,
	},
	{
		name: "# is \\043, backslash doubled",
		in:   TTY{Prompt: "#1 login: ", DisableMsg: `C:\ #`},
		want: `:::::::\0431 login\: :C\:\\ \043:::`,
	},
	{
		name: "control characters",
		in:   TTY{Prompt: "\x1b[1mhi\nthere\r\t\b\f\v\x00x\x7f"},
		want: `:::::::\033[1mhi\nthere\r\t\b\f\v\000x\177::::`,
	},
	{
		name: "blank in a token field, not in a whole field",
		in:   TTY{Device: "/dev/my tty", Service: "/bin/echo a b", TermType: "vt 100"},
		want: `/dev/my\040tty:::/bin/echo a b::::::vt 100::`,
	},
}

func TestFormatTTY(t *testing.T) {
	for _, tt := range ttyFormatTests {
		got := tt.in.Format()
		if got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
		if strings.ContainsAny(got, "#\n") {
			t.Errorf("%s: %q holds '#' or a newline", tt.name, got)
		}
		if strings.IndexByte(tt.in.Prompt, 0) >= 0 {
			continue // NUL cannot be represented; ParseTTY ends the value there.
		}
		back, err := ParseTTY(got)
		if err != nil || back != tt.in {
			t.Errorf("%s: ParseTTY(Format) = %#v, %v; want %#v", tt.name, back, err, tt.in)
		}
	}
}

func TestTTYFlags(t *testing.T) {
	f := TTYFlags("chbrI")
	if !f.Connect() || !f.NoHangup() || !f.Bidirectional() || !f.WaitRead() || !f.InitOnly() {
		t.Errorf("%q: a flag is missing", f)
	}
	var none TTYFlags
	if none.Connect() || none.NoHangup() || none.Bidirectional() || none.WaitRead() || none.InitOnly() {
		t.Errorf("empty flags report a flag")
	}
	if f := TTYFlags("hh"); !f.NoHangup() || f.Has('c') {
		t.Errorf("hh")
	}
}

func TestTTYDecimal(t *testing.T) {
	for d, want := range map[Decimal]int{"": 0, "0": 0, "007": 7, "30": 30, "2147483647": 2147483647,
		"2147483648": 0, "x": 0, "-1": 0, " 1": 0} {
		if got := d.Int(); got != want {
			t.Errorf("Decimal(%q).Int() = %d, want %d", d, got, want)
		}
	}
}

func TestUnescapeTTY(t *testing.T) {
	for in, want := range map[string]string{
		`login: `:       "login: ",
		`a\:b:c#d\#`:    "a:b:c#d#",
		`hi\nthere`:     "hi\nthere",
		`\033[1m\\x\q`:  "\x1b[1m\\xq",
		`abc\0def`:      "abc",
		`abc\`:          "abc",
		`\1234`:         "S4",
		"tab\there\xff": "tab\there\xff",
	} {
		if got := UnescapeTTY(in); got != want {
			t.Errorf("UnescapeTTY(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestExpandService(t *testing.T) {
	tests := []struct{ cmd, dev, user, want string }{
		{"/usr/bin/login", "/dev/tty1", "", "/usr/bin/login"},
		{"/bin/sh -c 'stty < %d'", "/dev/ttyS0", "", "/bin/sh -c 'stty < /dev/ttyS0'"},
		{"/x %d %d", "/dev/a", "", "/x /dev/a /dev/a"},
		{"/x 100%%", "/dev/a", "", "/x 100%"},
		{"/x %q%", "/dev/a", "", "/x q%"}, // %<other> drops the %; a lone % is kept
		{"/x %", "/dev/a", "", "/x %"},
		{"%%d", "/dev/a", "", "%d"},
		// %u, our extension (docs/linux.md#login-hand-off).
		{"/bin/login -- %u", "/dev/a", "alice", "/bin/login -- alice"},
		{"/bin/login -- %u", "/dev/a", "", "/bin/login -- "},
		// The typed name stays one word when ttymon splits the command.
		{"/bin/login -- %u", "/dev/a", "a b\tc\\d", `/bin/login -- a\ b\	c\\d`},
		{"/bin/login -- %u", "/dev/a", "%d", "/bin/login -- %d"},
	}
	for _, tt := range tests {
		if got := ExpandService(tt.cmd, tt.dev, tt.user); got != tt.want {
			t.Errorf("ExpandService(%q, %q, %q) = %q, want %q", tt.cmd, tt.dev, tt.user, got, tt.want)
		}
	}
}

func TestCheckTTYDevice(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "null")
	if err := os.Symlink("/dev/null", link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		dev, want string
		is        error
	}{
		{"/dev/null", "", nil},
		{link, "", nil}, // stat follows symlinks
		{"", "error -- device field is missing", nil},
		{"dev/null", `error -- must specify full path name for "dev/null".`, nil},
		{dir + "/nope", `error -- device "` + dir + `/nope" does not exist`, fs.ErrNotExist},
		{file + "/x", "stat(" + file + "/x) failed: Not a directory", syscall.ENOTDIR},
		{file, `error -- "` + file + `" not character special device`, nil},
		{dir, `error -- "` + dir + `" not character special device`, nil},
	}
	for _, tt := range tests {
		err := CheckTTYDevice(tt.dev)
		if tt.want == "" {
			if err != nil {
				t.Errorf("CheckTTYDevice(%q): %v", tt.dev, err)
			}
			continue
		}
		if err == nil || err.Error() != tt.want {
			t.Errorf("CheckTTYDevice(%q) = %v, want %q", tt.dev, err, tt.want)
		}
		if tt.is != nil && !errors.Is(err, tt.is) {
			t.Errorf("CheckTTYDevice(%q) = %v, not %v", tt.dev, err, tt.is)
		}
	}
}

func TestCheckTTYService(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "exe")
	if err := os.WriteFile(exe, nil, 0o610); err != nil { // one x bit is enough
		t.Fatal(err)
	}
	tests := []struct {
		cmd, want string
		is        error
	}{
		{exe, "", nil},
		{" \t" + exe + "\t-x %d", "", nil},
		{exe + " -x", "", nil},
		{"", "error -- server command is missing", nil},
		{" \t ", "error -- server command is missing", nil},
		{"login -p", `error -- must specify full path name for "login".`, nil},
		{dir + "/nope -x", `error -- "` + dir + `/nope" does not exist`, fs.ErrNotExist},
		{plain + "/x", "stat(" + plain + "/x) failed.", syscall.ENOTDIR},
		{plain, `error -- "` + plain + `" not executable`, ErrServiceNotExecutable},
		{"/dev/null", `error -- "/dev/null" not executable`, ErrServiceNotExecutable},
		{dir, `error -- "` + dir + `" not a regular file`, nil},
	}
	for _, tt := range tests {
		err := CheckTTYService(tt.cmd)
		if tt.want == "" {
			if err != nil {
				t.Errorf("CheckTTYService(%q): %v", tt.cmd, err)
			}
			continue
		}
		if err == nil || err.Error() != tt.want {
			t.Errorf("CheckTTYService(%q) = %v, want %q", tt.cmd, err, tt.want)
		}
		if tt.is != nil && !errors.Is(err, tt.is) {
			t.Errorf("CheckTTYService(%q) = %v, not %v", tt.cmd, err, tt.is)
		}
	}
}

// TestTTYGolden parses every line of testdata/ttymon.input (the ttymon
// fields of real and broken _pmtab lines) and compares the formatted result
// or the error with testdata/ttymon.golden; -update-ttymon rewrites it. Every
// formatted line must be a fixed point (gofmt's .input/.golden idea).
func TestTTYGolden(t *testing.T) {
	in, err := os.ReadFile(filepath.Join("testdata", "ttymon.input"))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	sc := bufio.NewScanner(strings.NewReader(string(in)))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "//") {
			continue // blank lines and test comments
		}
		fmt.Fprintf(&out, "input:  %s\n", line)
		tty, err := ParseTTY(line)
		if err != nil {
			fmt.Fprintf(&out, "error:  %q\n\n", err.Error())
			continue
		}
		f := tty.Format()
		fmt.Fprintf(&out, "format: %s\n\n", f)
		again, err := ParseTTY(f)
		if err != nil || again != tty || again.Format() != f {
			t.Errorf("%q: Format %q is not a fixed point: %#v, %v", line, f, again, err)
		}
	}
	golden := filepath.Join("testdata", "ttymon.golden")
	if *ttyUpdate {
		if err := os.WriteFile(golden, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != string(want) {
		t.Errorf("golden mismatch; rerun with -update-ttymon and diff:\n%s", out.String())
	}
}

// FuzzParseTTY: ParseTTY never panics, its errors point inside the input,
// and whatever it accepts formats to text it reads back to the same value,
// which then formats the same (tailscale FuzzRoundtrip).
func FuzzParseTTY(f *testing.F) {
	for _, tt := range ttyParseTests {
		f.Add(tt.in)
	}
	for _, tt := range ttyFormatTests {
		f.Add(tt.want)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tty, err := ParseTTY(s)
		if err != nil {
			var pe *TTYParseError
			if !errors.As(err, &pe) || pe.Pos < 0 || pe.Pos > len(s) || pe.Input != s {
				t.Fatalf("ParseTTY(%q): bad error %#v", s, err)
			}
			_ = pe.Error()
			return
		}
		out := tty.Format()
		if strings.ContainsAny(out, "#\n\x00") {
			t.Fatalf("Format(ParseTTY(%q)) = %q holds '#', a newline or NUL", s, out)
		}
		back, err := ParseTTY(out)
		if err != nil {
			t.Fatalf("ParseTTY(%q) = %#v; its Format %q does not parse: %v", s, tty, out, err)
		}
		if back != tty {
			t.Fatalf("round trip of %q via %q:\n got %#v\nwant %#v", s, out, back, tty)
		}
		if again := back.Format(); again != out {
			t.Fatalf("Format not stable: %q then %q", out, again)
		}
	})
}
