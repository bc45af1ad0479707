package ttyadm

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/linux-saf/saf/saf/paths"
	"github.com/linux-saf/saf/saf/pmtab"
)

// ttyadmSandbox makes a SAF_ROOT with an /etc/ttydefs holding labels
// contty and 9600, and returns the root.
func ttyadmSandbox(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	defs := "# VERSION=1\ncontty:9600 sane:9600 sane::contty\n  9600 :9600:9600 sane::4800\n"
	if err := os.WriteFile(filepath.Join(root, "etc", "ttydefs"), []byte(defs), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SAF_ROOT", root)
	return root
}

func runTTYAdm(args ...string) (stdout, stderr string, code int) {
	var o, e bytes.Buffer
	code = Main(args, strings.NewReader(""), &o, &e)
	return o.String(), e.String(), code
}

func TestTTYAdmOutput(t *testing.T) {
	ttyadmSandbox(t)
	req := []string{"-d", "/dev/null", "-l", "contty", "-s", "/bin/sh"}
	tests := []struct {
		args []string
		want string
	}{
		// The required options, with a device and service that exist here.
		{req, `/dev/null:::/bin/sh::contty::login\: ::::`},
		// Flag letters in command-line order, repeats kept.
		{append([]string{"-h", "-h"}, req...), `/dev/null:hh::/bin/sh::contty::login\: ::::`},
		{append([]string{"-I", "-b", "-r", "2", "-c", "-h", "-r", "5"}, req...), `/dev/null:Ibrchr:5:/bin/sh::contty::login\: ::::`},
		{append([]string{"-bchI"}, req...), `/dev/null:bchI::/bin/sh::contty::login\: ::::`},
		{append([]string{"-r", ""}, req...), `/dev/null:r::/bin/sh::contty::login\: ::::`},
		{append([]string{"-r007", "-t0"}, req...), `/dev/null:r:007:/bin/sh:0:contty::login\: ::::`},
		{append([]string{"-t", "30"}, req...), `/dev/null:::/bin/sh:30:contty::login\: ::::`},
		// The largest values ttymon reads (a C int).
		{append([]string{"-r", "2147483647", "-t", "2147483647"}, req...), `/dev/null:r:2147483647:/bin/sh:2147483647:contty::login\: ::::`},
		// Last occurrence wins for the others.
		{append([]string{"-d", "/dev/zero", "-s", "/bin/true", "-l", "9600"}, req...), `/dev/null:::/bin/sh::contty::login\: ::::`},
		{append(slices.Clone(req), "-d", "/dev/zero", "-l", "9600", "-s", "/bin/true -x %d"), `/dev/zero:::/bin/true -x %d::9600::login\: ::::`},
		// Prompt and disable message: ':' escaped, '#' as \043 (ours),
		// typed escapes pass in canonical form.
		{append([]string{"-p", "Login: ", "-i", "port: off #1"}, req...), `/dev/null:::/bin/sh::contty::Login\: :port\: off \0431:::`},
		{append([]string{"-p", `hi\nthere\033[1m\\`}, req...), `/dev/null:::/bin/sh::contty::hi\nthere\033[1m\\::::`},
		{append([]string{"-p", `a\:b\#c`}, req...), `/dev/null:::/bin/sh::contty::a\:b\043c::::`},
		{append([]string{"-p", ""}, req...), `/dev/null:::/bin/sh::contty::::::`},
		{append([]string{"-p", "tab\there"}, req...), `/dev/null:::/bin/sh::contty::tab\there::::`},
		{append([]string{"-m", "ldterm,ttcompat", "-T", "vt100"}, req...), `/dev/null:::/bin/sh::contty:ldterm,ttcompat:login\: ::vt100::`},
		{append([]string{"-m", ""}, req...), `/dev/null:::/bin/sh::contty::login\: ::::`},
		{append([]string{"-m", "ldterm,"}, req...), `/dev/null:::/bin/sh::contty:ldterm,:login\: ::::`},
		{append([]string{"-S", "y"}, req...), `/dev/null:::/bin/sh::contty::login\: :::y:`},
		{append([]string{"-S", "Yes"}, req...), `/dev/null:::/bin/sh::contty::login\: :::y:`},
		{append([]string{"-S", "n"}, req...), `/dev/null:::/bin/sh::contty::login\: :::n:`},
		{append([]string{"-SNo"}, req...), `/dev/null:::/bin/sh::contty::login\: :::n:`},
		// getopt details: an argument may start with '-', "--" ends the
		// options, "-p=x" has argument "=x".
		{append([]string{"-p", "-b"}, req...), `/dev/null:::/bin/sh::contty::-b::::`},
		{append([]string{"-p=x"}, req...), `/dev/null:::/bin/sh::contty::=x::::`},
		{append(slices.Clone(req), "--"), `/dev/null:::/bin/sh::contty::login\: ::::`},
		// Service words after the first are not checked and the field is
		// written as given; the label is found after leading blanks.
		{[]string{"-d", "/dev/null", "-l", "9600", "-s", "/bin/sh -c 'exec login'"}, `/dev/null:::/bin/sh -c 'exec login'::9600::login\: ::::`},
	}
	for _, tt := range tests {
		out, errOut, code := runTTYAdm(tt.args...)
		if out != tt.want || errOut != "" || code != 0 {
			t.Errorf("ttyadm %q:\n got %q, stderr %q, exit %d\nwant %q", tt.args, out, errOut, code, tt.want)
			continue
		}
		// What ttyadm prints is what ttymon reads.
		if _, err := pmtab.ParseTTY(out); err != nil {
			t.Errorf("ttyadm %q: output does not parse: %v", tt.args, err)
		}
	}
}

func TestTTYAdmVersion(t *testing.T) {
	ttyadmSandbox(t)
	for _, args := range [][]string{{"-V"}, {"-VV"}} {
		if out, errOut, code := runTTYAdm(args...); out != "1\n" || errOut != "" || code != 0 {
			t.Errorf("ttyadm %q = %q, %q, %d", args, out, errOut, code)
		}
	}
	for _, args := range [][]string{{"-V", "-V"}, {"-V", "-b"}, {"-V", "x"}, {"-V", "-d", "/dev/null", "-l", "contty", "-s", "/bin/sh"}} {
		if out, errOut, code := runTTYAdm(args...); out != "" || errOut != usage || code != 1 {
			t.Errorf("ttyadm %q = %q, %q, %d; want usage", args, out, errOut, code)
		}
	}
}

func TestTTYAdmErrors(t *testing.T) {
	root := ttyadmSandbox(t)
	defs := root + "/etc/ttydefs"
	dir := t.TempDir()
	noexec := filepath.Join(dir, "noexec")
	if err := os.WriteFile(noexec, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args   []string
		stderr string // without the usage text
		usage  bool
	}{
		{nil, "", true},
		{[]string{"-d", "/dev/null", "-l", "contty"}, "", true},
		{[]string{"-d", "/dev/null", "-s", "/bin/sh"}, "", true},
		{[]string{"-l", "contty", "-s", "/bin/sh"}, "", true},
		{[]string{"-d", "/dev/null", "-l", "contty", "-s", "/bin/sh", "extra"}, "", true},
		{[]string{"extra", "-d", "/dev/null", "-l", "contty", "-s", "/bin/sh"}, "", true},
		{[]string{"-", "-b"}, "", true},
		{[]string{"-Z"}, "ttyadm: illegal option -- Z\n", true},
		{[]string{"-bcZ", "-Y"}, "ttyadm: illegal option -- Z\n", true},
		{[]string{"--device", "/dev/null"}, "ttyadm: illegal option -- device\n", true},
		{[]string{"-b-"}, "ttyadm: illegal option -- -\n", true},
		{[]string{"-b=x"}, "ttyadm: illegal option -- =\n", true},
		{[]string{"-ü"}, "ttyadm: illegal option -- ü\n", true},
		{[]string{"-d"}, "ttyadm: option requires an argument -- d\n", true},
		{[]string{"-b", "-h", "-p"}, "ttyadm: option requires an argument -- p\n", true},
		{[]string{"-r", "x"}, "ttyadm: Invalid argument for \"-r\" -- positive number expected.\n", true},
		{[]string{"-r", "-1"}, "ttyadm: Invalid argument for \"-r\" -- positive number expected.\n", true},
		{[]string{"-r", "99999999999"}, "ttyadm: Invalid argument for \"-r\" -- positive number expected.\n", true},
		{[]string{"-t", "1m"}, "ttyadm: Invalid argument for \"-t\" -- positive number expected.\n", true},
		{[]string{"-t", "2147483648"}, "ttyadm: Invalid argument for \"-t\" -- positive number expected.\n", true},
		{[]string{"-r", "2147483648"}, "ttyadm: Invalid argument for \"-r\" -- positive number expected.\n", true},
		{[]string{"-test.v"}, "ttyadm: Invalid argument for \"-t\" -- positive number expected.\n", true},
		// The getopt loop stops at the first problem, in order.
		{[]string{"-r", "x", "-Z"}, "ttyadm: Invalid argument for \"-r\" -- positive number expected.\n", true},
		{[]string{"-Z", "-r", "x"}, "ttyadm: illegal option -- Z\n", true},
		{[]string{"-t", "x", "-r", "x"}, "ttyadm: Invalid argument for \"-t\" -- positive number expected.\n", true},
		{[]string{"-S", "x", "-d", "/dev/null", "-l", "contty", "-s", "/bin/sh"}, "", true},
		{[]string{"-S", "", "-d", "/dev/null", "-l", "contty", "-s", "/bin/sh"}, "", true},

		// All four checks run.
		{[]string{"-d", "", "-s", "", "-l", "", "-m", "bogus"},
			"ttyadm: error -- device field is missing\n" +
				"ttyadm: error -- server command is missing\n" +
				"ttyadm: error -- ttylabel is missing\n" +
				"ttyadm: Error - invalid STREAMS module list <bogus>.\n", false},
		{[]string{"-d", "dev/null", "-s", "sh -c x", "-l", "nope"},
			"ttyadm: error -- must specify full path name for \"dev/null\".\n" +
				"ttyadm: error -- must specify full path name for \"sh\".\n" +
				"ttyadm: error -- can't find ttylabel <nope> in \"" + defs + "\"\n", false},
		{[]string{"-d", dir + "/none", "-s", dir + "/none -x", "-l", "contty", "-m", "a,b,c,d,e,f,g,h,i,j"},
			"ttyadm: error -- device \"" + dir + "/none\" does not exist\n" +
				"ttyadm: error -- \"" + dir + "/none\" does not exist\n" +
				"ttyadm: too many modules in <a,b,c,d,e,f,g,h,i,j>\n", false},
		// The original asked access(2), and any failure "does not exist";
		// the reason follows when the path is there but cannot be reached.
		{[]string{"-d", noexec + "/x", "-s", noexec + "/x", "-l", "contty"},
			"ttyadm: error -- device \"" + noexec + "/x\" does not exist: Not a directory\n" +
				"ttyadm: error -- \"" + noexec + "/x\" does not exist: Not a directory\n", false},
		// The first word is what strtok left at the start of the command:
		// a leading blank makes it no full path name.
		{[]string{"-d", "/dev/null", "-s", " /bin/sh -c x", "-l", "contty"},
			"ttyadm: error -- must specify full path name for \" /bin/sh\".\n", false},
		{[]string{"-d", noexec, "-s", noexec, "-l", "contty"},
			"ttyadm: error -- \"" + noexec + "\" not character special device\n" +
				"ttyadm: error -- \"" + noexec + "\" not executable\n\n", false},
		{[]string{"-d", dir, "-s", dir, "-l", "#"},
			"ttyadm: invalid argument for -l: \"#\" holds \"#\", which would start a comment in the _pmtab entry\n", false},
		{[]string{"-d", dir, "-s", dir, "-l", "VERSION=1"},
			"ttyadm: error -- \"" + dir + "\" not character special device\n" +
				"ttyadm: error -- \"" + dir + "\" not a regular file\n" +
				"ttyadm: error -- can't find ttylabel <VERSION=1> in \"" + defs + "\"\n", false},
	}
	for _, tt := range tests {
		out, errOut, code := runTTYAdm(tt.args...)
		want := tt.stderr
		if tt.usage {
			want += usage
		}
		if out != "" || errOut != want || code != 1 {
			t.Errorf("ttyadm %q:\n got stdout %q, exit %d, stderr\n%s\nwant stderr\n%s", tt.args, out, code, errOut, want)
		}
	}
}

func TestTTYAdmTtydefs(t *testing.T) {
	root := ttyadmSandbox(t)
	defs := root + "/etc/ttydefs"
	args := []string{"-d", "/dev/null", "-s", "/bin/sh", "-l", "contty"}

	if err := os.Remove(defs); err != nil {
		t.Fatal(err)
	}
	want := "ttyadm: error -- \"" + defs + "\" does not exist, can't verify ttylabel <contty>\n"
	if out, errOut, code := runTTYAdm(args...); out != "" || errOut != want || code != 1 {
		t.Errorf("no ttydefs: %q, %q, %d; want stderr %q", out, errOut, code, want)
	}

	if err := os.Mkdir(defs, 0o755); err != nil {
		t.Fatal(err)
	}
	// Opened but unreadable: the original's lookup found no label in it.
	want = "ttyadm: error -- can't find ttylabel <contty> in \"" + defs + "\": Is a directory\n"
	if out, errOut, code := runTTYAdm(args...); out != "" || errOut != want || code != 1 {
		t.Errorf("ttydefs a directory: %q, %q, %d; want stderr %q", out, errOut, code, want)
	}
}

// What would corrupt the entry is refused, naming the option.
func TestTTYAdmHardening(t *testing.T) {
	ttyadmSandbox(t)
	out, errOut, code := runTTYAdm("-d", "/dev/a:b", "-s", "/bin/sh #x", "-l", "c:d", "-m", "a#",
		"-T", "vt:100", "-p", "a\nb", "-i", `x\`, "-S", "y\n")
	want := `ttyadm: invalid argument for -p: "a\nb" holds a newline, which would split the _pmtab entry; write \n for a newline
ttyadm: invalid argument for -S: "y\n" holds a newline, which would split the _pmtab entry
ttyadm: invalid argument for -d: "/dev/a:b" holds ":", which would end the field in the _pmtab entry
ttyadm: invalid argument for -s: "/bin/sh #x" holds "#", which would start a comment in the _pmtab entry
ttyadm: invalid argument for -l: "c:d" holds ":", which would end the field in the _pmtab entry
ttyadm: invalid argument for -m: "a#" holds "#", which would start a comment in the _pmtab entry
ttyadm: invalid argument for -T: "vt:100" holds ":", which would end the field in the _pmtab entry
ttyadm: invalid argument for -i: "x\" ends in a lone "\", which would escape the end of the field; write "\\" for a backslash
`
	if out != "" || errOut != want || code != 1 {
		t.Errorf("got stdout %q, exit %d, stderr\n%s\nwant\n%s", out, code, errOut, want)
	}
	// An escaped backslash at the end is fine.
	if out, errOut, code := runTTYAdm("-d", "/dev/null", "-s", "/bin/sh", "-l", "contty", "-p", `C:\\`); out != `/dev/null:::/bin/sh::contty::C\:\\::::` || code != 0 {
		t.Errorf(`-p C:\\: %q, %q, %d`, out, errOut, code)
	}
}

func TestTTYAdmLabelLookup(t *testing.T) {
	defs := "# VERSION=1\n\n   9600:a:b::9600\n4800 :a\nwith\ttab:x\n#comment\nlast"
	for label, want := range map[string]bool{
		"9600": true, "4800": true, "#": true, "last": true, "with\ttab": true,
		"#comment": true, // comment lines are not skipped, as in the original
		"with":     false, "960": false, "VERSION=1": false, "a": false,
	} {
		got, err := hasLabel(strings.NewReader(defs), label)
		if err != nil || got != want {
			t.Errorf("hasLabel(%q) = %v, %v; want %v", label, got, err, want)
		}
	}
}

// FuzzTTYAdm: whatever ttyadm accepts, ttymon reads back as the values
// typed (after escape decoding), and the output never holds a '#' or a
// newline that would corrupt the _pmtab entry.
func FuzzTTYAdm(f *testing.F) {
	f.Add("login: ", "", "vt100", "", "ldterm")
	f.Add(`hi\nthere\033[1m\\`, "port: off #1", "", " -c x", "")
	f.Add(`C:\`, `a\:b\#c`, `vt\`, ` \`, "ptem,,ppp,")
	f.Add("a\nb", "\t#\x00", ":", "#", "x:y")
	root := sandboxRoot(f)
	f.Fuzz(func(t *testing.T, prompt, dmsg, term, svcArgs, modules string) {
		args := []string{"-d", "/dev/null", "-l", "contty", "-s", "/bin/sh" + svcArgs,
			"-p", prompt, "-i", dmsg, "-T", term, "-m", modules}
		var out bytes.Buffer
		if err := run(args, root, &out); err != nil {
			if out.Len() != 0 {
				t.Fatalf("ttyadm %q failed (%v) but wrote %q", args, err, out.String())
			}
			return
		}
		s := out.String()
		if strings.ContainsAny(s, "#\n") {
			t.Fatalf("ttyadm %q wrote %q", args, s)
		}
		got, err := pmtab.ParseTTY(s)
		if err != nil {
			t.Fatalf("ttyadm %q wrote %q, which does not parse: %v", args, s, err)
		}
		want := pmtab.TTY{Device: "/dev/null", Label: "contty",
			Service: pmtab.UnescapeTTY("/bin/sh" + svcArgs), Prompt: pmtab.UnescapeTTY(prompt),
			DisableMsg: pmtab.UnescapeTTY(dmsg), TermType: pmtab.UnescapeTTY(term),
			Modules: pmtab.UnescapeTTY(modules)}
		if got != want {
			t.Fatalf("ttyadm %q wrote %q, read back as\n%#v\nwant\n%#v", args, s, got, want)
		}
	})
}

// sandboxRoot makes a sandbox root with an /etc/ttydefs holding label contty.
func sandboxRoot(tb testing.TB) paths.Root {
	dir := tb.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "etc"), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "etc", "ttydefs"), []byte("contty:9600::contty\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	return paths.New(dir)
}
