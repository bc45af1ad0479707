package e2e

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The reliability suite (docs/testing.md#the-reliability-suite). Every
// scenario is a TestStress* test: under make stress (SAF_STRESS=1) it runs
// its full, bounded load; under plain go test it runs a few iterations when
// that takes about a second, and skips otherwise. Each records one row of the table make stress
// prints at the end, measured, never assumed: iterations done, those that
// failed, the descriptors and resident memory of the daemon under test
// before and after, and the zombies left behind.

// stressing reports whether the full loads run (make stress).
func stressing() bool { return os.Getenv("SAF_STRESS") != "" }

// stressN is full under make stress and quick otherwise; a quick of 0
// skips the test outside make stress.
func stressN(t *testing.T, full, quick int) int {
	t.Helper()
	if stressing() {
		return full
	}
	if quick == 0 {
		t.Skip("stress scenario: run with make stress (SAF_STRESS=1)")
	}
	return quick
}

// stressBudget bounds a scenario's loop in time as well as in count.
func stressBudget(full, quick time.Duration) time.Time {
	if stressing() {
		return time.Now().Add(full)
	}
	return time.Now().Add(quick)
}

// stressRow is one row of the table. Memory is in KiB (VmRSS); -1 marks
// a measurement that does not apply (no daemon).
type stressRow struct {
	Scenario            string
	Iterations          int
	Failures            int
	FDsBefore, FDsAfter int
	MemBefore, MemAfter int
	Zombies             int
}

var tableMu sync.Mutex

// newRow returns the scenario's row, written when the test ends: to the
// file $SAF_STRESS_TABLE names (make stress prints it), and to the test
// log. A test that failed without counting a failure counts one.
func newRow(t *testing.T, scenario string) *stressRow {
	r := &stressRow{Scenario: scenario, FDsBefore: -1, FDsAfter: -1, MemBefore: -1, MemAfter: -1}
	t.Cleanup(func() {
		if t.Skipped() {
			return
		}
		if t.Failed() && r.Failures == 0 {
			r.Failures = 1
		}
		line := r.tsv()
		t.Logf("stress row: %s", strings.ReplaceAll(line, "\t", " | "))
		path := os.Getenv("SAF_STRESS_TABLE")
		if path == "" {
			return
		}
		tableMu.Lock()
		defer tableMu.Unlock()
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			t.Errorf("stress table: %v", err)
			return
		}
		defer f.Close()
		if _, err := f.WriteString(line + "\n"); err != nil {
			t.Errorf("stress table: %v", err)
		}
	})
	return r
}

// before and after measure pid into the row.
func (r *stressRow) before(pid int) { r.FDsBefore, r.MemBefore = fdCount(pid), rssKiB(pid) }
func (r *stressRow) after(pid int)  { r.FDsAfter, r.MemAfter = fdCount(pid), rssKiB(pid) }

func (r *stressRow) tsv() string {
	n := func(v int) string {
		if v < 0 {
			return "-"
		}
		return strconv.Itoa(v)
	}
	return strings.Join([]string{r.Scenario, n(r.Iterations), n(r.Failures), n(r.FDsBefore), n(r.FDsAfter),
		n(r.MemBefore), n(r.MemAfter), n(r.Zombies)}, "\t")
}

// zombieCount counts pid's children that are zombies.
func zombieCount(pid int) int { return len(zombies(pid)) }

// cpuTicks returns a process's user+system time in clock ticks
// (/proc/<pid>/stat fields 14 and 15; USER_HZ is 100 on Linux).
func cpuTicks(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	// f[0] is field 3 (state): utime is field 14, stime 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %q", pid, s)
	}
	u, _ := strconv.Atoi(f[11])
	st, _ := strconv.Atoi(f[12])
	return u + st, nil
}

// waitFlat waits up to d for pid's descriptor count to come back to at
// most want (closing is asynchronous: children exit, peers go).
func waitFlat(pid, want int, d time.Duration) int {
	deadline := time.Now().Add(d)
	n := fdCount(pid)
	for n > want && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		n = fdCount(pid)
	}
	return n
}
