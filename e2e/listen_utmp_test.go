package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/linux-saf/saf/internal/testexec"
	"github.com/linux-saf/saf/internal/utmp"
)

// TestListenUtmpWhoLast: a service with flag u is seen by util-linux's
// who and last as listen(8) says (section UTMP): who lists it under
// ".tcp" and its line while it runs; last calls it "gone - no logout"
// while it runs (".tcp" is no user) and shows its duration once it
// has ended.
func TestListenUtmpWhoLast(t *testing.T) {
	who, err1 := exec.LookPath("who")
	last, err2 := exec.LookPath("last")
	if err1 != nil || err2 != nil {
		t.Skip("who or last (coreutils, util-linux) is not installed")
	}
	sb := testexec.NewSandbox(t)
	// As on a running system: the files exist (listen does not create them).
	for _, f := range []string{"/var/run/utmp", "/var/log/wtmp"} {
		if err := os.MkdirAll(filepath.Dir(sb.Path(f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(sb.Path(f), nil, 0o664); err != nil {
			t.Fatal(err)
		}
	}
	id := svcUser(t)
	startSacListen(t, sb)
	addr := fmt.Sprintf("127.0.0.1:%d", lport(t, "tcp4", "127.0.0.1"))
	pmadmWait(t, sb, "tcp", "-a", "-p", "tcp", "-s", "cat", "-i", id, "-f", "u", "-v", "4",
		"-m", nlsformat(t, sb, "-c", "/bin/cat", "-A", addr))
	c := ldial(t, "tcp4", addr)
	lecho(t, c, "logged")

	var pid int32
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("listener log:\n%s", pmLog(sb, "tcp"))
		}
	})
	waitFor(t, "the service's USER_PROCESS record", func() bool {
		recs, _ := utmp.ReadFile(sb.Path("/var/run/utmp"))
		for _, r := range recs {
			if r.Type == utmp.UserProcess && r.User == ".tcp" {
				pid = r.Pid
				return true
			}
		}
		return false
	})
	line := "tcp" + strconv.Itoa(int(pid))
	out, err := exec.Command(who, sb.Path("/var/run/utmp")).CombinedOutput()
	if err != nil || !regexp.MustCompile(`(?m)^\.tcp +`+line+` `).Match(out) {
		t.Errorf("who %s: %v\n%s", sb.Path("/var/run/utmp"), err, out)
	}
	out, err = exec.Command(last, "-f", sb.Path("/var/log/wtmp")).CombinedOutput()
	if err != nil || !regexp.MustCompile(`(?m)^\.tcp +`+line+` .*gone - no logout`).Match(out) {
		t.Errorf("last while the service runs: %v\n%s", err, out)
	}

	c.Close() // cat reads end of file and exits
	waitFor(t, "the DEAD_PROCESS record", func() bool {
		recs, _ := utmp.ReadFile(sb.Path("/var/run/utmp"))
		for _, r := range recs {
			if r.Pid == pid {
				return r.Type == utmp.DeadProcess
			}
		}
		return false
	})
	time.Sleep(1100 * time.Millisecond) // last says "still running" for an end in the current second
	out, err = exec.Command(who, sb.Path("/var/run/utmp")).CombinedOutput()
	if err != nil || regexp.MustCompile(line).Match(out) {
		t.Errorf("who after the end: %v\n%s", err, out)
	}
	out, err = exec.Command(last, "-f", sb.Path("/var/log/wtmp")).CombinedOutput()
	if err != nil || !regexp.MustCompile(`(?m)^\.tcp +`+line+` .* - \d\d:\d\d +\(00:00\)`).Match(out) {
		t.Errorf("last after the end: %v\n%s", err, out)
	}
}
