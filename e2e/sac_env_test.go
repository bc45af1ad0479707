package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/linux-saf/saf/internal/testexec"
)

// A port monitor, and so every service it starts, gets a clean
// environment: what init would give sac (PATH, TZ, LANG, LC_*), the
// framework's SAF_ variables, what _sysconfig and _config assign, PMTAG
// and ISTATE. Whatever else the shell that started sac had (root's
// OLDPWD, HOME and SHELL, a token) stays with sac. Before, a service run
// as an ordinary user saw all of it.
func TestSacPortMonitorEnvironment(t *testing.T) {
	sb := testexec.NewSandbox(t)
	addTestPM(t, sb, "pm", "")
	sb.WriteFile(t, "etc/saf/_sysconfig", "assign SYSVAR=from-sysconfig\nassign LANG=C\nassign SHELL=/bin/from-sysconfig\n")
	sb.WriteFile(t, "etc/saf/pm/_config", "assign CFGVAR=from-config\nassign TZ=UTC\n")

	env := []string{
		"SAF_ROOT=" + sb.Root,
		"PATH=/usr/local/bin:/usr/bin:/bin",
		"TZ=Europe/Paris",
		"LANG=C.UTF-8",
		"LC_TIME=C",
		"SAF_SERVICES=/nonexistent/services",
		// What the shell that started sac had, and nothing of it for
		// the port monitors.
		"OLDPWD=/root",
		"HOME=/root",
		"SHELL=/bin/zsh",
		"SECRET_TOKEN=x",
		"LD_LIBRARY_PATH=/root/lib",
		"NOTIFY_SOCKET=/nonexistent/notify",
		"LISTEN_PID=1", "LISTEN_FDS=1", "LISTEN_FDNAMES=pm",
	}
	cmd := exec.Command(testexec.Bin(t, "sac"), "-t", "1")
	cmd.Env = env
	runSac(t, sb, cmd)
	waitState(t, sb, "pm", "ENABLED")

	// What sac handed the port monitor at its exec, read from the
	// kernel rather than from anything the port monitor says.
	pid := pmPid(sb, "pm")
	if pid == 0 {
		t.Fatal("the port monitor holds no _pid lock")
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	var names []string
	for _, kv := range strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00") {
		k, v, _ := strings.Cut(kv, "=")
		got[k] = v
		names = append(names, k)
	}
	sort.Strings(names)
	want := map[string]string{
		"SAF_ROOT":     sb.Root,
		"SAF_SERVICES": "/nonexistent/services",
		"PATH":         "/usr/local/bin:/usr/bin:/bin",
		"TZ":           "UTC", // _config over sac's
		"LANG":         "C",   // _sysconfig over sac's
		"LC_TIME":      "C",
		"SYSVAR":       "from-sysconfig",
		"SHELL":        "/bin/from-sysconfig", // assigned, so passed on
		"CFGVAR":       "from-config",
		"PMTAG":        "pm",
		"ISTATE":       "enabled",
	}
	wantNames := make([]string, 0, len(want))
	for k, v := range want {
		wantNames = append(wantNames, k)
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("port monitor's %s = %q (set: %v), want %q", k, g, ok, v)
		}
	}
	sort.Strings(wantNames)
	if !slices.Equal(names, wantNames) {
		t.Errorf("port monitor's environment has %v, want exactly %v:\n%s", names, wantNames, bytes.ReplaceAll(b, []byte{0}, []byte{'\n'}))
	}

	// A service of a listen port monitor under the same sac.
	t.Run("service", func(t *testing.T) {
		addListenPM(t, sb, "tcp", "tcp")
		waitState(t, sb, "tcp", "ENABLED")
		p := lport(t, "tcp4", "127.0.0.1")
		addSvc(t, sb, "tcp", "env", svcUser(t), nlsformat(t, sb, "-c", "/usr/bin/env", "-A", fmt.Sprintf("127.0.0.1:%d", p)))
		c := ldial(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", p))
		out := lreadAll(t, c)
		if !regexp.MustCompile(`(?m)^SYSVAR=from-sysconfig$`).MatchString(out) {
			t.Errorf("the service lacks what _sysconfig assigned:\n%s", out)
		}
		for _, bad := range []string{"OLDPWD=", "SHELL=/bin/zsh", "SECRET_TOKEN=", "LD_LIBRARY_PATH=", "NOTIFY_SOCKET=", "LISTEN_"} {
			if regexp.MustCompile(`(?m)^` + bad).MatchString(out) {
				t.Errorf("the service's environment holds %s from the shell that started sac:\n%s", bad, out)
			}
		}
	})
}
