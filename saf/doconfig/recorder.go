package doconfig

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
)

// Recorder is an Env that records a script's effects instead of applying
// them to the calling process, for a port monitor that starts services
// with exec.Cmd (see "Applying a script to a service" in the package
// documentation). The zero Recorder starts from an empty environment, has
// no stream (push and pop fail) and only records commands.
type Recorder struct {
	// Environ is the environment, "NAME=value" as os.Environ gives it.
	// Set it to the environment the script starts from (a bare cd reads
	// HOME from it); assign replaces a variable in place (dropping later
	// duplicates) or appends it.
	Environ []string
	// Dir is the directory cd led to, "" until a cd. A relative cd is
	// taken from Dir, or from the calling process's directory while Dir
	// is "".
	Dir string
	// Mask is the mask of the last umask built-in, 0..0777; UmaskSet
	// says whether one ran.
	Mask     int
	UmaskSet bool
	// Blocks is the file-size limit of the last ulimit built-in in
	// 512-byte blocks; UlimitSet says whether one ran.
	Blocks    int64
	UlimitSet bool
	// Commands are the run and runwait shell commands in order, each with
	// the environment and directory it saw.
	Commands []Command
	// Streams, when set, carries out push and pop (NewProcess(fd, TTY) on
	// the service's line, say). When nil they fail, as on fd -1.
	Streams Streams
	// Runner, when set, runs each command after it is recorded, for
	// example func(c Command) error { return RunShell(c, true) }; its
	// error fails the line. When nil, commands are recorded only.
	Runner func(Command) error
}

// Getenv returns the value of name in r.Environ (the last one, as exec.Cmd
// would use).
func (r *Recorder) Getenv(name string) (string, bool) {
	for i := len(r.Environ) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(r.Environ[i], "="); ok && k == name {
			return v, true
		}
	}
	return "", false
}

// Setenv sets name in r.Environ. Like os.Setenv it refuses an empty name
// and names or values holding '=' (in the name) or NUL.
func (r *Recorder) Setenv(name, value string) error {
	if name == "" || strings.ContainsAny(name, "=\x00") || strings.ContainsRune(value, 0) {
		return fmt.Errorf("setenv %q: %w", name, syscall.EINVAL)
	}
	kv := name + "=" + value
	hasName := func(e string) bool {
		k, _, _ := strings.Cut(e, "=")
		return k == name
	}
	i := slices.IndexFunc(r.Environ, hasName)
	if i < 0 {
		r.Environ = append(r.Environ, kv)
		return nil
	}
	r.Environ[i] = kv
	tail := slices.DeleteFunc(r.Environ[i+1:], hasName) // later duplicates
	r.Environ = r.Environ[:i+1+len(tail)]
	return nil
}

// Chdir records a change of directory; "" means HOME from r.Environ. The
// directory must exist: a Stat (no change to the process) checks it, so
// a cd to a missing directory fails the line as it did in the original.
func (r *Recorder) Chdir(dir string) error {
	if dir == "" {
		home, ok := r.Getenv("HOME")
		if !ok {
			return errors.New("cd: HOME not set")
		}
		dir = home
	}
	target := dir
	if !strings.HasPrefix(dir, "/") && r.Dir != "" {
		// No filepath.Join: its lexical ".." would not match chdir(2)
		// through a symbolic link.
		target = strings.TrimSuffix(r.Dir, "/") + "/" + dir
	}
	fi, err := os.Stat(target)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return &fs.PathError{Op: "chdir", Path: target, Err: err}
	}
	if !fi.IsDir() {
		return &fs.PathError{Op: "chdir", Path: target, Err: syscall.ENOTDIR}
	}
	r.Dir = target
	return nil
}

// Umask records mask&0777.
func (r *Recorder) Umask(mask int) {
	r.Mask, r.UmaskSet = mask&0o777, true
}

// Ulimit records the file-size limit in 512-byte blocks.
func (r *Recorder) Ulimit(blocks int64) error {
	if blocks < 0 {
		return fmt.Errorf("ulimit %d: %w", blocks, syscall.EINVAL)
	}
	r.Blocks, r.UlimitSet = blocks, true
	return nil
}

// Push hands the modules to r.Streams, or fails without one.
func (r *Recorder) Push(modules []string) error {
	if r.Streams == nil {
		return ErrNoStream
	}
	return r.Streams.Push(modules)
}

// Pop hands arg to r.Streams, or fails without one.
func (r *Recorder) Pop(arg string) error {
	if r.Streams == nil {
		return ErrNoStream
	}
	return r.Streams.Pop(arg)
}

// Run records the command with a copy of the environment and the
// directory, then runs it with r.Runner if that is set.
func (r *Recorder) Run(command string, wait bool) error {
	c := Command{Text: command, Wait: wait, Env: slices.Clone(r.Environ), Dir: r.Dir}
	if c.Env == nil {
		c.Env = []string{} // an empty environment, not "inherit"
	}
	r.Commands = append(r.Commands, c)
	if r.Runner == nil {
		return nil
	}
	return r.Runner(c)
}

// Apply puts the recorded environment and directory on cmd: cmd.Env
// becomes a copy of r.Environ (empty, not inherited, when r.Environ is
// empty) and cmd.Dir becomes r.Dir when a cd ran. Umask and file-size
// limit cannot travel on an exec.Cmd; check UmaskSet and UlimitSet.
func (r *Recorder) Apply(cmd *exec.Cmd) {
	cmd.Env = append([]string{}, r.Environ...)
	if r.Dir != "" {
		cmd.Dir = r.Dir
	}
}
