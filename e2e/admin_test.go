// Package e2e drives the built programs end to end in SAF_ROOT sandboxes.
package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/linux-saf/saf/internal/testexec"
	"github.com/linux-saf/saf/saf/admfile"
	"github.com/linux-saf/saf/saf/pmtab"
	"github.com/linux-saf/saf/saf/sactab"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testexec.Cleanup()
	os.Exit(code)
}

func addPM(t *testing.T, sb *testexec.Sandbox, tag string) {
	t.Helper()
	out, err := sb.Command(t, "sacadm", "-a", "-p", tag, "-t", "ttymon", "-c", "/bin/true", "-v", "1").CombinedOutput()
	if err != nil {
		t.Fatalf("sacadm -a: %v\n%s", err, out)
	}
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// 100 pmadm -a processes started at once against one port monitor: every
// entry lands (docs/linux.md#atomic-table-rewrites).
func TestConcurrentPmadmAddKeepsEveryEntry(t *testing.T) {
	sb := testexec.NewSandbox(t)
	addPM(t, sb, "mbmon")
	const n = 100
	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make([]string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			cmd := sb.Command(t, "pmadm", "-a", "-p", "mbmon", "-s", fmt.Sprintf("s%d", i), "-i", "root",
				"-v", "1", "-m", fmt.Sprintf("/dev/tty%d:::/bin/login::9600::login\\: ::::", i))
			<-start
			out, err := cmd.CombinedOutput()
			// Without sac, pmadm changes the table and exits 4.
			if code := exitCode(err); code != 4 {
				errs[i] = fmt.Sprintf("pmadm %d exited %d: %s", i, code, out)
			}
		}(i)
	}
	close(start)
	wg.Wait()
	for _, e := range errs {
		if e != "" {
			t.Error(e)
		}
	}
	data, err := os.ReadFile(sb.Path("/etc/saf/mbmon/_pmtab"))
	if err != nil {
		t.Fatal(err)
	}
	if v, err := admfile.Version(data); err != nil || v != 1 {
		t.Fatalf("version stamp lost: %d, %v", v, err)
	}
	seen := map[string]bool{}
	for _, e := range pmtab.Parse(data) {
		if e.Err != nil {
			t.Fatalf("corrupt line: %v", e.Err)
		}
		if seen[e.Svc] {
			t.Errorf("duplicate %s", e.Svc)
		}
		seen[e.Svc] = true
	}
	for i := 0; i < n; i++ {
		if !seen[fmt.Sprintf("s%d", i)] {
			t.Errorf("entry s%d lost", i)
		}
	}
	if len(seen) != n {
		t.Errorf("%d entries, want %d", len(seen), n)
	}
}

// Port monitors added concurrently all land in _sactab too.
func TestConcurrentSacadmAdd(t *testing.T) {
	sb := testexec.NewSandbox(t)
	const n = 30
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			out, err := sb.Command(t, "sacadm", "-a", "-p", fmt.Sprintf("pm%d", i), "-t", "ttymon",
				"-c", "/bin/true", "-v", "1").CombinedOutput()
			if err != nil {
				t.Errorf("sacadm -a pm%d: %v\n%s", i, err, out)
			}
		}(i)
	}
	wg.Wait()
	data, _ := os.ReadFile(sb.Path("/etc/saf/_sactab"))
	entries := sactab.Parse(data)
	if len(entries) != n {
		t.Fatalf("%d entries, want %d:\n%s", len(entries), n, data)
	}
	for _, e := range entries {
		if e.Err != nil {
			t.Fatal(e.Err)
		}
		if _, err := os.Stat(sb.Path("/etc/saf/" + e.Tag + "/_pmtab")); err != nil {
			t.Errorf("%s: %v", e.Tag, err)
		}
	}
}

// Writers killed at random moments never leave a damaged or half-written
// table: after each kill the table parses, keeps its stamp and every entry
// that was there before, and holds the new entry whole or not at all.
func TestKilledWritersNeverCorruptTable(t *testing.T) {
	sb := testexec.NewSandbox(t)
	addPM(t, sb, "mbmon")
	path := sb.Path("/etc/saf/mbmon/_pmtab")
	bin := testexec.Bin(t, "pmadm")
	rng := rand.New(rand.NewPCG(1, 2))
	want := map[string]bool{}
	killed := 0
	deadline := time.Now().Add(20 * time.Second)
	for i := 0; i < 60 && time.Now().Before(deadline); i++ {
		svc := fmt.Sprintf("k%d", i)
		spec := "/dev/x:::/bin/login::9600::" + strings.Repeat("p", 300) + "::::"
		cmd := exec.Command(bin, "-a", "-p", "mbmon", "-s", svc, "-i", "root", "-v", "1", "-m", spec)
		cmd.Env = sb.Env()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rng.IntN(4000)) * time.Microsecond)
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			killed++
		} else if code := exitCode(err); code != 4 && code != 0 {
			t.Fatalf("pmadm exited %d", code)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if v, err := admfile.Version(data); err != nil || v != 1 {
			t.Fatalf("after kill %d: version stamp lost (%v)\n%s", i, err, data)
		}
		got := map[string]bool{}
		for _, e := range pmtab.Parse(data) {
			if e.Err != nil || e.PMSpecific != spec {
				t.Fatalf("after kill %d: damaged entry %+v", i, e)
			}
			got[e.Svc] = true
		}
		for s := range want {
			if !got[s] {
				t.Fatalf("after kill %d: entry %s lost", i, s)
			}
		}
		want = got
	}
	t.Logf("%d of the writers were killed before they finished; %d entries landed", killed, len(want))
	// The debris of killed writers never blocks the next one.
	cmd := exec.Command(bin, "-a", "-p", "mbmon", "-s", "final", "-i", "root", "-v", "1", "-m", "x")
	cmd.Env = sb.Env()
	out, err := cmd.CombinedOutput()
	if code := exitCode(err); code != 4 {
		t.Fatalf("pmadm after kills exited %d: %s", code, out)
	}
	if data, _ := os.ReadFile(path); !bytes.Contains(data, []byte("\nfinal::root:")) {
		t.Fatalf("final entry missing:\n%s", data)
	}
}

// In a sandbox the admin commands work for any user
// (docs/linux.md#privilege-and-the-sandbox). As root we check it for real
// by running them as nobody in a tree nobody owns.
func TestSandboxAsUnprivilegedUser(t *testing.T) {
	testexec.RequireRoot(t)
	sb := testexec.NewSandbox(t)
	const nobody = 65534
	if err := os.Chmod(sb.Root, 0o755); err != nil {
		t.Fatal(err)
	}
	chownR(t, sb.Root, nobody)
	// The test's temp directories (below os.TempDir, which stays as it
	// is) must be reachable for nobody.
	for d := sb.Root; strings.HasPrefix(d, os.TempDir()+"/"); d = filepathDir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	run := func(want int, prog string, args ...string) string {
		t.Helper()
		cmd := sb.Command(t, prog, args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
		out, err := cmd.CombinedOutput()
		if code := exitCode(err); code != want {
			t.Fatalf("%s %v as nobody: exit %d, want %d\n%s", prog, args, code, want, out)
		}
		return string(out)
	}
	run(0, "sacadm", "-a", "-p", "mbmon", "-t", "ttymon", "-c", "/bin/true", "-v", "1")
	run(4, "pmadm", "-a", "-p", "mbmon", "-s", "a", "-i", "root", "-v", "1", "-m", "x")
	if out := run(0, "pmadm", "-L"); !strings.Contains(out, "mbmon:ttymon:a::root:") {
		t.Fatalf("pmadm -L: %s", out)
	}
	run(0, "sacadm", "-l")
	fi, err := os.Stat(sb.Path("/etc/saf/mbmon/_pmtab"))
	if err != nil {
		t.Fatal(err)
	}
	if st := fi.Sys().(*syscall.Stat_t); st.Uid != nobody {
		t.Errorf("_pmtab owned by %d, want %d", st.Uid, nobody)
	}
}

func chownR(t *testing.T, dir string, uid int) {
	t.Helper()
	out, err := exec.Command("chown", "-R", fmt.Sprintf("%d:%d", uid, uid), dir).CombinedOutput()
	if err != nil {
		t.Fatalf("chown: %v %s", err, out)
	}
}

func filepathDir(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return "/"
	}
	return p[:i]
}
