package doconfig

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// execString parses and executes a script on env.
func execString(t *testing.T, script string, env Env, rflag int) (int, error) {
	t.Helper()
	s, _ := Parse(strings.NewReader(script)) // Exec reports the parse error
	return s.Exec(env, rflag)
}

// fakeStreams records push and pop and succeeds.
type fakeStreams struct{ ops []string }

func (f *fakeStreams) Push(mods []string) error {
	f.ops = append(f.ops, "push "+strings.Join(mods, ","))
	return nil
}

func (f *fakeStreams) Pop(arg string) error {
	f.ops = append(f.ops, "pop "+arg)
	return nil
}

func TestExecStopsAtFirstFailingLine(t *testing.T) {
	tests := []struct {
		name   string
		script string
		line   int
		set    []string // variables set afterwards
		unset  []string
	}{
		{"all good", "assign A=1\n\nassign B=2\n", 0, []string{"A", "B"}, nil},
		{"failing statement", "assign A=1\nrun cd /nonexistent/doconfig\nassign B=2\n", 2, []string{"A"}, []string{"B"}},
		{"syntax error after good lines", "assign A=1\n# c\nassign B=2\nfrob\nassign C=3\n", 4, []string{"A", "B"}, []string{"C"}},
		{"syntax error first", "frob\nassign A=1\n", 1, nil, []string{"A"}},
		{"missing final newline", "assign A=1\nassign B=2", 2, []string{"A"}, []string{"B"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &Recorder{}
			line, err := execString(t, tt.script, rec, 0)
			if line != tt.line {
				t.Errorf("line %d (%v), want %d", line, err, tt.line)
			}
			if (err == nil) != (tt.line == 0) {
				t.Errorf("error %v for line %d", err, line)
			}
			var le *LineError
			if err != nil && (!errors.As(err, &le) || le.Line != line) {
				t.Errorf("error %v (%T): want a *LineError for line %d", err, err, line)
			}
			for _, v := range tt.set {
				if _, ok := rec.Getenv(v); !ok {
					t.Errorf("%s not set", v)
				}
			}
			for _, v := range tt.unset {
				if _, ok := rec.Getenv(v); ok {
					t.Errorf("%s set by a line after the failure", v)
				}
			}
		})
	}
}

// NoAssign and NoRun (built-ins included) fail their lines.
func TestExecRestrictions(t *testing.T) {
	tests := []struct {
		script string
		rflag  int
		line   int
	}{
		{"assign A=1\n", NoAssign, 1},
		{"# comment\nassign A=1\n", NoAssign, 2},
		{"assign A=1\n", NoRun, 0},
		{"run true\n", NoAssign, 0},
		{"run true\n", NoRun, 1},
		{"runwait true\n", NoRun, 1},
		{"run cd /\n", NoRun, 1},
		{"runwait cd /\n", NoRun, 1},
		{"run ulimit 10\n", NoRun, 1},
		{"run umask 022\n", NoRun, 1},
		{"runwait umask 022\n", NoRun, 1},
		{"assign A=1\nrun true\n", NoAssign | NoRun, 1},
		{"run true\nassign A=1\n", NoAssign | NoRun, 1},
		{"push ldterm\npop ALL\n", NoAssign | NoRun, 0}, // push and pop are never restricted
	}
	for _, tt := range tests {
		rec := &Recorder{Streams: &fakeStreams{}}
		line, err := execString(t, tt.script, rec, tt.rflag)
		if line != tt.line {
			t.Errorf("%q rflag %#x: line %d (%v), want %d", tt.script, tt.rflag, line, err, tt.line)
			continue
		}
		if line != 0 && !errors.Is(err, ErrRestricted) {
			t.Errorf("%q rflag %#x: error %v, want ErrRestricted", tt.script, tt.rflag, err)
		}
		if tt.line != 0 && (rec.UmaskSet || rec.UlimitSet || rec.Dir != "" || len(rec.Commands) != 0) {
			t.Errorf("%q rflag %#x: restricted statement had an effect: %+v", tt.script, tt.rflag, rec)
		}
	}
}

func TestRecorder(t *testing.T) {
	home := t.TempDir()
	sub := filepath.Join(home, "a b")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	rec := &Recorder{Environ: []string{"HOME=" + home, "A=old", "KEEP=1", "A=dup"}}
	var ran []Command
	rec.Runner = func(c Command) error {
		ran = append(ran, c)
		if c.Text == "fail" {
			return errors.New("runner failed")
		}
		return nil
	}
	script := `assign A=new
run echo one
run cd
runwait cd a b
assign B = 'x y'
runwait echo two
run umask 9
run ulimit 100
run ulimit 200
runwait fail
assign C=never
`
	line, err := execString(t, script, rec, 0)
	if line != 10 || err == nil || !strings.Contains(err.Error(), "runner failed") {
		t.Fatalf("Exec = %d, %v; want line 10 failing with the runner's error", line, err)
	}
	wantEnv := []string{"HOME=" + home, "A=new", "KEEP=1", "B=x y"}
	if !reflect.DeepEqual(rec.Environ, wantEnv) {
		t.Errorf("Environ = %q, want %q", rec.Environ, wantEnv)
	}
	if rec.Dir != sub {
		t.Errorf("Dir = %q, want %q", rec.Dir, sub)
	}
	if !rec.UmaskSet || rec.Mask != 0 {
		t.Errorf("umask 9: Mask %#o set %v, want 0 set", rec.Mask, rec.UmaskSet)
	}
	if !rec.UlimitSet || rec.Blocks != 200 {
		t.Errorf("Blocks %d set %v, want 200 set", rec.Blocks, rec.UlimitSet)
	}
	want := []Command{
		{Text: "echo one", Env: []string{"HOME=" + home, "A=new", "KEEP=1"}},
		{Text: "echo two", Wait: true, Env: wantEnv, Dir: sub},
		{Text: "fail", Wait: true, Env: wantEnv, Dir: sub},
	}
	if !reflect.DeepEqual(rec.Commands, want) {
		t.Errorf("Commands =\n%+v\nwant\n%+v", rec.Commands, want)
	}
	if !reflect.DeepEqual(ran, want) {
		t.Errorf("Runner saw\n%+v\nwant\n%+v", ran, want)
	}

	cmd := exec.Command("/bin/true")
	rec.Apply(cmd)
	if !reflect.DeepEqual(cmd.Env, wantEnv) || cmd.Dir != sub {
		t.Errorf("Apply: Env %q Dir %q", cmd.Env, cmd.Dir)
	}
	cmd.Env[0] = "changed"
	if rec.Environ[0] == "changed" {
		t.Error("Apply shares Environ with the command")
	}
}

func TestRecorderApplyEmpty(t *testing.T) {
	cmd := exec.Command("/bin/true")
	cmd.Dir = "/keep"
	(&Recorder{}).Apply(cmd)
	if cmd.Env == nil || len(cmd.Env) != 0 {
		t.Errorf("Apply of an empty environment: Env %#v, want empty and non-nil (nil would inherit)", cmd.Env)
	}
	if cmd.Dir != "/keep" {
		t.Errorf("Apply without cd changed Dir to %q", cmd.Dir)
	}
}

func TestRecorderChdir(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		environ []string
		start   string
		script  string
		dir     string // want, when the line succeeds
		errno   error  // want, when it fails
	}{
		{"absolute", nil, "", "run cd " + dir + "\n", dir, nil},
		{"relative to Dir", nil, dir, "run cd sub\n", dir + "/sub", nil},
		{"relative to the process", nil, "", "run cd testdata\n", "testdata", nil},
		{"home", []string{"HOME=" + dir}, "", "run cd\n", dir, nil},
		{"home unset", []string{"NOHOME=1"}, "", "run cd\n", "", nil},
		{"home empty", []string{"HOME="}, "", "run cd\n", "", syscall.ENOENT},
		{"missing", nil, "", "run cd " + dir + "/none\n", "", syscall.ENOENT},
		{"file", nil, "", "run cd " + file + "\n", "", syscall.ENOTDIR},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &Recorder{Environ: tt.environ, Dir: tt.start}
			line, err := execString(t, tt.script, rec, 0)
			if tt.dir != "" {
				if line != 0 || rec.Dir != tt.dir {
					t.Errorf("Exec = %d, %v; Dir %q, want %q", line, err, rec.Dir, tt.dir)
				}
				return
			}
			if line != 1 {
				t.Fatalf("Exec = %d, %v; want line 1 to fail", line, err)
			}
			if tt.errno != nil && !errors.Is(err, tt.errno) {
				t.Errorf("error %v, want %v", err, tt.errno)
			}
			if rec.Dir != tt.start {
				t.Errorf("failed cd changed Dir to %q", rec.Dir)
			}
		})
	}
}

func TestRecorderSetenvRejects(t *testing.T) {
	for _, name := range []string{"", "A=B", "A\x00"} {
		if err := (&Recorder{}).Setenv(name, "v"); !errors.Is(err, syscall.EINVAL) {
			t.Errorf("Setenv(%q) = %v, want EINVAL", name, err)
		}
	}
	if err := (&Recorder{}).Setenv("A", "v\x00"); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("Setenv with NUL in the value = %v, want EINVAL", err)
	}
}

// Push and pop without a stream fail, as on the original's fd -1; with
// Streams they are handed on.
func TestExecStreams(t *testing.T) {
	for _, env := range []Env{&Recorder{}, &Process{}, NewProcess(-1, TTY), NewProcess(-1, Socket)} {
		for _, script := range []string{"push ldterm\n", "pop\n", "pop ALL\n", "pop ldterm\n"} {
			line, err := execString(t, script, env, 0)
			if line != 1 || !errors.Is(err, ErrNoStream) {
				t.Errorf("%T %q: %d, %v; want line 1, ErrNoStream", env, script, line, err)
			}
		}
	}
	fs := &fakeStreams{}
	line, err := execString(t, "push a, b c\npop\npop ALL\npop x\n", &Recorder{Streams: fs}, 0)
	want := []string{"push a,b,c", "pop ", "pop ALL", "pop x"}
	if line != 0 || !slices.Equal(fs.ops, want) {
		t.Errorf("Exec = %d, %v; streams saw %q, want %q", line, err, fs.ops, want)
	}
}

func TestExecInvalidStmt(t *testing.T) {
	s := &Script{Stmts: []Stmt{{Line: 4}}}
	line, err := s.Exec(&Recorder{}, 0)
	if line != 4 || !errors.Is(err, ErrSyntax) {
		t.Errorf("Exec of a zero Stmt = %d, %v; want 4, ErrSyntax", line, err)
	}
}

func TestRunFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "sub dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	rec := &Recorder{Environ: []string{"PATH=/bin"}, Dir: dir}
	line, err := Run("testdata/sample.script", rec, 0)
	if line != 0 || err != nil {
		t.Fatalf("Run(sample) = %d, %v", line, err)
	}
	wantEnv := []string{"PATH=/usr/sbin:/usr/bin", "GREETING=hello world", "EMPTY="}
	if !reflect.DeepEqual(rec.Environ, wantEnv) {
		t.Errorf("Environ %q, want %q", rec.Environ, wantEnv)
	}
	if rec.Dir != dir+"/sub dir" || rec.Mask != 0o27 || rec.Blocks != 4096 {
		t.Errorf("Dir %q Mask %#o Blocks %d", rec.Dir, rec.Mask, rec.Blocks)
	}
	if len(rec.Commands) != 2 || rec.Commands[0].Text != `echo "$GREETING" >/dev/null` || !rec.Commands[0].Wait || rec.Commands[1].Wait {
		t.Errorf("Commands %+v", rec.Commands)
	}

	rec = &Recorder{}
	if line, err := Run("testdata/nonewline.script", rec, 0); line != 3 || !errors.Is(err, ErrSyntax) {
		t.Errorf("Run(nonewline) = %d, %v; want 3, ErrSyntax", line, err)
	}
	if _, ok := rec.Getenv("A"); !ok {
		t.Error("line 1 before the failing line had no effect")
	}

	rec = &Recorder{}
	if line, err := Run("testdata/badassign.script", rec, 0); line != 3 || !errors.Is(err, ErrSyntax) {
		t.Errorf("Run(badassign) = %d, %v; want 3, ErrSyntax", line, err)
	}
	if want := []string{"A=1", "B=2"}; !reflect.DeepEqual(rec.Environ, want) {
		t.Errorf("Environ %q, want %q", rec.Environ, want)
	}
}

// A missing script is success, one that cannot be opened or read is a
// system error (-1).
func TestRunSystemErrors(t *testing.T) {
	dir := t.TempDir()
	if line, err := Run(filepath.Join(dir, "none"), &Recorder{}, 0); line != 0 || err != nil {
		t.Errorf("Run(missing) = %d, %v; want 0, nil", line, err)
	}
	if line, err := Run(filepath.Join(dir, "none", "deeper"), &Recorder{}, 0); line != 0 || err != nil {
		t.Errorf("Run(missing dir) = %d, %v; want 0, nil", line, err)
	}

	// A directory opens but cannot be read.
	line, err := Run(dir, &Recorder{}, 0)
	var se *SystemError
	if line != -1 || !errors.As(err, &se) || !errors.Is(err, syscall.EISDIR) {
		t.Errorf("Run(directory) = %d, %v (%T); want -1, a *SystemError with EISDIR", line, err, err)
	}

	// A socket exists but cannot be opened (even by root).
	sock := filepath.Join(dir, "sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Skipf("unix socket: %v", err)
	}
	defer l.Close()
	line, err = Run(sock, &Recorder{}, 0)
	if line != -1 || !errors.As(err, &se) || !errors.Is(err, syscall.ENXIO) {
		t.Errorf("Run(socket) = %d, %v (%T); want -1, a *SystemError with ENXIO", line, err, err)
	}
	if !strings.Contains(err.Error(), sock) {
		t.Errorf("system error %q does not name the script", err)
	}
}
