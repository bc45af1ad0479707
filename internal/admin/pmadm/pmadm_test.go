package pmadm

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/linux-saf/saf/internal/admin/adm"
	"github.com/linux-saf/saf/saf/paths"
)

func TestPrivilege(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc/saf/mbmon"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/saf/_sactab"), []byte("# VERSION=1\nmbmon:ttymon::0:/bin/true\t#c\n"), 0o644)
	os.WriteFile(filepath.Join(root, "etc/saf/mbmon/_pmtab"), []byte("# VERSION=1\na::root:r:r:r:x#\n"), 0o644)
	for _, tt := range []struct {
		args []string
		code int
	}{
		{[]string{"-a", "-p", "mbmon", "-s", "b", "-i", "root", "-m", "x", "-v", "1"}, 2},
		{[]string{"-a", "-p", "mbmon"}, 2},
		{[]string{"-r", "-p", "mbmon", "-s", "a"}, 2},
		{[]string{"-e", "-p", "mbmon", "-s", "a"}, 2},
		{[]string{"-d", "-p", "mbmon", "-s", "a"}, 2},
		{[]string{"-g", "-p", "mbmon", "-s", "a", "-z", "/etc/hostname"}, 2},
		{[]string{"-l"}, 0},
		{[]string{"-L", "-s", "a"}, 0},
		{[]string{"-g", "-p", "mbmon", "-s", "a"}, 3},
	} {
		var out, errb bytes.Buffer
		c := &adm.Cmd{Prog: "pmadm", Root: paths.New(root), Privileged: false, Stdout: &out, Stderr: &errb}
		if code := c.Finish(run(c, tt.args)); code != tt.code {
			t.Errorf("pmadm %v: exit %d, want %d (%s)", tt.args, code, tt.code, errb.String())
		}
		if tt.code == 2 && !strings.HasPrefix(errb.String(), "pmadm: User not privileged for operation") {
			t.Errorf("pmadm %v: stderr %q", tt.args, errb.String())
		}
	}
}
