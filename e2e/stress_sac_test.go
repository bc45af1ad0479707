package e2e

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/linux-saf/saf/internal/testexec"
)

// sacMisbehaver is one kind of misbehaving port monitor (internal/testpm
// options) and what sac logs each time it restarts it.
type sacMisbehaver struct {
	name          string
	args          string
	cycles, quick int
	budget        time.Duration
	reason        string // "has died" or "stopped responding to sanity polls"
	check         func(t *testing.T, sb *testexec.Sandbox, row *stressRow)
}

// stressSac runs sac with the misbehaving port monitor "bad", whose
// restart count is the number of cycles, beside a well-behaved "good"
// one. sac must restart "bad" exactly that many times and then mark it
// FAILED, never restart "good", stay up, reap every child, and keep its
// descriptors flat from the middle of the run to its end and its memory
// over the last quarter (before that the heap grows to its working size).
func stressSac(t *testing.T, k sacMisbehaver) {
	n := stressN(t, k.cycles, k.quick)
	deadline := stressBudget(k.budget, 30*time.Second)
	row := newRow(t, "sac: "+k.name)
	sb := testexec.NewSandbox(t)
	addTestPM(t, sb, "bad", k.args, "-n", strconv.Itoa(n))
	addTestPM(t, sb, "good", "")
	r := startSac(t, sb)
	pid := r.cmd.Process.Pid
	waitState(t, sb, "good", "ENABLED")
	row.before(pid)
	goodPid := pmPid(sb, "good")
	restarts := func() int { return strings.Count(sacLog(sb), "<bad> "+k.reason+" - trying to restart") }
	var fdsHalf, rssHalf, rss3q int
	for c := restarts(); ; c = restarts() {
		row.Iterations = c
		if c >= n/2 && fdsHalf == 0 {
			fdsHalf, rssHalf = fdCount(pid), rssKiB(pid)
		}
		if c >= 3*n/4 && rss3q == 0 {
			rss3q = rssKiB(pid)
		}
		if c >= n && states(t, sb)["bad"] == "FAILED" {
			break
		}
		if time.Now().After(deadline) {
			row.Failures++
			t.Fatalf("%d of %d restarts before the time limit", c, n)
		}
		if r.cmd.ProcessState != nil || fdCount(pid) == 0 {
			t.Fatalf("sac died after %d restarts", c)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The restart count holds: FAILED, and no restart after it.
	if stressing() {
		time.Sleep(1500 * time.Millisecond) // more than a sanity interval
	}
	if c := restarts(); c != n {
		row.Failures++
		t.Errorf("%d restarts, want exactly %d (-n %d)", c, n, n)
	}
	if !strings.Contains(sacLog(sb), "<bad> has FAILED") {
		row.Failures++
		t.Errorf("no \"<bad> has FAILED\" in the log")
	}
	if st := states(t, sb)["good"]; st != "ENABLED" || pmPid(sb, "good") != goodPid {
		row.Failures++
		t.Errorf("the well-behaved port monitor is %s, pid %d (was %d)", st, pmPid(sb, "good"), goodPid)
	}
	if c := strings.Count(sacLog(sb), "<good> has") + strings.Count(sacLog(sb), "<good> stopped"); c != 0 {
		row.Failures++
		t.Errorf("sac logged about the well-behaved port monitor %d times", c)
	}
	if k.check != nil {
		k.check(t, sb, row)
	}
	row.after(pid)
	row.Zombies = zombieCount(pid)
	t.Logf("after %d restarts: %d fds, %d KiB RSS; after %d: %d KiB; after %d: %d fds, %d KiB RSS; %d zombies",
		n/2, fdsHalf, rssHalf, 3*n/4, rss3q, n, row.FDsAfter, row.MemAfter, row.Zombies)
	if row.FDsAfter > fdsHalf {
		row.Failures++
		t.Errorf("descriptors grew from %d half way to %d at the end", fdsHalf, row.FDsAfter)
	}
	// The heap takes a few hundred restarts to reach its working size
	// (about 10 MB); from the last quarter on it must not grow.
	if row.MemAfter > rss3q+2*1024 {
		row.Failures++
		t.Errorf("RSS grew from %d KiB to %d KiB over the last quarter", rss3q, row.MemAfter)
	}
	if row.Zombies > 0 {
		row.Failures++
		t.Errorf("%d zombies", row.Zombies)
	}
}

// A port monitor that kills itself (SIGKILL) as soon as it starts.
func TestStressSacCrashRestart(t *testing.T) {
	stressSac(t, sacMisbehaver{
		name: "PM crashes at once", args: "--crash-after 1ms --crash kill",
		cycles: 1000, quick: 10, budget: 2 * time.Minute, reason: "has died",
	})
}

// A port monitor that never answers a poll: killed by sac a poll later.
func TestStressSacHangingPM(t *testing.T) {
	stressSac(t, sacMisbehaver{
		name: "PM never answers polls", args: "--hang-after 1ms",
		cycles: 20, budget: 90 * time.Second, reason: "stopped responding to sanity polls",
	})
}

// A port monitor that writes garbage to _sacpipe (noise, its own tag with
// invalid types, headers announcing data) and dies: sac skips it all,
// keeps the stream aligned (the good port monitor's replies still come
// through) and logs each.
func TestStressSacGarbagePM(t *testing.T) {
	start := time.Now()
	stressSac(t, sacMisbehaver{
		name: "PM writes garbage to _sacpipe", args: "--garbage 30 --exit-after 100ms --exit-code 3",
		cycles: 250, quick: 3, budget: 90 * time.Second, reason: "has died",
		check: func(t *testing.T, sb *testexec.Sandbox, row *stressRow) {
			log := sacLog(sb)
			if !strings.Contains(log, "port monitor <bad> sent an invalid message - ignoring it") ||
				!strings.Contains(log, "message from unknown process") {
				row.Failures++
				t.Errorf("sac did not log the garbage")
			}
			m := regexp.MustCompile(`wrote (\d+) garbage records`).FindAllStringSubmatch(pmLog(sb, "bad"), -1)
			sent := 0
			for _, x := range m {
				n, _ := strconv.Atoi(x[1])
				sent += n
			}
			if sent == 0 {
				row.Failures++
				t.Errorf("the port monitor wrote no garbage")
			}
			// Each kind of complaint at most once a second.
			lines := len(regexp.MustCompile(`(?m)(message from unknown process|sent an invalid message|reporting invalid state)`).FindAllString(log, -1))
			secs := int(time.Since(start)/time.Second) + 1
			t.Logf("%d garbage records in %d s: %d log lines", sent, secs, lines)
			if lines > 3*secs {
				row.Failures++
				t.Errorf("%d log lines for %d garbage records in %d s", lines, sent, secs)
			}
		},
	})
}

// A port monitor that starts children which outlive it, then dies.
func TestStressSacForkingPM(t *testing.T) {
	stressSac(t, sacMisbehaver{
		name: "PM leaves children behind", args: "--fork 3 --child-life 2s --exit-after 100ms --exit-code 3",
		cycles: 200, quick: 3, budget: 90 * time.Second, reason: "has died",
		check: func(t *testing.T, sb *testexec.Sandbox, row *stressRow) {
			if !strings.Contains(pmLog(sb, "bad"), "forked 3 children") {
				row.Failures++
				t.Errorf("the port monitor forked no children:\n%s", pmLog(sb, "bad"))
			}
		},
	})
}
