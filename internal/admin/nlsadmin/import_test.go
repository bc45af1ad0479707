package nlsadmin

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/linux-saf/saf/saf/paths"
	"github.com/linux-saf/saf/saf/pmtab"
)

// updating reports -update, which rewrites the golden files of
// TestImportInetd, as it rewrites testdata/messages.golden (the flag is
// package msgtest's: one flag of that name per test binary).
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

func importCmd(stdout, stderr io.Writer, services string) *cmd {
	return &cmd{
		stdout: stdout, stderr: stderr, root: paths.New(""),
		saf:          &fakeSAF{},
		stat:         existing(),
		servicesPath: services,
		open:         func(p string) (io.ReadCloser, error) { return os.Open(p) },
	}
}

// TestImportInetd: --import-inetd on a sample inetd.conf with every case
// the importer knows, against golden files for the script (.sh) and the
// entries left out (.stderr). go test -run TestImportInetd -update rewrites
// them.
func TestImportInetd(t *testing.T) {
	dir := filepath.Join("testdata", "import")
	var stdout, stderr bytes.Buffer
	c := importCmd(&stdout, &stderr, filepath.Join(dir, "services"))
	code := c.main([]string{"--import-inetd", filepath.Join(dir, "inetd.conf")})
	if code != exitNo {
		t.Errorf("exit %d, want %d (some entries left out)", code, exitNo)
	}
	for _, g := range []struct {
		file string
		got  []byte
	}{
		{"inetd.conf.sh", stdout.Bytes()},
		{"inetd.conf.stderr", stderr.Bytes()},
	} {
		golden := filepath.Join(dir, g.file)
		if updating() {
			if err := os.WriteFile(golden, g.got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(g.got, want) {
			t.Errorf("%s differs; got:\n%s", golden, g.got)
		}
	}

	// Every nlsadmin of the script prints a tail the listener reads back
	// (the script's own $(nlsadmin ...) run here, unquoted by hand).
	for _, line := range strings.Split(stdout.String(), "\n") {
		_, m, ok := strings.Cut(line, `-m "$(nlsadmin `)
		if !ok {
			continue
		}
		args := shWords(t, strings.TrimSuffix(m, `)" \`))
		var out, errs bytes.Buffer
		f := importCmd(&out, &errs, "")
		if code := f.main(args); code != exitOK {
			t.Errorf("nlsadmin %q: exit %d, %s", args, code, errs.String())
			continue
		}
		l, err := pmtab.ParseListen(strings.TrimSuffix(out.String(), "\n"))
		if err != nil || l.Flags&pmtab.LFlagOptions == 0 && strings.Contains(m, "--") {
			t.Errorf("nlsadmin %q printed %q: %v", args, out.String(), err)
		}
	}
}

// shWords splits the simple sh words the importer writes: bare words,
// backslash escapes and single-quoted strings (shQuote).
func shWords(t *testing.T, s string) []string {
	var words []string
	var w strings.Builder
	in, started := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case in && c == '\'':
			in = false
		case in:
			w.WriteByte(c)
		case c == '\'':
			in, started = true, true
		case c == '\\' && i+1 < len(s):
			i++
			w.WriteByte(s[i])
			started = true
		case c == ' ':
			if started {
				words = append(words, w.String())
				w.Reset()
				started = false
			}
		default:
			w.WriteByte(c)
			started = true
		}
	}
	if in {
		t.Fatalf("unterminated quote in %q", s)
	}
	if started {
		words = append(words, w.String())
	}
	return words
}

func TestImportInetdAllImported(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "inetd.conf")
	if err := os.WriteFile(conf, []byte("9999 stream tcp nowait root /bin/cat cat -u\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	c := importCmd(&stdout, &stderr, "")
	if code := c.main([]string{"--import-inetd", conf, "-N", "inetd"}); code != exitOK || stderr.Len() != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	for _, want := range []string{
		"sacadm -L -p inetd >/dev/null 2>&1 ||\n\tsacadm -a -p inetd -t listen -c '" + listenPath + " tcp' ",
		"pmadm -a -p inetd -s 9999 -i root ",
		`-m "$(nlsadmin -c '/bin/cat -u' -A :9999)"`,
	} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("script lacks %q:\n%s", want, stdout.String())
		}
	}
}

func TestImportInetdErrors(t *testing.T) {
	for _, tt := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"--import-inetd", "testdata/none"}, exitSystem, "nlsadmin: error: cannot read inetd.conf: open testdata/none: no such file or directory\n"},
		{[]string{"--import-inetd", "x", "-N", "a-b"}, exitUsage, "nlsadmin: error: Invalid port monitor tag \"a-b\": 1-14 letters and digits\n"},
		{[]string{"--import-inetd", "x", "-v", "tcp"}, exitUsage, "nlsadmin: error: --import-inetd takes only a port monitor tag (net_spec or -N)\n" + usageText},
		{[]string{"--import-inetd", "x", "--max=1"}, exitUsage, "nlsadmin: error: --import-inetd takes only a port monitor tag (net_spec or -N)\n" + usageText},
		{[]string{"--import-inetd"}, exitUsage, "nlsadmin: option requires an argument -- import-inetd\n" + usageText},
		{[]string{"-c", "/x", "--max"}, exitUsage, "nlsadmin: option requires an argument -- max\n" + usageText},
	} {
		var stdout, stderr bytes.Buffer
		c := importCmd(&stdout, &stderr, "")
		if code := c.main(tt.args); code != tt.code || stderr.String() != tt.stderr || stdout.Len() != 0 {
			t.Errorf("nlsadmin %q: exit %d, stdout %q, stderr %q; want %d, %q", tt.args, code, stdout.String(), stderr.String(), tt.code, tt.stderr)
		}
	}
}

// An inetd.conf where nothing can be imported still gives a script that
// only adds the port monitor, and exit 1.
func TestImportInetdNothing(t *testing.T) {
	var stdout, stderr bytes.Buffer
	c := importCmd(&stdout, &stderr, "")
	c.open = func(string) (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader("x stream tcp nowait root /bin/cat\n")), nil
	}
	if code := c.main([]string{"--import-inetd", "inetd.conf"}); code != exitNo {
		t.Errorf("exit %d", code)
	}
	if !strings.HasSuffix(stdout.String(), "\n# No service could be imported.\n") {
		t.Errorf("script %q", stdout.String())
	}
	if want := "nlsadmin: warning: inetd.conf:1: not imported: no services file to look service names up in\n"; stderr.String() != want {
		t.Errorf("stderr %q, want %q", stderr.String(), want)
	}
}

// FuzzImportInetd: any inetd.conf gives a script whose every
// $(nlsadmin ...) prints a listen tail that reads back unchanged, or a
// reason per entry left out; never a panic.
func FuzzImportInetd(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "import", "inetd.conf"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(b))
	f.Add("7 stream tcp nowait root /bin/cat cat '\"x\n9 dgram udp6 wait.5 a.b internal\n")
	f.Fuzz(func(t *testing.T, conf string) {
		if len(conf) > 4096 {
			return // each entry runs the formatter; long inputs only slow the search
		}
		var stdout, stderr bytes.Buffer
		c := importCmd(&stdout, &stderr, filepath.Join("testdata", "import", "services"))
		c.open = func(string) (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(conf)), nil }
		code := c.main([]string{"--import-inetd", "inetd.conf"})
		if code != exitOK && code != exitNo {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
		for _, line := range strings.Split(stdout.String(), "\n") {
			_, m, ok := strings.Cut(line, `-m "$(nlsadmin `)
			if !ok {
				continue
			}
			args := shWords(t, strings.TrimSuffix(m, `)" \`))
			var out, errs bytes.Buffer
			if code := importCmd(&out, &errs, "").main(args); code != exitOK {
				t.Fatalf("nlsadmin %q: exit %d, %s", args, code, errs.String())
			}
			tail := strings.TrimSuffix(out.String(), "\n")
			l, err := pmtab.ParseListen(tail)
			if err != nil || l.Format() != tail {
				t.Fatalf("nlsadmin %q printed %q: %v", args, tail, err)
			}
		}
	})
}
