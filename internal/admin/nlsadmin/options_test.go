package nlsadmin

import (
	"bytes"
	"strings"
	"testing"

	"github.com/linux-saf/saf/saf/paths"
	"github.com/linux-saf/saf/saf/pmtab"
)

// Outcomes of the grammar, told apart by the first line of stderr.
const (
	inconsistent = "nlsadmin: error: Inconsistent options"
	usageOnly    = "usage: nlsadmin -x"
	parsed       = "" // accepted by the grammar; what the mode does is tested elsewhere
)

// grammarTests pins every option consistency rule (rules in options.go, in
// both directions where the rule is one-sided), the getopt errors, and
// the form checks that follow them (docs/original.md#nlsadmin-checks).
var grammarTests = []struct {
	args  string
	first string // first line of stderr; parsed: no usage error
}{
	// -a: a mode other than -c; another service code; -q; -A; -R; -D.
	{"-c /x -a s -y c tcp", parsed},
	{"-v -a s", inconsistent},
	{"-z s -a t", inconsistent},
	{"-a s -a t", inconsistent},
	{"-q -a s", inconsistent},
	{"-A a -a s", inconsistent},
	{"-R 1:2 -a s", inconsistent},
	{"-D -a s", inconsistent},
	// -c: a mode other than -c; a previous -c; -q.
	{"-a s -c /x -y c tcp", parsed},
	{"-o /x -c /y", inconsistent},
	{"-c /x -c /y", inconsistent},
	{"-q -c /x", inconsistent},
	{"-x -c /x", inconsistent},
	{"-l - -c /x", inconsistent},
	// -d -e -i -k -r -s: any mode; a service code; -q; -y; -A; -R; -c; -w; -D.
	{"-v -d s", inconsistent},
	{"-z s -e t", inconsistent},
	{"-q -i", inconsistent},
	{"-y c -k", inconsistent},
	{"-A a -r s", inconsistent},
	{"-R 1:2 -s", inconsistent},
	{"-c /x -i", inconsistent},
	{"-w i -k", inconsistent},
	{"-D -s", inconsistent},
	{"-i -k", inconsistent},
	{"-k -i", inconsistent},
	{"-m -k tcp", parsed},
	{"-N tcp -s", parsed},
	// -l, -t: a mode other than -l/-t; a service code; a previous -l (-t); -q; -y; -A; -R; -c; -w; -D.
	{"-l - -t - tcp", parsed},
	{"-t - -l - tcp", parsed},
	{"-l - -l - tcp", inconsistent},
	{"-t - -t -", inconsistent},
	{"-v -l -", inconsistent},
	{"-z s -t -", inconsistent},
	{"-q -l -", inconsistent},
	{"-y c -t -", inconsistent},
	{"-A a -l -", inconsistent},
	{"-R 1:2 -t -", inconsistent},
	{"-c /x -l -", inconsistent},
	{"-w i -t -", inconsistent},
	{"-D -l -", inconsistent},
	// -m: a mode other than -c; -q; -R; -D.
	{"-c /x -m", parsed},
	{"-m -m -c /x", parsed},
	{"-o /x -m", inconsistent},
	{"-v -m", inconsistent},
	{"-q -m", inconsistent},
	{"-R 1:2 -m", inconsistent},
	{"-D -m", inconsistent},
	// -o: any mode; a service code; -q; -y; -w; -N.
	{"-A a -p m -D -o /x", inconsistent}, // -D after -A
	{"-A a -p m -R 1:2 -o /x", parsed},
	{"-v -o /x", inconsistent},
	{"-z s -o /x", inconsistent},
	{"-q -o /x", inconsistent},
	{"-y c -o /x", inconsistent},
	{"-w i -o /x", inconsistent},
	{"-N t -o /x", inconsistent},
	{"-o /x -o /y", inconsistent},
	// -p: a mode other than -c/-o; -q.
	{"-o /x -p m", parsed},
	{"-a s -p m -c /x -y c tcp", parsed},
	{"-v -p m", inconsistent},
	{"-q -p m", inconsistent},
	// -q: a mode other than -z; a previous -q; -y; -R; -D; -w.
	{"-z s -q tcp", parsed},
	{"-v -q", inconsistent},
	{"-q -q", inconsistent},
	{"-y c -q", inconsistent},
	{"-R 1:2 -q", inconsistent},
	{"-D -q", inconsistent},
	{"-w i -q", inconsistent},
	{"-c /x -q", inconsistent},
	// -v: any mode; a service code; -q; -y; -R; -A; -w; -D.
	{"-i -v", inconsistent},
	{"-v -v", inconsistent},
	{"-q -v", inconsistent},
	{"-y c -v", inconsistent},
	{"-R 1:2 -v", inconsistent},
	{"-A a -v", inconsistent},
	{"-w i -v", inconsistent},
	{"-D -v", inconsistent},
	{"-N tcp -v", parsed},
	// -w: a mode other than -c; -q; a previous -w; -R; -A; -D.
	{"-a s -w i -c /x -y c tcp", parsed},
	{"-w a -w b", inconsistent},
	{"-v -w i", inconsistent},
	{"-q -w i", inconsistent},
	{"-R 1:2 -w i", inconsistent},
	{"-A a -w i", inconsistent},
	{"-D -w i", inconsistent},
	// -x: any mode; a service code; -q; -N; -y; -R; -A; -D; -w.
	{"-N t -x", inconsistent},
	{"-v -x", inconsistent},
	{"-q -x", inconsistent},
	{"-y c -x", inconsistent},
	{"-R 1:2 -x", inconsistent},
	{"-A a -x", inconsistent},
	{"-D -x", inconsistent},
	{"-w i -x", inconsistent},
	// -y: a mode other than -c; -q; a previous -y; -R; -A; -D.
	{"-y a -y b", inconsistent},
	{"-v -y c", inconsistent},
	{"-q -y c", inconsistent},
	{"-R 1:2 -y c", inconsistent},
	{"-A a -y c", inconsistent},
	{"-D -y c", inconsistent},
	// -z: any mode; a service code; -y; -A; -R; -w; -D (-q allowed).
	{"-q -z s tcp", parsed},
	{"-v -z s", inconsistent},
	{"-z s -z t", inconsistent},
	{"-y c -z s", inconsistent},
	{"-A a -z s", inconsistent},
	{"-R 1:2 -z s", inconsistent},
	{"-w i -z s", inconsistent},
	{"-D -z s", inconsistent},
	// -A: a mode other than -c/-o; -N; a service code; -w; -y; -D (ours).
	{"-c /x -A a -A b", parsed},
	{"-a s -A a", inconsistent},
	{"-v -A a", inconsistent},
	{"-N t -A a", inconsistent},
	{"-D -A a", inconsistent}, // the original accepted this order
	// -D: as -A, plus a previous -A or -D.
	{"-c /x -D", parsed},
	{"-A a -D", inconsistent},
	{"-D -D", inconsistent},
	{"-N t -D", inconsistent},
	// -N: a previous -N.
	{"-N a -N b", inconsistent},
	// -R: as -A; its argument is prognum:versnum.
	{"-c /x -R 100002:3", parsed},
	{"-v -R 1:2", inconsistent},
	{"-N t -R 1:2", inconsistent},
	{"-c /x -R 1", `nlsadmin: error: -R argument "1" is not prognum:versnum (two decimal numbers below 2^32)`},
	{"-c /x -R 1:2:3", `nlsadmin: error: -R argument "1:2:3" is not prognum:versnum (two decimal numbers below 2^32)`},
	{"-c /x -R :3", `nlsadmin: error: -R argument ":3" is not prognum:versnum (two decimal numbers below 2^32)`},
	{"-c /x -R 3:", `nlsadmin: error: -R argument "3:" is not prognum:versnum (two decimal numbers below 2^32)`},
	{"-c /x -R a:3", `nlsadmin: error: -R argument "a:3" is not prognum:versnum (two decimal numbers below 2^32)`},
	{"-c /x -R 4294967296:3", `nlsadmin: error: -R argument "4294967296:3" is not prognum:versnum (two decimal numbers below 2^32)`},
	{"-c /x -R 4294967295:0", parsed},
	// -V: any mode; a service code; -q; -y; -N; -R; -A; -w; -D.
	{"-V -c /x", inconsistent},
	{"-c /x -V", inconsistent},
	{"-V -V", inconsistent},
	{"-N t -V", inconsistent},
	{"-q -V", inconsistent},
	{"-m -V", parsed},
	// getopt.
	{"-Z", "nlsadmin: illegal option -- Z"},
	{"-c", "nlsadmin: option requires an argument -- c"},
	{"-qz", "nlsadmin: option requires an argument -- z"},
	{"-h", "nlsadmin: illegal option -- h"},
	{"--verbose", "nlsadmin: illegal option -- verbose"},
	{"--c=/x", "nlsadmin: illegal option -- c=/x"},
	{"-q=1 tcp", "nlsadmin: illegal option -- ="},
	{"-c/x", parsed},
	{"-c=/x", "nlsadmin: error: Must specify full path name"}, // the argument is "=/x"
	{"-qzs tcp", parsed},
	{"-c -x", "nlsadmin: error: Must specify full path name"}, // -x is -c's argument
	// Operands: the first operand ends the options.
	{"tcp extra", `nlsadmin: error: unexpected argument "extra"`},
	{"tcp -v", `nlsadmin: error: unexpected argument "-v"`},
	{"-N tcp tcp", `nlsadmin: error: net_spec "tcp" given twice (operand and -N)`},
	{"-- tcp", parsed},
	// Step 3: forms that must not or must have a net_spec.
	{"", usageOnly},
	{"-V tcp", usageOnly},
	{"-x tcp", usageOnly},
	{"-o /x tcp", usageOnly},
	{"-v", usageOnly},
	{"-q", usageOnly},
	{"-z s", usageOnly},
	{"-i", usageOnly},
	{"-l -", usageOnly},
	{"-m", usageOnly},
	{"-p m tcp", usageOnly},
	{"-A a tcp", usageOnly},
	{"-D tcp", usageOnly},
	{"-R 1:2 tcp", usageOnly},
	{"-p m", usageOnly},
}

func TestGrammar(t *testing.T) {
	for _, tt := range grammarTests {
		f := &fakeSAF{replies: map[string][]reply{sacTCP: {pmEnabled}}}
		var stdout, stderr bytes.Buffer
		c := &cmd{stdout: &stdout, stderr: &stderr, root: paths.New(""), saf: f, stat: existing("/x", "/y")}
		var args []string
		if tt.args != "" {
			args = strings.Split(tt.args, " ")
		}
		code := c.main(args)
		first, _, _ := strings.Cut(stderr.String(), "\n")
		isUsage := strings.Contains(stderr.String(), usageText)
		switch {
		case tt.first == parsed:
			if isUsage || (code == exitUsage && strings.Contains(first, "Inconsistent")) {
				t.Errorf("nlsadmin %s: exit %d, stderr %q; want it accepted", tt.args, code, stderr.String())
			}
		case first != tt.first:
			t.Errorf("nlsadmin %s: first stderr line %q, want %q", tt.args, first, tt.first)
		case code != exitUsage:
			t.Errorf("nlsadmin %s: exit %d, want %d", tt.args, code, exitUsage)
		case tt.first != "nlsadmin: error: Must specify full path name" && !strings.HasSuffix(stderr.String(), usageText):
			t.Errorf("nlsadmin %s: stderr %q does not end in the usage", tt.args, stderr.String())
		}
		if tt.first != parsed && stdout.Len() != 0 {
			t.Errorf("nlsadmin %s: stdout %q, want nothing", tt.args, stdout.String())
		}
	}
}

func TestUsageText(t *testing.T) {
	// The original's usage text, with argv[0] = nlsadmin.
	want := "usage: nlsadmin -x\n" +
		"       nlsadmin [ options ] netspec\n" +
		"       nlsadmin [ options ] -N port_monitor_tag\n" +
		"       nlsadmin -V\n" +
		"       nlsadmin -c cmd | -o pipename [ -p modules ] [ -A addr | -D ] \\\n" +
		"          [ -R prognum:versnum ]\n" +
		"\n" +
		"       [ options ] are:\n" +
		"       [ -a svc_code -c \"cmd\" -y \"cmt\" [-p modules] [-w id] ]\n" +
		"       [-q] | [-v] | [-s] | [-k] | [-i] |\n" +
		"       [-e svc_code] | [-d svc_code] | [-r svc_code] | [[-q] -z svc_code]\n" +
		"       [[-l addr | -] [-t addr | -]] |\n"
	if usageText != want {
		t.Errorf("usage text:\n%s\nwant:\n%s", usageText, want)
	}
}

// TestFormatter covers what the scripts cannot: privilege (the scripts
// always run in a sandbox) and the stat seam.
func TestFormatter(t *testing.T) {
	for _, tt := range []struct {
		name    string
		args    []string
		euid    int
		sandbox bool
		stdout  string
		stderr  string
		code    int
	}{
		{name: "o as root", args: []string{"-o", "/p"}, stdout: "::p::/p\n"},
		{name: "o not root", args: []string{"-o", "/p"}, euid: 1000, stderr: "nlsadmin: error: Must be super user\n", code: 3},
		{name: "o not root, relative", args: []string{"-o", "p"}, euid: 1000, stderr: "nlsadmin: error: Must be super user\n", code: 3},
		{name: "o in a sandbox", args: []string{"-o", "/p"}, euid: 1000, sandbox: true, stdout: "::p::/p\n"},
		{name: "c as anyone", args: []string{"-c", "/p -x"}, euid: 1000, stdout: "::c::/p -x\n"},
		{name: "V as anyone", args: []string{"-V"}, euid: 1000, stdout: "4\n"},
		{name: "missing program", args: []string{"-c", "/nope\targ"}, euid: 1000,
			stdout: "::c::/nope\targ\n", stderr: "nlsadmin: warning: /nope does not exist\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			root := paths.New("")
			if tt.sandbox {
				root = paths.New(t.TempDir())
			}
			f := &fakeSAF{}
			c := &cmd{stdout: &stdout, stderr: &stderr, root: root, euid: tt.euid, saf: f, stat: existing("/p")}
			if code := c.main(tt.args); code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			if stdout.String() != tt.stdout || stderr.String() != tt.stderr {
				t.Errorf("stdout %q, stderr %q; want %q, %q", stdout.String(), stderr.String(), tt.stdout, tt.stderr)
			}
			if len(f.calls) != 0 {
				t.Errorf("the formatter ran %q", f.calls)
			}
		})
	}
}

// FuzzMain runs nlsadmin on arbitrary command lines (arguments separated by
// NUL) against a fake sacadm/pmadm. It must not panic, must exit with one
// of its statuses, and whatever the formatter prints must be one _pmtab
// listen tail that reads back unchanged.
func FuzzMain(f *testing.F) {
	for _, tt := range grammarTests {
		f.Add(strings.ReplaceAll(tt.args, " ", "\x00"))
	}
	for _, s := range []string{
		"-c\x00/bin/cat\x00-A\x00127.0.0.1:21000",
		"-o\x00/p\x00-A\x00[::1]:1\x00-R\x001:2\x00-p\x00a,b",
		"-c\x00/x #y", "-c\x00/x\ny", "-c\x00/x\x00-p\x00a:b", "-c\x00/x\x00-A\x00/a:b",
		"-l\x00127.0.0.1:1\x00tcp", "-v\x00tcp", "-a\x00s\x00-c\x00/x\x00-y\x00c\x00tcp",
		// Service options (our extension).
		"-c\x00/x\x00--max=3\x00--rate=5/60\x00--allow=::1,10.0.0.0/8",
		"--internal=echo\x00-A\x00:7", "--proto=udp\x00--internal=time\x00-D",
		"-c\x00/x\x00--option\x00wrap=a%3Ab", "-c\x00/x\x00-A\x00:echo\x00--wait",
		"-a\x00s\x00--internal=echo\x00-y\x00c\x00tcp", "--import-inetd\x00/nonexistent",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Split(line, "\x00")
		var stdout, stderr bytes.Buffer
		f := &fakeSAF{fallback: map[string]reply{"pmadm": {out: nlpsLineForFuzz}, "sacadm": pmEnabled}}
		c := &cmd{stdout: &stdout, stderr: &stderr, root: paths.New(""), saf: f, stat: existing("/x")}
		code := c.main(args)
		if code < exitOK || code > exitBadPM {
			t.Fatalf("nlsadmin %q: exit %d", args, code)
		}
		o, err := parseArgs(args)
		if err != nil || o.hasNet || o.hasImport || (o.modes&(modeCmd|modePipe) == 0 && o.internal() == "") || code != exitOK {
			return // not the formatter, or it refused
		}
		out, ok := strings.CutSuffix(stdout.String(), "\n")
		if !ok || strings.ContainsAny(out, "#\n") {
			t.Fatalf("nlsadmin %q printed %q", args, stdout.String())
		}
		l, err := pmtab.ParseListen(out)
		if err != nil || l.Format() != out || len(l.Notes) != 0 {
			t.Fatalf("nlsadmin %q printed %q, which reads back as %q, notes %v, %v", args, out, l.Format(), l.Notes, err)
		}
	})
}

const nlpsLineForFuzz = `tcp:listen:0::root:reserved:reserved:reserved:::c::/x#NLPS server` + "\n"
