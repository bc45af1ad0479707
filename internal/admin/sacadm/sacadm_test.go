package sacadm

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/linux-saf/saf/internal/admin/adm"
	"github.com/linux-saf/saf/saf/paths"
)

// An unprivileged user outside a sandbox may list but not change
// (docs/original.md#privilege). The check comes after the _sactab check and
// before the operation's option combination check.
func TestPrivilege(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc/saf"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/saf/_sactab"), []byte("# VERSION=1\nmbmon:ttymon::0:/bin/true\t#c\n"), 0o644)
	for _, tt := range []struct {
		args []string
		code int
	}{
		{[]string{"-a", "-p", "x", "-t", "ttymon", "-c", "/bin/true", "-v", "1"}, 2},
		{[]string{"-a", "-p", "x"}, 2}, // privilege before the combination check
		{[]string{"-r", "-p", "mbmon"}, 2},
		{[]string{"-s", "-p", "mbmon"}, 2},
		{[]string{"-k", "-p", "mbmon"}, 2},
		{[]string{"-e", "-p", "mbmon"}, 2},
		{[]string{"-d", "-p", "mbmon"}, 2},
		{[]string{"-x"}, 2},
		{[]string{"-G", "-z", "/etc/hostname"}, 2},
		{[]string{"-g", "-p", "mbmon", "-z", "/etc/hostname"}, 2},
		{[]string{"-l"}, 0},
		{[]string{"-L", "-p", "mbmon"}, 0},
		{[]string{"-G"}, 5}, // printing needs no privilege; there is no script
		{[]string{"-g", "-p", "mbmon"}, 5},
	} {
		var out, errb bytes.Buffer
		c := &adm.Cmd{Prog: "sacadm", Root: paths.New(root), Privileged: false, Stdout: &out, Stderr: &errb}
		if code := c.Finish(run(c, tt.args)); code != tt.code {
			t.Errorf("sacadm %v: exit %d, want %d (%s)", tt.args, code, tt.code, errb.String())
		}
		if tt.code == 2 && !strings.HasPrefix(errb.String(), "sacadm: User not privileged for operation") {
			t.Errorf("sacadm %v: stderr %q", tt.args, errb.String())
		}
	}
	if data, _ := os.ReadFile(filepath.Join(root, "etc/saf/_sactab")); string(data) != "# VERSION=1\nmbmon:ttymon::0:/bin/true\t#c\n" {
		t.Errorf("_sactab changed: %q", data)
	}
}

// Text from port monitors and users reaches the status table escaped: no
// terminal escape sequence, no tab to move the columns.
func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"ttymon":          "ttymon",
		"":                "",
		"user\x1b[2J":     `user\x1b[2J`,
		"a\tb\n":          `a\x09b\x0a`,
		"caf\u00e9":       "caf\u00e9",
		"bad\xffutf8":     `bad\xffutf8`,
		"bell\x07\u200b!": `bell\x07\xe2\x80\x8b!`,
	} {
		if got := printable(in); got != want {
			t.Errorf("printable(%q) = %q, want %q", in, got, want)
		}
	}
}
