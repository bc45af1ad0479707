package doconfig

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"syscall"

	"github.com/linux-saf/saf/internal/cloexec"
	"github.com/linux-saf/saf/saf/pmtab"
)

// StreamKind says what push and pop act on.
type StreamKind int

const (
	// NoStream: every push and pop fails, as on the original's fd -1
	// (sac's _sysconfig and _config scripts).
	NoStream StreamKind = iota
	// TTY: module names map onto the tty's line discipline
	// (docs/linux.md#line-disciplines).
	TTY
	// Socket: timod, tirdwr and sockmod are accepted without effect, any
	// other name fails.
	Socket
)

func (k StreamKind) String() string {
	switch k {
	case NoStream:
		return "no stream"
	case TTY:
		return "tty"
	case Socket:
		return "socket"
	}
	return fmt.Sprintf("StreamKind(%d)", int(k))
}

// Process is an Env that applies a script to the calling process, as the
// original interpreter did: os.Setenv, os.Chdir, umask(2), setrlimit(2),
// line-discipline ioctls on FD and /bin/sh children. Its effects are
// process-wide; use it in a process that owns them (sac itself, or a
// process about to exec a port monitor or a service).
//
// The zero Process has no stream (push and pop fail) and leaves run
// children to the caller's reaper.
type Process struct {
	// FD is the stream push and pop act on; ignored for NoStream.
	FD int
	// Kind selects the push/pop semantics for FD.
	Kind StreamKind
	// Reap makes a goroutine wait for each child started by run and
	// discard its status. Leave it false in a process that reaps all its
	// children with wait4(-1) (sac), which would race with that goroutine.
	Reap bool
}

// NewProcess returns a Process on fd with the given semantics. A negative
// fd means no stream, whatever kind says.
func NewProcess(fd int, kind StreamKind) *Process {
	if fd < 0 {
		kind = NoStream
	}
	return &Process{FD: fd, Kind: kind}
}

// Setenv sets name in the process environment.
func (p *Process) Setenv(name, value string) error { return os.Setenv(name, value) }

// Chdir changes the process's working directory; "" means $HOME.
func (p *Process) Chdir(dir string) error {
	if dir == "" {
		home, ok := os.LookupEnv("HOME")
		if !ok {
			return errors.New("cd: HOME not set")
		}
		dir = home
	}
	return os.Chdir(dir)
}

// Umask sets the process's umask to mask&0777.
func (p *Process) Umask(mask int) { setUmask(mask & 0o777) }

// Ulimit sets the process's file-size limit, soft and hard, to blocks*512
// bytes, or to unlimited when that does not fit, as glibc's
// ulimit(UL_SETFSIZE) does. Raising the hard limit needs CAP_SYS_RESOURCE.
func (p *Process) Ulimit(blocks int64) error {
	if blocks < 0 {
		return fmt.Errorf("ulimit %d: %w", blocks, syscall.EINVAL)
	}
	return setFileSizeLimit(blocks)
}

// Run starts /bin/sh -c command with the process's environment plus
// IFS=" " (see RunShell).
func (p *Process) Run(command string, wait bool) error {
	return RunShell(Command{Text: command, Wait: wait, Env: os.Environ()}, p.Reap)
}

// Push pushes modules onto FD.
//
// A Linux tty has exactly one line discipline where a STREAMS tty had a
// stack of modules. We treat it as a stack of at most one entry above a
// fixed base: N_TTY is the base and stands for ldterm and the modules that
// have no Linux meaning (ttcompat, ptem, pckt); any other discipline
// (N_PPP, N_SLIP, N_HDLC, or one set by someone else) is the one entry on
// top. So on a tty:
//
//   - push of ldterm sets N_TTY; of ttcompat, ptem or pckt does nothing;
//     of ppp, spppasyn, slip or hdlc sets that discipline, replacing the
//     top entry (the stack cannot grow); any other name fails before
//     anything changes. When setting a discipline fails (the kernel lacks
//     it: EINVAL), the discipline the line had before the statement is
//     restored, which stands for popping what the line pushed.
//   - pop (no name) and pop ALL set N_TTY: the top entry goes, the base
//     cannot go, so they succeed on a line already in N_TTY.
//   - pop of ldterm, ttcompat, ptem or pckt sets N_TTY (everything above
//     the base goes, the named module stays); pop of ppp, spppasyn, slip
//     or hdlc succeeds without change when that discipline is current and
//     fails otherwise (not on the stream), as does pop of any other name.
//
// On a socket, push accepts timod, tirdwr and sockmod and fails for any
// other name; pop succeeds for no name, ALL and those three names and
// fails for any other. Nothing changes on the socket. Either kind first
// checks that FD is open (and a tty, for TTY).
func (p *Process) Push(modules []string) error {
	switch p.kind() {
	case TTY:
		return pushTTY(p.FD, modules)
	case Socket:
		return pushSocket(p.FD, modules)
	}
	return p.noStream()
}

// Pop pops modules off FD; see Push for the Linux semantics.
func (p *Process) Pop(arg string) error {
	switch p.kind() {
	case TTY:
		return popTTY(p.FD, arg)
	case Socket:
		return popSocket(p.FD, arg)
	}
	return p.noStream()
}

func (p *Process) kind() StreamKind {
	if p.FD < 0 {
		return NoStream
	}
	return p.Kind
}

func (p *Process) noStream() error {
	if p.FD >= 0 && p.Kind != NoStream {
		return fmt.Errorf("%w: unknown stream kind %d", ErrNoStream, int(p.Kind))
	}
	return ErrNoStream
}

// ttyModule returns the Linux meaning of a module name (pmtab's table).
func ttyModule(name string) (pmtab.Module, bool) {
	if name == "" {
		return pmtab.Module{}, false
	}
	mods, err := pmtab.ParseModules(name)
	if err != nil || len(mods) != 1 || mods[0].Name != name {
		return pmtab.Module{}, false
	}
	return mods[0], true
}

func pushTTY(fd int, names []string) error {
	if len(names) == 0 {
		return fmt.Errorf("no module given: %w", ErrSyntax)
	}
	mods := make([]pmtab.Module, len(names))
	for i, name := range names {
		m, ok := ttyModule(name)
		if !ok {
			return fmt.Errorf("%s: %w on a Linux tty", name, ErrModule)
		}
		mods[i] = m
	}
	orig, err := getLineDisc(fd)
	if err != nil {
		return err
	}
	cur := orig
	for _, m := range mods {
		if m.NoOp || m.Disc == cur {
			continue
		}
		if err := setLineDisc(fd, m.Disc); err != nil {
			if cur != orig {
				// Undo this statement's pushes. The push error is the
				// one to report; a failing restore leaves the line in
				// cur, which TIOCGETD will show to the next statement.
				_ = setLineDisc(fd, orig)
			}
			return fmt.Errorf("%s: %w", m.Name, err)
		}
		cur = m.Disc
	}
	return nil
}

func popTTY(fd int, arg string) error {
	cur, err := getLineDisc(fd)
	if err != nil {
		return err
	}
	if arg != "" && arg != "ALL" {
		m, ok := ttyModule(arg)
		switch {
		case !ok:
			return fmt.Errorf("%s: %w", arg, ErrNotPushed)
		case !m.NoOp && m.Disc != pmtab.NTTY:
			// A discipline above the base: popping down to it leaves
			// it on top, so there is nothing to do when it is current.
			if m.Disc == cur {
				return nil
			}
			return fmt.Errorf("%s (line discipline is %v): %w", arg, cur, ErrNotPushed)
		}
		// ldterm or a module without Linux meaning: part of the base.
	}
	if cur == pmtab.NTTY {
		return nil
	}
	return setLineDisc(fd, pmtab.NTTY)
}

// socketModules are the TLI adapters a Linux socket needs no module for.
var socketModules = map[string]bool{"timod": true, "tirdwr": true, "sockmod": true}

func pushSocket(fd int, names []string) error {
	if len(names) == 0 {
		return fmt.Errorf("no module given: %w", ErrSyntax)
	}
	for _, name := range names {
		if !socketModules[name] {
			return fmt.Errorf("%s: %w on a Linux socket", name, ErrModule)
		}
	}
	return checkFD(fd)
}

func popSocket(fd int, arg string) error {
	if arg != "" && arg != "ALL" && !socketModules[arg] {
		return fmt.Errorf("%s: %w", arg, ErrNotPushed)
	}
	return checkFD(fd)
}

// Command is one run or runwait command.
type Command struct {
	Text string   // the whole argument, given to /bin/sh -c
	Wait bool     // runwait
	Env  []string // the interpreter's environment, "NAME=value"; IFS is added
	Dir  string   // working directory; "" for the caller's
}

// ifs is the environment entry the original adds for the shell: IFS set to
// the three characters quote, space, quote.
const ifs = `IFS=" "`

// RunShell runs c as /bin/sh -c c.Text, with c.Env plus IFS=" ", in c.Dir,
// with stdin, stdout and stderr on /dev/null and no other descriptor open.
// With c.Wait it waits and fails on a non-zero exit status or a signal
// (the error then wraps an *exec.ExitError). Otherwise it returns once the
// shell started; with reap a goroutine waits for it, without it the child
// is left for the caller's reaper.
//
// The descriptors the process inherited without close-on-exec are marked
// close-on-exec first, so they stay out of the shell (and out of every
// later exec; the process itself can still use them).
//
// WARNING: the shell runs with the caller's identity, root in sac and in a
// port monitor before its identity switch, so nothing but 0, 1 and 2 may
// reach it. Re-verify after any change with
// go test -run 'TestProcess(ShellSetup|RealShellFDs)' ./saf/doconfig/
func RunShell(c Command, reap bool) error {
	if err := cloexec.From(3); err != nil {
		return err
	}
	cmd := &exec.Cmd{
		Path: shellPath,
		Args: []string{"sh", "-c", c.Text},
		// The last of duplicate keys wins, so IFS replaces an inherited one.
		Env: append(slices.Clip(c.Env), ifs),
		Dir: c.Dir,
		// Stdin, Stdout and Stderr stay nil: os/exec opens /dev/null.
	}
	// The original reset SIGCHLD to its default around the fork and wait;
	// the Go runtime owns SIGCHLD, and os/exec waits for this one pid.
	if c.Wait {
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s -c %q: %w", shellPath, c.Text, err)
		}
		return nil
	}
	if err := cmd.Start(); err != nil {
		// Go cannot tell a failed fork from a failed exec of the shell;
		// the original's run failed only on the former.
		return fmt.Errorf("%s -c %q: %w", shellPath, c.Text, err)
	}
	if reap {
		go func() {
			// The status of a run child is discarded, as in the original.
			_ = cmd.Wait()
		}()
		return nil
	}
	// Leave the zombie to the caller's reaper; free only our handle.
	_ = cmd.Process.Release() // cannot fail for a started child
	return nil
}
