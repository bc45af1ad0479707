//go:build linux

package doconfig

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// runExecHelper writes script to a file and runs it in the exec helper
// with mode (reap, noreap, fakeshell), reporting vars.
func runExecHelper(t *testing.T, mode, script string, extra []*os.File, vars ...string) execReport {
	t.Helper()
	path := filepath.Join(t.TempDir(), "script")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := helperCommand(t, "exec", append([]string{mode, path}, vars...)...)
	cmd.ExtraFiles = extra
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("exec helper: %v\n%s", err, stderr.Bytes())
	}
	var r execReport
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("exec helper output %q: %v", out, err)
	}
	return r
}

// realDir resolves symbolic links, for comparison with getcwd.
func realDir(t *testing.T, dir string) string {
	t.Helper()
	d, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func ptr(s string) *string { return &s }

// Process applies assign, cd, umask and ulimit to the process itself, and
// the shell of a later runwait sees them.
func TestProcessEffects(t *testing.T) {
	dir := realDir(t, t.TempDir())
	script := fmt.Sprintf(`assign SAF_T1=hello
assign SAF_T2 = "two words"
run cd %[1]s
runwait test "$SAF_T1" = hello && test "$SAF_T2" = "two words"
runwait test "$(pwd -P)" = '%[1]s'
runwait umask 027
runwait test "$(umask)" = 0027 || test "$(umask)" = 027
run ulimit 2048
`, dir)
	r := runExecHelper(t, "reap", script, nil, "SAF_T1", "SAF_T2", "SAF_UNSET")
	if r.Line != 0 {
		t.Fatalf("Run = %d, %s", r.Line, r.Err)
	}
	wantEnv := map[string]*string{"SAF_T1": ptr("hello"), "SAF_T2": ptr("two words")}
	if !reflect.DeepEqual(r.Env, wantEnv) {
		t.Errorf("environment %v, want %v", r.Env, wantEnv)
	}
	if r.Wd != dir {
		t.Errorf("cwd %q, want %q", r.Wd, dir)
	}
	if r.Umask != 0o27 {
		t.Errorf("umask %#o, want 027", r.Umask)
	}
	if r.FsizeCur != 2048*512 || r.FsizeMax != 2048*512 {
		t.Errorf("RLIMIT_FSIZE %d/%d, want %d for both", r.FsizeCur, r.FsizeMax, 2048*512)
	}
}

func TestProcessCd(t *testing.T) {
	home := filepath.Join(realDir(t, t.TempDir()), "my home")
	if err := os.Mkdir(home, 0o755); err != nil {
		t.Fatal(err)
	}
	r := runExecHelper(t, "reap", "assign HOME="+strings.ReplaceAll(home, " ", "\\ ")+"\n", nil)
	if r.Line != 1 {
		t.Errorf("assign of an unquoted value with a blank: line %d, want 1", r.Line)
	}
	r = runExecHelper(t, "reap", "assign HOME='"+home+"'\nrun cd\n", nil)
	if r.Line != 0 || r.Wd != home {
		t.Errorf("cd to $HOME: line %d (%s), cwd %q, want %q", r.Line, r.Err, r.Wd, home)
	}
	r = runExecHelper(t, "reap", "run cd "+home+"\n", nil)
	if r.Line != 0 || r.Wd != home {
		t.Errorf("cd with blanks: line %d (%s), cwd %q, want %q", r.Line, r.Err, r.Wd, home)
	}
	r = runExecHelper(t, "reap", "run cd "+home+"\nrun cd /nonexistent/doconfig\n", nil)
	if r.Line != 2 || r.Wd != home || !strings.Contains(r.Err, "no such file") {
		t.Errorf("failing cd: line %d (%s), cwd %q; want 2, unchanged %q", r.Line, r.Err, r.Wd, home)
	}
}

func TestProcessUlimitUnlimited(t *testing.T) {
	skipQemuMIPS64Rlimit(t)
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_FSIZE, &rl); err != nil {
		t.Fatal(err)
	}
	if rl.Max != unix.RLIM_INFINITY && os.Geteuid() != 0 {
		t.Skip("raising the hard file-size limit needs root")
	}
	r := runExecHelper(t, "reap", "run ulimit 99999999999999999999\n", nil)
	if r.Line != 0 || r.FsizeCur != unix.RLIM_INFINITY || r.FsizeMax != unix.RLIM_INFINITY {
		t.Errorf("line %d (%s), RLIMIT_FSIZE %d/%d; want unlimited", r.Line, r.Err, r.FsizeCur, r.FsizeMax)
	}
	r = runExecHelper(t, "reap", "run ulimit 18014398509481983\n", nil) // MaxInt64/512: still fits
	if want := uint64(18014398509481983 * 512); r.Line != 0 || r.FsizeCur != want {
		t.Errorf("line %d (%s), RLIMIT_FSIZE %d; want %d", r.Line, r.Err, r.FsizeCur, want)
	}
}

// runwait fails on a non-zero exit status or a signal; run never waits, so
// its status does not matter.
func TestProcessRunwait(t *testing.T) {
	tests := []struct {
		script   string
		line     int
		code     int
		signaled bool
	}{
		{"runwait exit 0\n", 0, -1, false},
		{"runwait true; true\n", 0, -1, false},
		{"runwait echo out; echo err >&2\n", 0, -1, false},
		{"runwait exit 3\n", 1, 3, false},
		{"runwait kill -9 $$\n", 1, -1, true},
		{"runwait /nonexistent/doconfig-prog\n", 1, 127, false},
		{"run exit 3\n", 0, -1, false},
		{"run kill -9 $$\n", 0, -1, false},
		{"assign V=x\nrunwait test \"$V\" = x\n", 0, -1, false},
		{"assign V=x\nrunwait test \"$V\" = y\nassign W=1\n", 2, 1, false},
		{"runwait read x || test -z \"$x\"\n", 0, -1, false}, // stdin is /dev/null: EOF at once
	}
	for _, tt := range tests {
		r := runExecHelper(t, "reap", tt.script, nil)
		if r.Line != tt.line || r.ExitCode != tt.code || r.Signaled != tt.signaled {
			t.Errorf("%q: line %d exit %d signaled %v (%s); want line %d exit %d signaled %v",
				tt.script, r.Line, r.ExitCode, r.Signaled, r.Err, tt.line, tt.code, tt.signaled)
		}
	}
}

// The shell gets argv sh -c TEXT, the interpreter's environment plus
// IFS=" " (replacing an inherited IFS), and exactly fds 0, 1 and 2, all on
// /dev/null: an inherited descriptor (fd 3 here) stays out.
func TestProcessShellSetup(t *testing.T) {
	useHelper("report")
	skipIndirectSelfExec(t) // Run execs the test binary as its shell
	report := filepath.Join(t.TempDir(), "report")
	inherited, err := os.Open("testdata/sample.script")
	if err != nil {
		t.Fatal(err)
	}
	defer inherited.Close()
	const text = `echo "$IFS"  'a  b'`
	script := fmt.Sprintf("assign %s=report\nassign %s=%s\nassign IFS=inherited\nrunwait %s\n", helperEnv, reportEnv, report, text)
	r := runExecHelper(t, "fakeshell", script, []*os.File{inherited})
	if r.Line != 0 {
		t.Fatalf("Run = %d, %s", r.Line, r.Err)
	}
	got := readShellReport(t, report)
	if want := []string{"sh", "-c", text}; !reflect.DeepEqual(got.Args, want) {
		t.Errorf("shell argv %q, want %q", got.Args, want)
	}
	if got.IFS == nil || *got.IFS != `" "` || got.IFSCount != 1 {
		t.Errorf("shell IFS %v (%d entries), want exactly one, the three characters \" \"", got.IFS, got.IFSCount)
	}
	checkStdioOnly(t, got.FDs)
}

// The same through the real /bin/sh: the command it runs inherits only
// 0, 1 and 2 on /dev/null, and the environment.
func TestProcessRealShellFDs(t *testing.T) {
	useHelper("report")
	skipIndirectSelfExec(t) // /bin/sh execs the test binary
	report := filepath.Join(t.TempDir(), "report")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	inherited, err := os.Open("testdata/sample.script")
	if err != nil {
		t.Fatal(err)
	}
	defer inherited.Close()
	script := fmt.Sprintf("assign %s=report\nassign %s=%s\nassign DOCONFIG_TEST_MARKER=real\nrunwait '%s'\n", helperEnv, reportEnv, report, exe)
	r := runExecHelper(t, "reap", script, []*os.File{inherited})
	if r.Line != 0 {
		t.Fatalf("Run = %d, %s", r.Line, r.Err)
	}
	got := readShellReport(t, report)
	if got.Marker != "real" {
		t.Errorf("assigned variable did not reach the command: %q", got.Marker)
	}
	checkStdioOnly(t, got.FDs)
}

func readShellReport(t *testing.T, path string) shellReport {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no report from the shell: %v", err)
	}
	var r shellReport
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("report %q: %v", b, err)
	}
	return r
}

func checkStdioOnly(t *testing.T, fds map[int]string) {
	t.Helper()
	want := map[int]string{0: os.DevNull, 1: os.DevNull, 2: os.DevNull}
	if !reflect.DeepEqual(fds, want) {
		t.Errorf("shell descriptors %v, want %v", fds, want)
	}
}

// run returns at once; with Reap a goroutine reaps the child, without it
// the zombie is left for the caller's reaper.
func TestProcessRunDoesNotWait(t *testing.T) {
	for _, mode := range []string{"reap", "noreap"} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			fifo := filepath.Join(dir, "fifo")
			if err := unix.Mkfifo(fifo, 0o600); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
			cmd := helperCommand(t, "runreap", mode, fifo, filepath.Join(dir, "pid"))
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("runreap %s: %v\n%s", mode, err, out)
			}
		})
	}
}

// openPTY opens a pty pair and returns the descriptors, skipping the test
// when /dev/ptmx is unusable.
func openPTY(t *testing.T) (master, slave int) {
	t.Helper()
	closeAtEnd := func(fd int, name string) {
		t.Cleanup(func() {
			if err := unix.Close(fd); err != nil {
				t.Errorf("close %s: %v", name, err)
			}
		})
	}
	m, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("/dev/ptmx unusable: %v", err)
	}
	closeAtEnd(m, "/dev/ptmx")
	if err := unix.IoctlSetPointerInt(m, unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlockpt: %v", err)
	}
	// IoctlGetUint32, not IoctlGetInt: the kernel writes a 32-bit int, which
	// would land in the high half of a 64-bit Go int on big-endian s390x.
	n, err := unix.IoctlGetUint32(m, unix.TIOCGPTN)
	if err != nil {
		t.Skipf("ptsname: %v", err)
	}
	name := fmt.Sprintf("/dev/pts/%d", n)
	s, err := unix.Open(name, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("open %s: %v", name, err)
	}
	closeAtEnd(s, name)
	return m, s
}

func lineDisc(t *testing.T, fd int) int {
	t.Helper()
	d, err := unix.IoctlGetUint32(fd, unix.TIOCGETD) // a 32-bit int (see openPTY)
	if err != nil {
		t.Fatal(err)
	}
	return int(int32(d))
}

func setDisc(t *testing.T, fd, d int) {
	t.Helper()
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSETD, d); err != nil {
		t.Fatalf("TIOCSETD %d: %v", d, err)
	}
}

// Module names on a real pty (docs/linux.md#line-disciplines): ldterm is
// N_TTY, ttcompat/ptem/pckt do nothing, other names fail before anything
// changes.
func TestProcessPushPopTTY(t *testing.T) {
	_, s := openPTY(t)
	p := NewProcess(s, TTY)
	steps := []struct {
		push []string // or pop arg
		pop  string
		err  error
	}{
		{push: []string{"ldterm", "ttcompat"}},
		{push: []string{"ptem"}},
		{push: []string{"pckt", "ldterm", "ttcompat"}},
		{push: []string{"bogus"}, err: ErrModule},
		{push: []string{"ldterm", "bogus"}, err: ErrModule},
		{push: []string{"timod"}, err: ErrModule},
		{push: []string{"LDTERM"}, err: ErrModule},
		{pop: ""},
		{pop: "ALL"},
		{pop: "ldterm"},
		{pop: "ttcompat"},
		{pop: "ptem"},
		{pop: "ppp", err: ErrNotPushed},
		{pop: "slip", err: ErrNotPushed},
		{pop: "bogus", err: ErrNotPushed},
		{pop: "all", err: ErrNotPushed},
	}
	for _, st := range steps {
		var err error
		what := "pop " + st.pop
		if st.push != nil {
			what = "push " + strings.Join(st.push, ",")
			err = p.Push(st.push)
		} else {
			err = p.Pop(st.pop)
		}
		if !errors.Is(err, st.err) || (err == nil) != (st.err == nil) {
			t.Errorf("%s: %v, want %v", what, err, st.err)
		}
		if d := lineDisc(t, s); d != 0 {
			t.Fatalf("%s: line discipline %d, want N_TTY", what, d)
		}
	}
}

// A discipline the kernel lacks fails cleanly and leaves N_TTY; one it
// has is set, and popped back to N_TTY.
func TestProcessPushDisciplines(t *testing.T) {
	_, s := openPTY(t)
	p := NewProcess(s, TTY)
	for _, tt := range []struct {
		name string
		disc int
	}{{"ppp", 3}, {"spppasyn", 3}, {"slip", 1}, {"hdlc", 13}} {
		err := p.Push([]string{tt.name})
		if err != nil {
			t.Logf("push %s: %v", tt.name, err)
			if !strings.Contains(err.Error(), tt.name) {
				t.Errorf("push %s: error %q does not name the module", tt.name, err)
			}
			if d := lineDisc(t, s); d != 0 {
				t.Errorf("failed push %s left line discipline %d, want N_TTY", tt.name, d)
			}
			continue
		}
		if d := lineDisc(t, s); d != tt.disc {
			t.Errorf("push %s: line discipline %d, want %d", tt.name, d, tt.disc)
		}
		if err := p.Pop(tt.name); err != nil || lineDisc(t, s) != tt.disc {
			t.Errorf("pop %s while on top: %v, discipline %d", tt.name, err, lineDisc(t, s))
		}
		if err := p.Pop(""); err != nil || lineDisc(t, s) != 0 {
			t.Errorf("pop: %v, discipline %d, want N_TTY", err, lineDisc(t, s))
		}
	}
}

// A failing push restores the discipline the line had before the
// statement; pop from a foreign discipline goes back to N_TTY.
func TestProcessPushUndo(t *testing.T) {
	_, s := openPTY(t)
	const nNull = 27 // N_NULL, a discipline outside the module table
	if err := unix.IoctlSetPointerInt(s, unix.TIOCSETD, nNull); err != nil {
		t.Skipf("N_NULL unavailable: %v", err)
	}
	missing := ""
	for _, c := range []struct {
		name string
		disc int
	}{{"ppp", 3}, {"slip", 1}, {"hdlc", 13}} {
		if err := unix.IoctlSetPointerInt(s, unix.TIOCSETD, c.disc); err != nil {
			missing = c.name
			break
		}
	}
	if missing == "" {
		t.Skip("the kernel has every discipline of the table: nothing fails")
	}
	p := NewProcess(s, TTY)

	setDisc(t, s, nNull)
	err := p.Push([]string{"ttcompat", "ldterm", missing})
	if err == nil || !strings.Contains(err.Error(), missing) {
		t.Fatalf("push ldterm,%s: %v, want a failure naming %s", missing, err, missing)
	}
	if d := lineDisc(t, s); d != nNull {
		t.Errorf("after the failed push: discipline %d, want %d restored", d, nNull)
	}

	if err := p.Pop("slip"); !errors.Is(err, ErrNotPushed) || lineDisc(t, s) != nNull {
		t.Errorf("pop slip on N_NULL: %v, discipline %d", err, lineDisc(t, s))
	}
	for _, arg := range []string{"", "ALL", "ldterm", "ttcompat"} {
		setDisc(t, s, nNull)
		if err := p.Pop(arg); err != nil || lineDisc(t, s) != 0 {
			t.Errorf("pop %q on N_NULL: %v, discipline %d, want N_TTY", arg, err, lineDisc(t, s))
		}
	}
	setDisc(t, s, nNull)
	if err := p.Push([]string{"ldterm"}); err != nil || lineDisc(t, s) != 0 {
		t.Errorf("push ldterm on N_NULL: %v, discipline %d, want N_TTY", err, lineDisc(t, s))
	}
}

// A per-service script on a line, through a Recorder that hands push and
// pop to a Process on the pty.
func TestScriptOnTTY(t *testing.T) {
	_, s := openPTY(t)
	rec := &Recorder{Streams: NewProcess(s, TTY)}
	line, err := execString(t, "push ldterm,ttcompat\npop ALL\npush ptem, ldterm\npop ldterm\npush ldterm,frob\nassign A=1\n", rec, 0)
	if line != 5 || !errors.Is(err, ErrModule) {
		t.Errorf("Exec = %d, %v; want line 5, ErrModule", line, err)
	}
	line, err = execString(t, "pop\npop\npop ALL\n", NewProcess(s, TTY), 0)
	if line != 0 {
		t.Errorf("Exec of pops = %d, %v", line, err)
	}
}

func TestProcessPushNotATTY(t *testing.T) {
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p := NewProcess(int(f.Fd()), TTY)
	for _, mods := range [][]string{{"ldterm"}, {"ttcompat"}} {
		if err := p.Push(mods); !errors.Is(err, syscall.ENOTTY) {
			t.Errorf("push %v on /dev/null: %v, want ENOTTY", mods, err)
		}
	}
	if err := p.Pop("ALL"); !errors.Is(err, syscall.ENOTTY) {
		t.Errorf("pop ALL on /dev/null: %v, want ENOTTY", err)
	}
}

// On a socket timod, tirdwr and sockmod do nothing, other names fail.
func TestProcessPushPopSocket(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	p := NewProcess(fds[0], Socket)
	for _, mods := range [][]string{{"timod"}, {"tirdwr", "sockmod"}, {"timod", "tirdwr"}} {
		if err := p.Push(mods); err != nil {
			t.Errorf("push %v: %v", mods, err)
		}
	}
	for _, mods := range [][]string{{"ldterm"}, {"timod", "ptem"}, {"TIMOD"}} {
		if err := p.Push(mods); !errors.Is(err, ErrModule) {
			t.Errorf("push %v: %v, want ErrModule", mods, err)
		}
	}
	for _, arg := range []string{"", "ALL", "timod", "tirdwr", "sockmod"} {
		if err := p.Pop(arg); err != nil {
			t.Errorf("pop %q: %v", arg, err)
		}
	}
	if err := p.Pop("ldterm"); !errors.Is(err, ErrNotPushed) {
		t.Errorf("pop ldterm: %v, want ErrNotPushed", err)
	}
	bad := NewProcess(1<<20, Socket) // surely not open
	if err := bad.Push([]string{"timod"}); !errors.Is(err, syscall.EBADF) {
		t.Errorf("push on a closed descriptor: %v, want EBADF", err)
	}
}

func TestProcessUnknownKind(t *testing.T) {
	p := &Process{FD: 0, Kind: StreamKind(7)}
	if err := p.Push([]string{"ldterm"}); !errors.Is(err, ErrNoStream) {
		t.Errorf("push with an unknown kind: %v", err)
	}
	if got := StreamKind(7).String(); got != "StreamKind(7)" {
		t.Errorf("String() = %q", got)
	}
	if p := NewProcess(-1, TTY); p.Kind != NoStream {
		t.Errorf("NewProcess(-1, TTY).Kind = %v, want NoStream", p.Kind)
	}
}
