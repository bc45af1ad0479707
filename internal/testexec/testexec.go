// Package testexec builds the project's programs once per test binary and
// makes SAF_ROOT sandboxes for end-to-end tests that run them.
package testexec

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

var (
	mu     sync.Mutex
	binDir string
	built  = map[string]error{}
)

// moduleRoot finds the directory holding go.mod, from this file's location.
func moduleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Bin returns the path of the program name (sacadm, pmadm, ...), built
// from ./cmd/<name> on first use into a temp directory that lives as long
// as the test binary.
func Bin(t testing.TB, name string) string {
	t.Helper()
	return build(t, "cmd/"+name, name)
}

// TestPM returns the path of internal/testpm, the test port monitor. It
// lives outside cmd/ so that make build never installs it.
func TestPM(t testing.TB) string {
	t.Helper()
	return build(t, "internal/testpm", "testpm")
}

// build builds the package at pkg (relative to the module root) once, as
// name in the shared temp directory.
func build(t testing.TB, pkg, name string) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if binDir == "" {
		d, err := os.MkdirTemp("", "saf-bin-")
		if err != nil {
			t.Fatal(err)
		}
		// Reachable by other users: tests run programs as nobody too.
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
		binDir = d
	}
	p := filepath.Join(binDir, name)
	err, done := built[pkg]
	if !done {
		args := []string{"build", "-o", p}
		if pkg == "cmd/nlsadmin" {
			// nlsadmin -i registers the listener by its installed path;
			// point it at the listen these tests build (a port monitor
			// command is not under SAF_ROOT).
			args = append(args, "-ldflags", "-X github.com/linux-saf/saf/internal/admin/nlsadmin.listenPath="+filepath.Join(binDir, "listen"))
		}
		cmd := exec.Command("go", append(args, "./"+pkg)...)
		cmd.Dir = moduleRoot()
		if out, e := cmd.CombinedOutput(); e != nil {
			err = fmt.Errorf("go build ./%s: %v\n%s", pkg, e, out)
		}
		built[pkg] = err
	}
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Cleanup removes the built programs; call it from TestMain after m.Run.
func Cleanup() {
	if binDir != "" {
		os.RemoveAll(binDir)
	}
}

// Sandbox is a SAF_ROOT tree in a temp directory.
type Sandbox struct {
	Root string
}

// NewSandbox makes a SAF_ROOT with /etc/saf holding a _sactab stamped
// version 1, and an empty /var/saf.
func NewSandbox(t testing.TB) *Sandbox {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{"etc/saf", "var/saf"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	s := &Sandbox{Root: root}
	s.WriteFile(t, "etc/saf/_sactab", "# VERSION=1\n")
	return s
}

// Path returns the sandbox path of a system path like "/etc/saf/_sactab".
func (s *Sandbox) Path(p string) string { return filepath.Join(s.Root, strings.TrimPrefix(p, "/")) }

// WriteFile writes a file inside the sandbox.
func (s *Sandbox) WriteFile(t testing.TB, rel, content string) {
	t.Helper()
	p := s.Path(rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Env returns the environment for a program run in the sandbox.
func (s *Sandbox) Env() []string {
	env := []string{"SAF_ROOT=" + s.Root}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SAF_ROOT=") {
			env = append(env, kv)
		}
	}
	return env
}

// Command returns a command that runs program name in the sandbox.
func (s *Sandbox) Command(t testing.TB, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(Bin(t, name), args...)
	cmd.Env = s.Env()
	return cmd
}

// RequireRoot skips the test unless it runs as root.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
}

// HelperMain is TestMain for a test binary that doubles as helper processes
// (docs/testing.md#sandboxes-and-built-programs): when the environment
// variable env names one of helpers, that helper runs with the command-line
// arguments and its result is the exit status; otherwise the tests run. A
// test starts a helper by running os.Args[0] with env set.
func HelperMain(m *testing.M, env string, helpers map[string]func(args []string) int) {
	name := os.Getenv(env)
	if name == "" {
		os.Exit(m.Run())
	}
	h, ok := helpers[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "unknown helper %q\n", name)
		os.Exit(2)
	}
	os.Exit(h(os.Args[1:]))
}
