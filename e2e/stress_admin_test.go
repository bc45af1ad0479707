package e2e

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
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

// adminTables reads _sactab and tag's _pmtab and returns their entries
// (service tags, port monitor tags), or why they are damaged: a lost
// version stamp, a line that does not parse, or an entry that is not
// exactly one a writer wrote (pmSpec, pmCmd).
func adminTables(sb *testexec.Sandbox, tag, pmSpec, pmCmd string) (svcs, pms map[string]bool, err error) {
	pt, err := os.ReadFile(sb.Path("/etc/saf/" + tag + "/_pmtab"))
	if err != nil {
		return nil, nil, err
	}
	if v, err := admfile.Version(pt); err != nil || v != 1 {
		return nil, nil, fmt.Errorf("_pmtab version stamp lost (%d, %v):\n%s", v, err, pt)
	}
	svcs = map[string]bool{}
	for _, e := range pmtab.Parse(pt) {
		if e.Err != nil || e.PMSpecific != pmSpec || !strings.HasPrefix(e.Svc, "k") {
			return nil, nil, fmt.Errorf("damaged _pmtab entry %+v", e)
		}
		svcs[e.Svc] = true
	}
	st, err := os.ReadFile(sb.Path("/etc/saf/_sactab"))
	if err != nil {
		return nil, nil, err
	}
	if v, err := admfile.Version(st); err != nil || v != 1 {
		return nil, nil, fmt.Errorf("_sactab version stamp lost (%d, %v):\n%s", v, err, st)
	}
	pms = map[string]bool{}
	for _, e := range sactab.Parse(st) {
		if e.Err != nil {
			return nil, nil, fmt.Errorf("damaged _sactab entry: %v", e.Err)
		}
		if e.Tag != tag && (!strings.HasPrefix(e.Tag, "x") || e.Command != pmCmd) {
			return nil, nil, fmt.Errorf("damaged _sactab entry %+v", e)
		}
		pms[e.Tag] = true
	}
	return svcs, pms, nil
}

// changed lists the keys in exactly one of a and b.
func changed(a, b map[string]bool) []string {
	var d []string
	for k := range a {
		if !b[k] {
			d = append(d, k)
		}
	}
	for k := range b {
		if !a[k] {
			d = append(d, k)
		}
	}
	sort.Strings(d)
	return d
}

func pick(rng *rand.Rand, m map[string]bool) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys[rng.IntN(len(keys))]
}

// TestStressAdminKilledWriters: pmadm -a/-r, sacadm -a/-r and sacadm -g
// -z, against a running sac, each killed with SIGKILL at a random point.
// After every kill both tables parse, keep their stamps and hold the entry
// the writer touched either as it was or as the writer meant it, never
// partly; no other entry changes; the _config script is one of the two
// whole; sac's descriptors stay flat.
func TestStressAdminKilledWriters(t *testing.T) {
	n := stressN(t, 1000, 8)
	row := newRow(t, "admin: SIGKILLed pmadm/sacadm writers")
	sb := testexec.NewSandbox(t)
	addTestPM(t, sb, "mbmon", "")
	r := startSac(t, sb, "mbmon")
	sacPid := r.cmd.Process.Pid
	row.before(sacPid)

	spec := "/dev/x:::/bin/login::9600::" + strings.Repeat("p", 300) + "::::"
	const pmCmd = "/bin/true"
	pmadm, sacadmBin := testexec.Bin(t, "pmadm"), testexec.Bin(t, "sacadm")
	rng := rand.New(rand.NewPCG(7, 11))
	svcs, pms, err := adminTables(sb, "mbmon", spec, pmCmd)
	if err != nil {
		t.Fatal(err)
	}
	// Two _config scripts, long enough for a kill to land mid-write:
	// the installed one is always one or the other, whole, or none.
	var scripts [2]string
	var texts = map[string]bool{"": true}
	for j := range scripts {
		text := strings.Repeat(fmt.Sprintf("# script %d: nothing to do\n", j), 400)
		scripts[j] = filepath.Join(t.TempDir(), "config")
		if err := os.WriteFile(scripts[j], []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		texts[text] = true
	}
	killed := 0
	deadline := stressBudget(2*time.Minute, 10*time.Second)
	for i := 0; i < n && time.Now().Before(deadline); i++ {
		var args []string
		var target string
		isPM := false
		switch op := i % 5; {
		case op == 4:
			target = "_config"
			args = []string{sacadmBin, "-g", "-p", "mbmon", "-z", scripts[i%2]}
		case op == 1 && len(svcs) > 0:
			target = pick(rng, svcs)
			args = []string{pmadm, "-r", "-p", "mbmon", "-s", target}
		case op == 3 && len(pms) > 1:
			for target = pick(rng, pms); target == "mbmon"; target = pick(rng, pms) {
			}
			isPM = true
			args = []string{sacadmBin, "-r", "-p", target}
		case op == 2 || op == 3:
			target, isPM = fmt.Sprintf("x%d", i), true
			args = []string{sacadmBin, "-a", "-p", target, "-t", "testpm", "-c", pmCmd, "-v", "1", "-f", "x"}
		default:
			target = fmt.Sprintf("k%d", i)
			args = []string{pmadm, "-a", "-p", "mbmon", "-s", target, "-i", "root", "-v", "1", "-m", spec}
		}
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = sb.Env()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rng.IntN(8000)) * time.Microsecond)
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		row.Iterations++
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			killed++
		} else if code := exitCode(err); code != 0 {
			row.Failures++
			t.Errorf("writer %d %q exited %d", i, args[1:], code)
		}
		nsvcs, npms, err := adminTables(sb, "mbmon", spec, pmCmd)
		if err != nil {
			row.Failures++
			t.Fatalf("after writer %d %q: %v", i, args[1:], err)
		}
		before, after := svcs, nsvcs
		other, otherAfter := pms, npms
		if isPM {
			before, after, other, otherAfter = pms, npms, svcs, nsvcs
		}
		if d := changed(before, after); len(d) > 1 || (len(d) == 1 && d[0] != target) {
			row.Failures++
			t.Errorf("after writer %d %q: entries %v changed", i, args[1:], d)
		}
		if d := changed(other, otherAfter); len(d) > 0 {
			row.Failures++
			t.Errorf("after writer %d %q: the other table changed: %v", i, args[1:], d)
		}
		svcs, pms = nsvcs, npms
		if b, err := os.ReadFile(sb.Path("/etc/saf/mbmon/_config")); (err != nil && !errors.Is(err, fs.ErrNotExist)) || !texts[string(b)] {
			row.Failures++
			t.Errorf("after writer %d %q: _config is damaged (%d bytes, %v)", i, args[1:], len(b), err)
		}
	}
	t.Logf("%d writers, %d killed before they finished; %d services and %d port monitors remain", row.Iterations, killed, len(svcs), len(pms))
	// The debris of killed writers never blocks the next one, and sac
	// still answers.
	if out, errs, code := sacadm(t, sb, "pmadm", "-a", "-p", "mbmon", "-s", "kfinal", "-i", "root", "-v", "1", "-m", spec); code != 0 {
		row.Failures++
		t.Errorf("pmadm after the kills: exit %d %s%s", code, out, errs)
	}
	if st := states(t, sb)["mbmon"]; st != "ENABLED" {
		row.Failures++
		t.Errorf("mbmon is %s after the kills", st)
	}
	row.FDsAfter = waitFlat(sacPid, row.FDsBefore, 5*time.Second)
	row.MemAfter = rssKiB(sacPid)
	row.Zombies = zombieCount(sacPid)
	if row.FDsAfter > row.FDsBefore {
		row.Failures++
		t.Errorf("sac's descriptors grew from %d to %d", row.FDsBefore, row.FDsAfter)
	}
}

// TestStressAdminConcurrentWriters: 200 pmadm -a at once over 4 running
// port monitors under sac: every entry lands, in its own table, once.
func TestStressAdminConcurrentWriters(t *testing.T) {
	n := stressN(t, 200, 20)
	row := newRow(t, "admin: concurrent pmadm -a over 4 PMs")
	sb := testexec.NewSandbox(t)
	const pms = 4
	for p := 0; p < pms; p++ {
		addTestPM(t, sb, fmt.Sprintf("c%d", p), "")
	}
	r := startSac(t, sb)
	for p := 0; p < pms; p++ {
		waitState(t, sb, fmt.Sprintf("c%d", p), "ENABLED")
	}
	sacPid := r.cmd.Process.Pid
	row.before(sacPid)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	bin := testexec.Bin(t, "pmadm")
	start := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i := 0; i < n; i++ {
		cmd := exec.CommandContext(ctx, bin, "-a", "-p", fmt.Sprintf("c%d", i%pms), "-s", fmt.Sprintf("s%d", i),
			"-i", "root", "-v", "1", "-m", fmt.Sprintf("entry %d", i))
		cmd.Env = sb.Env()
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out, err := cmd.CombinedOutput()
			mu.Lock()
			defer mu.Unlock()
			row.Iterations++
			if code := exitCode(err); code != 0 {
				row.Failures++
				t.Errorf("%q: exit %d: %s", cmd.Args[1:], code, out)
			}
		}()
	}
	close(start)
	wg.Wait()
	for p := 0; p < pms; p++ {
		data, err := os.ReadFile(sb.Path(fmt.Sprintf("/etc/saf/c%d/_pmtab", p)))
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, e := range pmtab.Parse(data) {
			if e.Err != nil || seen[e.Svc] || e.PMSpecific != "entry "+strings.TrimPrefix(e.Svc, "s") {
				row.Failures++
				t.Errorf("c%d: bad or duplicate entry %+v", p, e)
			}
			seen[e.Svc] = true
		}
		for i := p; i < n; i += pms {
			if !seen[fmt.Sprintf("s%d", i)] {
				row.Failures++
				t.Errorf("c%d: entry s%d lost", p, i)
			}
		}
	}
	for p := 0; p < pms; p++ {
		if st := states(t, sb)[fmt.Sprintf("c%d", p)]; st != "ENABLED" {
			row.Failures++
			t.Errorf("c%d is %s", p, st)
		}
	}
	row.FDsAfter = waitFlat(sacPid, row.FDsBefore, 5*time.Second)
	row.MemAfter = rssKiB(sacPid)
	row.Zombies = zombieCount(sacPid)
	if row.FDsAfter > row.FDsBefore {
		row.Failures++
		t.Errorf("sac's descriptors grew from %d to %d", row.FDsBefore, row.FDsAfter)
	}
}
