package doconfig

import (
	"fmt"
	"io"
	"os"
)

// The rflag bits. sac and ttymon pass neither; listen's pass-fd path passes
// both, nlps_server's NoAssign alone.
const (
	NoAssign = 0x1 // every assign fails
	NoRun    = 0x2 // every run and runwait fails, built-ins included
)

// Env is where a script's effects land. Exec calls one method per
// statement; an error fails the line. Process applies everything to the
// calling process, Recorder only records.
type Env interface {
	// Setenv sets an environment variable (assign).
	Setenv(name, value string) error
	// Chdir changes the working directory (run cd). "" means $HOME, and
	// fails when HOME is unset.
	Chdir(dir string) error
	// Umask sets the file-mode creation mask (run umask), already reduced
	// to 0..0777. It cannot fail.
	Umask(mask int)
	// Ulimit sets the file-size limit in 512-byte blocks (run ulimit); on
	// Linux RLIMIT_FSIZE = blocks*512 bytes.
	Ulimit(blocks int64) error
	// Push pushes modules in order; when one fails it undoes what the
	// call pushed. Without a stream (fd -1) it always fails.
	Push(modules []string) error
	// Pop pops: "" the top module, "ALL" every module, otherwise down to
	// the named module, which stays.
	Pop(arg string) error
	// Run runs command with /bin/sh -c (the environment plus IFS=" ",
	// only fds 0-2, all on /dev/null); wait is true for runwait, which
	// fails on a non-zero exit status or a signal.
	Run(command string, wait bool) error
}

// Streams is the part of an Env that acts on the stream; a Recorder hands
// push and pop to one (a *Process on the service's line, say).
type Streams interface {
	Push(modules []string) error
	Pop(arg string) error
}

// Exec carries out the script on env, with the restrictions of rflag
// (NoAssign, NoRun). It returns 0 and nil when every statement succeeded;
// the line number and a *LineError for the first failing statement, or for
// the line where parsing stopped; -1 and the *SystemError when parsing hit
// a read error. Statements after a failing one are not carried out; those
// before it keep their effects.
func (s *Script) Exec(env Env, rflag int) (line int, err error) {
	for i := range s.Stmts {
		if err := s.Stmts[i].apply(env, rflag); err != nil {
			return s.Stmts[i].Line, err
		}
	}
	return result(s.Err)
}

// result turns a parse stop into the interpreter's return values.
func result(err error) (int, error) {
	switch e := err.(type) {
	case nil:
		return 0, nil
	case *LineError:
		return e.Line, e
	default:
		return -1, err
	}
}

// Run is the original's doconfig(fd, path, rflag), with the stream and
// where effects land given by env. It reads and carries out the script one
// line at a time, as the original did, and returns 0 and nil for success
// or when path does not exist (stat fails); -1 and a *SystemError when the
// file exists but cannot be opened or read; N > 0 and a *LineError for the
// first failing line N.
func Run(path string, env Env, rflag int) (int, error) {
	if _, err := os.Stat(path); err != nil {
		return 0, nil // a missing script is nothing to do
	}
	f, err := os.Open(path)
	if err != nil {
		return -1, &SystemError{Err: err}
	}
	defer f.Close() // read-only: a close error cannot lose data
	sc := newScanner(f)
	for {
		st, err := sc.next()
		if err == io.EOF {
			return 0, nil
		}
		if err != nil {
			return result(err)
		}
		if err := st.apply(env, rflag); err != nil {
			return st.Line, err
		}
	}
}

// apply carries out one statement; a failure is a *LineError.
func (st *Stmt) apply(env Env, rflag int) error {
	var err error
	switch st.Op {
	case OpAssign:
		if rflag&NoAssign != 0 {
			return st.fail(ErrRestricted)
		}
		err = env.Setenv(st.Name, st.Value)
	case OpPush:
		err = env.Push(st.Modules)
	case OpPop:
		err = env.Pop(st.Arg)
	case OpRun, OpRunwait:
		if rflag&NoRun != 0 {
			return st.fail(ErrRestricted)
		}
		switch st.Builtin {
		case BuiltinCd:
			err = env.Chdir(st.Dir)
		case BuiltinUlimit:
			err = env.Ulimit(st.Blocks)
		case BuiltinUmask:
			env.Umask(st.Mask)
		default:
			err = env.Run(st.Arg, st.Op == OpRunwait)
		}
	default:
		err = fmt.Errorf("invalid statement %q: %w", st.String(), ErrSyntax)
	}
	if err != nil {
		return st.fail(err)
	}
	return nil
}

func (st *Stmt) fail(err error) *LineError {
	return &LineError{Line: st.Line, Reason: st.Op.String() + ": " + err.Error(), Err: err}
}

// Both Envs, checked at compile time on every platform.
var (
	_ Env     = (*Process)(nil)
	_ Env     = (*Recorder)(nil)
	_ Streams = (*Process)(nil)
)
