package main

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
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
	garbage       int
	fork          int
	childLife     time.Duration
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
	num(&k.garbage, "garbage", "TESTPM_GARBAGE", 0, "write this many garbage records to _sacpipe at start")
	num(&k.fork, "fork", "TESTPM_FORK", 0, "start this many children that outlive testpm")
	dur(&k.childLife, "child-life", "TESTPM_CHILD_LIFE", "how long --fork children live (default 5s)")
	if err != nil {
		return k, nil, err
	}
	if err := fs.Parse(args); err != nil {
		return k, nil, err
	}
	if k.crash != "panic" && k.crash != "kill" {
		return k, nil, fmt.Errorf("--crash %q: want panic or kill", k.crash)
	}
	if k.garbage < 0 || k.garbage > 10000 || k.fork < 0 || k.fork > 100 {
		return k, nil, fmt.Errorf("--garbage %d, --fork %d: out of range", k.garbage, k.fork)
	}
	if k.childLife <= 0 {
		k.childLife = 5 * time.Second
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
	// Signals first, buffered.
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
	if k.fork > 0 {
		forkChildren(k.fork, k.childLife, log)
	}
	if k.garbage > 0 {
		writeGarbage(root.SacPipe(), env.Tag, k.garbage, log)
	}

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

// forkChildren starts n children (sleep) in testpm's process group that
// outlive it by up to life; they are never waited for.
func forkChildren(n int, life time.Duration, log *saflog.Log) {
	secs := strconv.FormatFloat(life.Seconds(), 'f', 3, 64)
	var pids []int
	for i := 0; i < n; i++ {
		pid, err := syscall.ForkExec("/bin/sleep", []string{"sleep", secs}, &syscall.ProcAttr{Env: []string{}})
		if err != nil {
			log.Printf("fork: %v", err)
			continue
		}
		pids = append(pids, pid)
	}
	log.Printf("forked %d children for %v: %v", len(pids), life, pids)
}

// writeGarbage writes n records of garbage to _sacpipe, each in one write
// (at most PIPE_BUF, so it lands whole and other port monitors' replies
// are never torn): random bytes with an impossible size, headers with
// this port monitor's tag and an invalid type, headers announcing data
// followed by that much random data, and, last, a header announcing data
// that never comes. sac must skip all of it and keep its stream aligned:
// the replies of other port monitors must not be taken for the missing
// data.
func writeGarbage(path, tag string, n int, log *saflog.Log) {
	f, err := os.OpenFile(path, os.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		log.Printf("garbage: %v", err)
		return
	}
	defer f.Close()
	rnd := make([]byte, sacmsg.PMMsgSize+1024)
	sent := 0
	for i := 0; i < n; i++ {
		if _, err := crand.Read(rnd); err != nil {
			break
		}
		var b []byte
		kind := i % 3
		if i == n-1 {
			kind = 3 // last: nothing of ours follows it
		}
		switch kind {
		case 0: // noise; a size no header may carry, so sac skips nothing
			b = append([]byte(nil), rnd[:sacmsg.PMMsgSize]...)
			binary.LittleEndian.PutUint32(b[20:], uint32(sacmsg.MaxDataSize)+1+uint32(rnd[0]))
		case 1: // our tag, a type that is neither PM_STATUS nor PM_UNKNOWN
			typ := rnd[0]
			if typ == sacmsg.PMStatus || typ == sacmsg.PMUnknown {
				typ = 0
			}
			b, _ = sacmsg.PMMsg{Type: typ, State: rnd[1], MaxClass: 1, Tag: tag}.AppendMarshal(nil)
		case 2: // a header announcing data, and the data
			size := int(rnd[0]) * 4 % 1000
			b, _ = sacmsg.PMMsg{Type: 0, State: rnd[1], Tag: "garbage", Size: int32(size)}.AppendMarshal(nil)
			b = append(b, rnd[sacmsg.PMMsgSize:sacmsg.PMMsgSize+size]...)
		default: // a header announcing data that never comes
			b, _ = sacmsg.PMMsg{Type: 0, State: rnd[1], Tag: "garbage", Size: 240}.AppendMarshal(nil)
		}
		if _, err := f.Write(b); err != nil {
			log.Printf("garbage: %v", err)
			break
		}
		sent++
	}
	log.Printf("wrote %d garbage records to _sacpipe", sent)
}
