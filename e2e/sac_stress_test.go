package e2e

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/linux-saf/saf/internal/testexec"
)

// rssKiB reads a process's resident set size.
func rssKiB(pid int) int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}

// BenchmarkSacRestart measures the time from a port monitor's death
// (SIGKILL) to its successor holding its _pid lock:
//
//	go test -run '^$' -bench SacRestart ./e2e
func BenchmarkSacRestart(b *testing.B) {
	sb := testexec.NewSandbox(b)
	tpm := testexec.TestPM(b)
	if out, err := sb.Command(b, "sacadm", "-a", "-p", "bench", "-t", "testpm", "-c", tpm, "-v", "1",
		"-n", strconv.Itoa(b.N+10)).CombinedOutput(); err != nil {
		b.Fatalf("sacadm -a: %v %s", err, out)
	}
	cmd := sb.Command(b, "sac", "-t", "60")
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		if p := pmPid(sb, "bench"); p != 0 {
			syscall.Kill(p, syscall.SIGKILL)
		}
	}()
	waitPid := func(not int) int {
		deadline := time.Now().Add(10 * time.Second)
		for {
			if p := pmPid(sb, "bench"); p != 0 && p != not {
				return p
			}
			if time.Now().After(deadline) {
				b.Fatal("port monitor did not come back")
			}
			time.Sleep(100 * time.Microsecond)
		}
	}
	pid := waitPid(0)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		syscall.Kill(pid, syscall.SIGKILL)
		pid = waitPid(pid)
	}
}

// BenchmarkSacStart100 measures the time for sac to bring up 100 port
// monitors, from its start until every one holds its _pid lock:
//
//	go test -run '^$' -bench SacStart100 ./e2e
func BenchmarkSacStart100(b *testing.B) {
	const n = 100
	sb := testexec.NewSandbox(b)
	tpm := testexec.TestPM(b)
	for i := 0; i < n; i++ {
		if out, err := sb.Command(b, "sacadm", "-a", "-p", fmt.Sprintf("pm%d", i), "-t", "testpm", "-c", tpm, "-v", "1").CombinedOutput(); err != nil {
			b.Fatalf("sacadm -a: %v %s", err, out)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cmd := sb.Command(b, "sac", "-t", "60")
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		deadline := time.Now().Add(60 * time.Second)
		for j := 0; j < n; {
			if pmPid(sb, fmt.Sprintf("pm%d", j)) != 0 {
				j++
				continue
			}
			if time.Now().After(deadline) {
				b.Fatalf("pm%d not up", j)
			}
			time.Sleep(time.Millisecond)
		}
		b.StopTimer()
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		for j := 0; j < n; j++ {
			if p := pmPid(sb, fmt.Sprintf("pm%d", j)); p != 0 {
				syscall.Kill(p, syscall.SIGKILL)
			}
		}
		for j := 0; j < n; j++ {
			for pmPid(sb, fmt.Sprintf("pm%d", j)) != 0 {
				time.Sleep(time.Millisecond)
			}
		}
		os.Remove(sb.Path("/var/saf/_log"))
		b.StartTimer()
	}
}
