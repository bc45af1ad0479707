package sac

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/linux-saf/saf/saf/paths"
)

// The port monitors' environment is a clean base, not whatever sac
// inherited (env.go): a root shell's OLDPWD, HOME, SHELL or tokens must
// not reach services that run as ordinary users.
func TestPMEnviron(t *testing.T) {
	sandbox := paths.New("/tmp/sb")
	for _, tt := range []struct {
		name      string
		inherited []string
		sysconfig []string
		root      paths.Root
		want      []string
	}{
		{
			name:      "init's environment",
			inherited: []string{"PATH=/bin", "TZ=UTC", "LANG=C.UTF-8", "LANGUAGE=fr", "LC_ALL=C", "LC_TIME=POSIX"},
			want:      []string{"PATH=/bin", "TZ=UTC", "LANG=C.UTF-8", "LANGUAGE=fr", "LC_ALL=C", "LC_TIME=POSIX"},
		},
		{
			name: "a root shell's leftovers",
			inherited: []string{"OLDPWD=/root", "HOME=/root", "SHELL=/bin/zsh", "SECRET_TOKEN=x", "PATH=/root/bin:/bin",
				"LD_PRELOAD=/root/x.so", "USER=root", "TERM=xterm", "PWD=/root", "GOFLAGS=-x", "LCX=1", "XLC_A=1"},
			want: []string{"PATH=/root/bin:/bin"},
		},
		{
			name: "no PATH: init's default",
			want: []string{defaultPath},
		},
		{
			name:      "the framework's own settings",
			inherited: []string{"SAF_ROOT=/tmp/sb", "SAF_SERVICES=/tmp/services", "SAF_STRESS=1", "_SAF_X=1"},
			root:      sandbox,
			want:      []string{"SAF_ROOT=/tmp/sb", "SAF_SERVICES=/tmp/services", "SAF_STRESS=1", defaultPath},
		},
		{
			name:      "SAF_ROOT is sac's, not what came with it",
			inherited: []string{"PATH=/bin", "SAF_ROOT=/elsewhere"},
			sysconfig: []string{"SAF_ROOT=/other"},
			root:      sandbox,
			want:      []string{"PATH=/bin", "SAF_ROOT=/tmp/sb"},
		},
		{
			name:      "SAF_ROOT set in a sandbox sac was given otherwise",
			inherited: []string{"PATH=/bin"},
			root:      sandbox,
			want:      []string{"PATH=/bin", "SAF_ROOT=/tmp/sb"},
		},
		{
			name:      "no SAF_ROOT for the real root",
			inherited: []string{"SAF_ROOT=", "PATH=/bin", "TZ=UTC"},
			want:      []string{"PATH=/bin", "TZ=UTC"},
		},
		{
			name:      "_sysconfig assignments, in order, over the base",
			inherited: []string{"PATH=/bin", "LANG=C", "SHELL=/bin/zsh"},
			sysconfig: []string{"A=1", "LANG=de_DE.UTF-8", "SHELL=/bin/sh", "A=2", "EMPTY="},
			want:      []string{"PATH=/bin", "LANG=de_DE.UTF-8", "A=2", "SHELL=/bin/sh", "EMPTY="},
		},
		{
			name: "what only sac sets, whatever came with it",
			inherited: []string{"PATH=/bin", "NOTIFY_SOCKET=/run/systemd/notify", "LISTEN_PID=1", "LISTEN_FDS=2", "LISTEN_FDNAMES=a:b",
				envStartTag + "=x", envStartCmd + "=/bin/sh", envStartIState + "=enabled", envStartFDs + "=1"},
			sysconfig: []string{"NOTIFY_SOCKET=/x", "LISTEN_FDS=1", envStartCmd + "=/bin/sh", "B=1"},
			want:      []string{"PATH=/bin", "B=1"},
		},
		{
			name:      "malformed entries",
			inherited: []string{"PATH", "=x", "TZ=UTC"},
			want:      []string{"TZ=UTC", defaultPath},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := pmEnviron(tt.inherited, tt.sysconfig, tt.root)
			if !slices.Equal(got, tt.want) {
				t.Errorf("pmEnviron(%q, %q) =\n%q, want\n%q", tt.inherited, tt.sysconfig, got, tt.want)
			}
		})
	}
}

// _sysconfig's assignments reach sac itself (as in the original) and are
// recorded for the port monitors, even one with a value sac inherited.
func TestRecordingEnv(t *testing.T) {
	t.Setenv("SAF_TEST_INHERITED", "same")
	script := filepath.Join(t.TempDir(), "_sysconfig")
	body := "assign SAF_TEST_A=1\nassign SAF_TEST_INHERITED=same\nrun cd /\nassign SAF_TEST_A = 2\n"
	if err := os.WriteFile(script, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SAF_TEST_A", "") // restored after the test
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chdir(wd) })
	rec := &recordingEnv{Process: scriptEnv()}
	if line, err := runScript(script, rec); line != 0 || err != nil {
		t.Fatalf("runScript: line %d, %v", line, err)
	}
	want := []string{"SAF_TEST_A=1", "SAF_TEST_INHERITED=same", "SAF_TEST_A=2"}
	if !slices.Equal(rec.assigned, want) {
		t.Errorf("recorded %q, want %q", rec.assigned, want)
	}
	if v := os.Getenv("SAF_TEST_A"); v != "2" {
		t.Errorf("sac's own SAF_TEST_A = %q, want 2", v)
	}
}
