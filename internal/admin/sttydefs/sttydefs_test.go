package sttydefs

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/linux-saf/saf/saf/paths"
	"github.com/linux-saf/saf/ttydefs"
)

// The script tests (internal/admin/testdata/script/sttydefs_*.txtar) cover
// the options, messages and exit codes; these cover what a script cannot
// set up: an unprivileged user outside a sandbox, newlines in arguments,
// concurrent writers.

func run(c *command, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	c.stdout, c.stderr = &out, &errb
	code = c.exit(c.run(args))
	return code, out.String(), errb.String()
}

// sandbox returns a command working on a fresh SAF_ROOT with an /etc.
func sandbox(t *testing.T) (*command, string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	root := paths.New(dir)
	return &command{root: root, uid: os.Getuid()}, root.TtyDefs()
}

func TestNotPrivileged(t *testing.T) {
	// Not a sandbox and not root: refused before any file is looked at, so
	// the real /etc/ttydefs is safe even when the test runs as root.
	c := &command{root: paths.New(""), uid: 1000}
	for _, args := range [][]string{{"-a", "9600"}, {"-a", "9600", "-i", "foo"}, {"-r", "9600"}} {
		code, out, errs := run(c, args...)
		if code != 1 || out != "" || errs != "sttydefs: User not privileged for operation.\n" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
	}
	// -r checks its arguments first.
	if code, _, _ := run(c, "-r", "9600", "x"); code != 2 {
		t.Errorf("-r 9600 x: exit %d, want 2", code)
	}
}

func TestNewlinesRefused(t *testing.T) {
	c, path := sandbox(t)
	const table = "# VERSION=1\n9600:9600:9600 sane::9600\n"
	if err := os.WriteFile(path, []byte(table), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-a", "a\nb"}, `sttydefs: invalid ttylabel "a\nb": it must not contain ':', '#', '\', blanks or newlines`},
		{[]string{"-a", "x", "-n", "\n"}, `sttydefs: invalid nextlabel "\n": `},
		{[]string{"-a", "x", "-i", "9600\nsane"}, `sttydefs: invalid initial flags "9600\nsane": newlines are not allowed`},
		{[]string{"-a", "x", "-f", "sane\\\n"}, `sttydefs: invalid final flags "sane\\\n": newlines are not allowed`},
		{[]string{"-r", "9600\n"}, `sttydefs: invalid ttylabel "9600\n": `},
	}
	for _, tt := range tests {
		code, out, errs := run(c, tt.args...)
		if code != 1 || out != "" || !strings.HasPrefix(errs, tt.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want prefix %q", tt.args, code, out, errs, tt.want)
		}
	}
	if data, _ := os.ReadFile(path); string(data) != table {
		t.Errorf("table changed:\n%s", data)
	}
}

func TestCheckFlags(t *testing.T) {
	for v, ok := range map[string]bool{
		"":                true,
		"9600 sane":       true,
		`erase \#`:        true,
		`intr \:`:         true,
		`erase \\`:        true,
		`a\\\:b`:          true,
		`\101\:`:          true,
		"9600:":           false,
		"erase #":         false,
		`erase \`:         false,
		`erase \\\`:       false,
		`a\\:b`:           false, // "\\" is a backslash; the ':' is bare
		`a\\#b`:           false,
		"a\tb\rc":         true,
		"9600 \\\n sane":  false,
		"9600 \n sane":    false,
		"tab \\t escaped": true,
	} {
		if err := checkFlags("flags", v); (err == nil) != ok {
			t.Errorf("checkFlags(%q) = %v, want ok=%v", v, err, ok)
		}
	}
}

// TestConcurrentAdds: writers serialise on the lock and rewrite
// atomically, so none of their entries is lost.
func TestConcurrentAdds(t *testing.T) {
	c, path := sandbox(t)
	const n = 24
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out, errb bytes.Buffer
			cc := &command{root: c.root, uid: c.uid, stdout: &out, stderr: &errb}
			if code := cc.exit(cc.run([]string{"-a", fmt.Sprintf("l%d", i), "-n", "l0"})); code != 0 {
				errs <- errb.String()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(data), "# VERSION=") != 1 {
		t.Errorf("version lines:\n%s", data)
	}
	entries, diags, err := ttydefs.Parse(bytes.NewReader(data))
	if err != nil || len(diags) != 0 || len(entries) != n {
		t.Fatalf("%d entries, %q, %v:\n%s", len(entries), diags, err, data)
	}
	if d := ttydefs.NewTable(entries).Dangling(); len(d) != 0 {
		t.Errorf("dangling: %+v", d)
	}
}

func TestMainUsesSAFRoot(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(paths.EnvVar, dir)
	if err := os.MkdirAll(filepath.Join(dir, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := Main([]string{"-a", "9600"}, nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if code := Main([]string{"-l", "9600"}, nil, &out, &errb); code != 0 || !strings.Contains(out.String(), "ttylabel:\t9600\n") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
}

// TestRefusesNonRegularTable: a directory or a symlink in the table's
// place is reported and left alone, never replaced.
func TestRefusesNonRegularTable(t *testing.T) {
	c, path := sandbox(t)
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	code, _, errs := run(c, "-a", "9600")
	if code != 1 || !strings.HasPrefix(errs, "sttydefs: Could not open ") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
	if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
		t.Errorf("table replaced: %v", err)
	}
}

func TestRefusesSymlinkTable(t *testing.T) {
	c, path := sandbox(t)
	target := filepath.Join(t.TempDir(), "elsewhere")
	if err := os.WriteFile(target, []byte("# VERSION=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
	code, _, errs := run(c, "-a", "9600")
	if want := "sttydefs: Could not open \"" + path + "\": not a regular file\n"; code != 1 || errs != want {
		t.Errorf("exit %d, stderr %q, want %q", code, errs, want)
	}
	if fi, err := os.Lstat(path); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("symlink replaced: %v", err)
	}
}

// TestCharNumbers: a min or time value typed with -i or -f must fit the
// byte ttymon stores it in; it is refused, not wrapped. Only the value of
// min and time counts, wherever the parser takes a word as a value.
func TestCharNumbers(t *testing.T) {
	for flags, bad := range map[string]string{
		"9600 min 255 time 0":   "",
		"9600 min 256":          "min",
		"time 99999999999":      "time",
		"min 300x":              "min",  // the leading digits are the number
		"min 0300":              "min",  // decimal, as ttymon reads it
		"min x300":              "",     // a character: its first byte
		"erase min 300":         "",     // "min" is erase's value; 300 a speed word
		"erase time time 999":   "time", // the second time is a word again
		"rows 300 cols 99999":   "",     // window sizes are not stored in a byte
		"9600 min":              "",     // no value: accepted and ignored
		`\155in 300`:            "min",  // checked as ttymon reads it
		"ispeed 9600 time 1000": "time",
	} {
		err := checkCharNumbers("initial flags", flags, ttydefs.Unescape(flags))
		switch {
		case bad == "" && err != nil:
			t.Errorf("%q: %v, want no error", flags, err)
		case bad != "" && (err == nil || err.Error() != fmt.Sprintf("invalid initial flags %q: %s takes a number from 0 to 255", flags, bad)):
			t.Errorf("%q: %v, want %s refused", flags, err, bad)
		}
	}
}
