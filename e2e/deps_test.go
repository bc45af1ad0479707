package e2e

import (
	"os/exec"
	"strings"
	"testing"
)

// deps lists the packages pkg links, via go list.
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", pkg)
	cmd.Dir = ".." // the module root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
	}
	return strings.Fields(string(out))
}

// The layering: the SAF contract (saf/...) never links a program, the pty
// harness or terminal libraries, only the plumbing packages it is built
// on; and the admin commands never link daemon code.
func TestDependencies(t *testing.T) {
	const mod = "github.com/linux-saf/saf/"
	plumbing := map[string]bool{mod + "internal/cloexec": true, mod + "internal/errno": true, mod + "internal/termios": true, mod + "internal/unixsock": true}
	for _, d := range deps(t, "./saf/...") {
		if strings.Contains(d, "creack/pty") || strings.Contains(d, "pkg/term") || strings.HasPrefix(d, mod+"internal/") && !plumbing[d] {
			t.Errorf("saf/... links %s", d)
		}
	}
	for _, cmd := range []string{"sacadm", "pmadm", "ttyadm", "nlsadmin", "sttydefs"} {
		for _, d := range deps(t, "./cmd/"+cmd) {
			for _, daemon := range []string{"internal/sac", "internal/ttymon", "internal/listen", "creack/pty"} {
				if strings.HasSuffix(d, daemon) || strings.Contains(d, daemon+"/") {
					t.Errorf("%s links %s", cmd, d)
				}
			}
		}
	}
}
