package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/linux-saf/saf/saf/paths"
	"github.com/linux-saf/saf/saf/pmproto"
	"github.com/linux-saf/saf/saf/sacmsg"
	"github.com/linux-saf/saf/saf/saflog"
	"github.com/spf13/pflag"
	"golang.org/x/sys/unix"
)

const prog = "testpm"

// knobs are the misbehaviours a test asks for (package doc).
type knobs struct {
	exitAfter     time.Duration
	exitCode      int
	crashAfter    time.Duration
	crash         string
	hangAfter     time.Duration
	hangAfterMsgs int
	state         int // -1: the real state
	unknown       bool
	replyDelay    time.Duration
	ignoreTerm    bool
	stopWait      time.Duration
	termExit      int
}

// parseKnobs reads the options from args, with defaults from the
// TESTPM_* variables; it returns the remaining arguments.
func parseKnobs(args []string, lookup func(string) (string, bool), stderr io.Writer) (knobs, []string, error) {
	fs := pflag.NewFlagSet(prog, pflag.ContinueOnError)
	fs.SetOutput(stderr)
	var k knobs
	var err error
	dur := func(p *time.Duration, name, env, usage string) {
		var def time.Duration
		if v, ok := lookup(env); ok && err == nil {
			if def, err = time.ParseDuration(v); err != nil {
				err = fmt.Errorf("%s=%q: %w", env, v, err)
			}
		}
		fs.DurationVar(p, name, def, usage)
	}
	num := func(p *int, name, env string, def int, usage string) {
		if v, ok := lookup(env); ok && err == nil {
			if def, err = strconv.Atoi(v); err != nil {
				err = fmt.Errorf("%s=%q: %w", env, v, err)
			}
		}
		fs.IntVar(p, name, def, usage)
	}
	flag := func(p *bool, name, env, usage string) {
		var def bool
		if v, ok := lookup(env); ok && err == nil {
			if def, err = strconv.ParseBool(v); err != nil {
				err = fmt.Errorf("%s=%q: %w", env, v, err)
			}
		}
		fs.BoolVar(p, name, def, usage)
	}
	dur(&k.exitAfter, "exit-after", "TESTPM_EXIT_AFTER", "exit after this long")
	num(&k.exitCode, "exit-code", "TESTPM_EXIT_CODE", 0, "exit status for --exit-after")
	dur(&k.crashAfter, "crash-after", "TESTPM_CRASH_AFTER", "crash after this long")
	crash := "panic"
	if v, ok := lookup("TESTPM_CRASH"); ok {
		crash = v
	}
	fs.StringVar(&k.crash, "crash", crash, "how to crash: panic or kill")
	dur(&k.hangAfter, "hang-after", "TESTPM_HANG_AFTER", "stop answering after this long")
	num(&k.hangAfterMsgs, "hang-after-msgs", "TESTPM_HANG_AFTER_MSGS", 0, "answer only this many messages")
	num(&k.state, "state", "TESTPM_STATE", -1, "report this pm_state in every reply")
	flag(&k.unknown, "unknown", "TESTPM_UNKNOWN", "reply PM_UNKNOWN to everything")
	dur(&k.replyDelay, "reply-delay", "TESTPM_REPLY_DELAY", "wait this long before each reply")
	flag(&k.ignoreTerm, "ignore-term", "TESTPM_IGNORE_TERM", "ignore SIGTERM")
	dur(&k.stopWait, "stop-wait", "TESTPM_STOP_WAIT", "on SIGTERM, wait this long to report STOPPING")
	num(&k.termExit, "term-exit", "TESTPM_TERM_EXIT", 0, "exit status after SIGTERM")
	if err != nil {
		return k, nil, err
	}
	if err := fs.Parse(args); err != nil {
		return k, nil, err
	}
	if k.crash != "panic" && k.crash != "kill" {
		return k, nil, fmt.Errorf("--crash %q: want panic or kill", k.crash)
	}
	if k.state > 255 {
		return k, nil, fmt.Errorf("--state %d: pm_state is one byte", k.state)
	}
	return k, fs.Args(), nil
}

// Main runs testpm and returns its exit status. Until the log is open,
// errors go to stderr (which is /dev/null under sac).
func Main(args []string, stderr io.Writer) int {
	// Before anything is opened: what did sac leave us?
	start := describeFDs()
	if err := pmproto.EnsureStdio(); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", prog, err)
		return 1
	}
	root := paths.FromEnv(os.Getenv)
	env, err := pmproto.ReadEnv(os.LookupEnv)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", prog, err)
		return 1
	}
	if err := os.MkdirAll(root.PMVarDir(env.Tag), 0o755); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", prog, err)
		return 1
	}
	log, err := saflog.Open(root.PMLog(env.Tag), 0o644, saflog.Options{})
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", prog, err)
		return 1
	}
	defer log.Close()
	istate, _ := os.LookupEnv(pmproto.EnvIState)
	cwd, _ := os.Getwd() // for the log only
	log.Printf("testpm starting pid %d", os.Getpid())
	log.Printf("fds at start: %s", start)
	log.Printf("cwd: %s", cwd)
	log.Printf("args: %q", args)
	log.Printf("PMTAG: %s", env.Tag)
	log.Printf("ISTATE: %s", istate)
	log.Printf("Starting state: %v", env.State)

	k, _, err := parseKnobs(args, os.LookupEnv, io.Discard)
	if err != nil {
		log.Printf("usage: %v", err)
		return 1
	}
	return run(root, env, k, log)
}

// describeFDs lists the descriptors this process inherited, and what
// they are: those without FD_CLOEXEC. Everything the Go runtime opens
// before main (since Go 1.25 it keeps cgroup files open to follow CPU
// limits) is close-on-exec, so it is left out.
func describeFDs() string {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return "unknown: " + err.Error()
	}
	var fds []int
	for _, e := range ents {
		if fd, err := strconv.Atoi(e.Name()); err == nil {
			fds = append(fds, fd)
		}
	}
	sort.Ints(fds)
	var b strings.Builder
	for _, fd := range fds {
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err != nil || flags&unix.FD_CLOEXEC != 0 {
			continue // the runtime's, or the directory ReadDir had open
		}
		l, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(fd))
		if err != nil {
			l = "?"
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%d=%s", fd, l)
	}
	return b.String()
}

// pm is the running port monitor and its misbehaviour state.
type pm struct {
	k   knobs
	log *saflog.Log
	p   *pmproto.PM

	msgs     atomic.Int64 // messages received
	hanging  atomic.Bool
	stopping atomic.Bool
	stopOnce sync.Once
	stopped  chan struct{} // closed once a STOPPING reply is written
}

func run(root paths.Root, env pmproto.Env, k knobs, log *saflog.Log) int {
	// Signals first (STYLE.md 11), buffered.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGTERM)
	defer signal.Stop(sigs)

	m := &pm{k: k, log: log, stopped: make(chan struct{})}
	p, err := pmproto.Open(pmproto.Config{
		Root:  root,
		Env:   env,
		Name:  prog,
		Logf:  log.Printf,
		Hooks: pmproto.Hooks{Received: m.received, OnReadDB: m.readDB, Filter: m.filter, Replied: m.replied},
	})
	if err != nil {
		log.Printf("%v", err)
		return 1
	}
	defer p.Close()
	m.p = p
	pmproto.UnsetEnv()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runErr := make(chan error, 1)
	go func() { runErr <- p.Run(ctx) }()

	exit := timer(k.exitAfter)
	crash := timer(k.crashAfter)
	hang := timer(k.hangAfter)
	for {
		select {
		case <-exit:
			log.Printf("exiting with status %d after %v", k.exitCode, k.exitAfter)
			return k.exitCode
		case <-crash:
			log.Printf("crashing (%s) after %v", k.crash, k.crashAfter)
			if k.crash == "kill" {
				// Ignored error: if the kill fails we fall through to the panic.
				_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
				time.Sleep(time.Second)
			}
			panic("testpm: crash requested")
		case <-hang:
			m.hanging.Store(true)
			log.Printf("hanging after %v", k.hangAfter)
		case <-sigs:
			log.Printf("caught SIGTERM")
			if k.ignoreTerm {
				log.Printf("ignoring SIGTERM")
				continue
			}
			m.stopping.Store(true)
			p.SetState(sacmsg.Stopping)
			log.Printf("state STOPPING")
			if k.stopWait > 0 {
				select {
				case <-m.stopped:
				case <-time.After(k.stopWait):
					log.Printf("no poll to report STOPPING within %v", k.stopWait)
				}
			}
			log.Printf("exiting with status %d", k.termExit)
			return k.termExit
		case err := <-runErr:
			log.Printf("%v", err)
			return 1
		}
	}
}

// timer returns a channel that fires once after d, or never for d <= 0.
func timer(d time.Duration) <-chan time.Time {
	if d <= 0 {
		return nil
	}
	return time.After(d)
}

func (m *pm) received(msg sacmsg.SacMsg) {
	m.msgs.Add(1)
	m.log.Printf("received %s (size %d)", scName(msg.Type), msg.Size)
}

func (m *pm) readDB() { m.log.Printf("re-reading _pmtab (nothing to do)") }

func (m *pm) filter(in sacmsg.SacMsg, out sacmsg.PMMsg) (sacmsg.PMMsg, bool) {
	if n := m.k.hangAfterMsgs; n > 0 && m.msgs.Load() > int64(n) && !m.hanging.Swap(true) {
		m.log.Printf("hanging after %d messages", n)
	}
	if m.hanging.Load() {
		m.log.Printf("not answering %s", scName(in.Type))
		return out, false
	}
	if m.k.replyDelay > 0 {
		time.Sleep(m.k.replyDelay)
	}
	if m.k.unknown {
		out.Type = sacmsg.PMUnknown
	}
	if m.k.state >= 0 {
		out.State = byte(m.k.state)
	}
	return out, true
}

func (m *pm) replied(_ sacmsg.SacMsg, out sacmsg.PMMsg, err error) {
	if err != nil {
		return // pmproto logged "sanity response to SAC failed"
	}
	m.log.Printf("replied %s state %v", pmName(out.Type), sacmsg.State(out.State))
	if m.stopping.Load() && out.State == sacmsg.PMStopping {
		m.stopOnce.Do(func() { close(m.stopped) })
	}
}

func scName(t byte) string {
	switch t {
	case sacmsg.SCStatus:
		return "SC_STATUS"
	case sacmsg.SCEnable:
		return "SC_ENABLE"
	case sacmsg.SCDisable:
		return "SC_DISABLE"
	case sacmsg.SCReadDB:
		return "SC_READDB"
	}
	return "type " + strconv.Itoa(int(t))
}

func pmName(t byte) string {
	switch t {
	case sacmsg.PMStatus:
		return "PM_STATUS"
	case sacmsg.PMUnknown:
		return "PM_UNKNOWN"
	}
	return "type " + strconv.Itoa(int(t))
}
