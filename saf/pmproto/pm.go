package pmproto

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/linux-saf/saf/internal/errno"

	"github.com/linux-saf/saf/saf/sacmsg"
	"github.com/linux-saf/saf/saf/saflog"
)

// MaxClass is the pm_maxclass every reply carries: only class 1 messages
// exist.
const MaxClass = 1

// ReplyTimeout bounds the write of one reply to _sacpipe. The write waits
// only when the pipe is full, that is when sac stopped reading some 2700
// replies ago; then the reply is given up and logged instead of hanging
// the port monitor.
const ReplyTimeout = 10 * time.Second

// Hooks are the owner's part in handling sac's messages. Every field is
// optional. They are called from the goroutine running Run, one message
// at a time, before the reply is written: a slow hook delays the reply,
// and sac counts a port monitor that has not answered by its next poll as
// hung, so long work belongs in another goroutine.
type Hooks struct {
	// Received sees every whole header first, whatever its type.
	Received func(m sacmsg.SacMsg)
	// OnEnable runs on SC_ENABLE; from is the state before it (the hook
	// can tell a real change from a repeated order). The state is
	// Enabled once it returns.
	OnEnable func(from sacmsg.State)
	// OnDisable runs on SC_DISABLE, like OnEnable.
	OnDisable func(from sacmsg.State)
	// OnReadDB runs on SC_READDB. It may only schedule the re-read of
	// _pmtab (the protocol allows deferring it); the reply carries the
	// current state either way.
	OnReadDB func()
	// Filter, when set, sees each reply before it is written and returns
	// the reply to write, or false to write none. It exists for test port
	// monitors that misbehave on purpose (wrong states, no answers);
	// a real port monitor leaves it nil, and then every header gets
	// exactly one reply.
	Filter func(in sacmsg.SacMsg, out sacmsg.PMMsg) (sacmsg.PMMsg, bool)
	// Replied sees each reply after the write, with the write's error.
	Replied func(in sacmsg.SacMsg, out sacmsg.PMMsg, err error)
}

// PM is a port monitor's connection to sac: its locked _pid, the two
// pipes and its state. Make one with Open.
type PM struct {
	tag   string
	hooks Hooks
	logf  saflog.Logf

	mu    sync.Mutex
	state sacmsg.State

	running atomic.Bool
	closed  atomic.Bool

	pid     *os.File // locked _pid; nil in tests that drive serve directly
	pidID   fileID
	pmpipe  *os.File // sac -> PM, O_RDWR
	sacpipe *os.File // PM -> sac, O_WRONLY
}

// Tag returns the port monitor's tag (PMTAG).
func (p *PM) Tag() string { return p.tag }

// State returns the state the next reply will carry.
func (p *PM) State() sacmsg.State {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state
}

// SetState records a change the port monitor made itself: Starting while
// it initialises, Stopping when it shuts down, Enabled or Disabled. It
// sends nothing: the next reply carries it (see the package doc for why).
// Stopping is final; any later SetState is ignored. SetState panics on a
// state a port monitor cannot report (anything but 1 to 4).
func (p *PM) SetState(s sacmsg.State) {
	if !reportable(s) {
		panic(fmt.Sprintf("pmproto: SetState(%v): a port monitor reports only STARTING, ENABLED, DISABLED or STOPPING", s))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state != sacmsg.Stopping {
		p.state = s
	}
}

// Run answers sac's messages until ctx is done (it then returns
// ctx.Err()), Close is called (ErrClosed) or reading _pmpipe fails. Only
// one Run may be active at a time.
func (p *PM) Run(ctx context.Context) error {
	if !p.running.CompareAndSwap(false, true) {
		return errors.New("pmproto: Run called while already running")
	}
	defer p.running.Store(false)
	if err := p.pmpipe.SetReadDeadline(time.Time{}); err != nil {
		return p.runErr(ctx, err)
	}
	// A deadline in the past wakes the blocked Read (the FIFO is served by
	// Go's poller, package doc).
	stop := context.AfterFunc(ctx, func() {
		_ = p.pmpipe.SetReadDeadline(time.Unix(1, 0)) // fails only if closed, which also ends the Read
	})
	defer stop()
	return p.runErr(ctx, p.serve(p.pmpipe, p.sacpipe))
}

func (p *PM) runErr(ctx context.Context, err error) error {
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case p.closed.Load():
		return ErrClosed
	}
	return fmt.Errorf("pmproto: reading %s: %w", p.pmpipe.Name(), err)
}

// Close releases the _pid lock and closes the pipes. A Run in progress
// returns ErrClosed.
func (p *PM) Close() error {
	if p.closed.Swap(true) {
		return nil
	}
	var errs []error
	if p.pmpipe != nil {
		errs = append(errs, p.pmpipe.Close())
	}
	if p.sacpipe != nil {
		errs = append(errs, p.sacpipe.Close())
	}
	if p.pid != nil {
		errs = append(errs, releasePid(p.pid, p.pidID))
	}
	return errors.Join(errs...)
}

// serve reads headers from r and answers each on w until a read fails.
func (p *PM) serve(r io.Reader, w io.Writer) error {
	var d decoder
	buf := make([]byte, 512)
	for {
		n, err := r.Read(buf)
		d.feed(buf[:n], func(m sacmsg.SacMsg, badSize bool) { p.handle(w, m, badSize) })
		if err != nil {
			return err
		}
	}
}

// decoder splits the byte stream from _pmpipe into headers and skips the
// data each one announces, however the stream is cut into reads.
type decoder struct {
	hdr  [sacmsg.SacMsgSize]byte
	n    int   // bytes of hdr filled
	skip int64 // data bytes still to discard
}

// feed consumes b and calls fn for every header completed. badSize means
// the size field is out of range, so no data is skipped for it.
func (d *decoder) feed(b []byte, fn func(m sacmsg.SacMsg, badSize bool)) {
	for len(b) > 0 {
		if d.skip > 0 {
			k := int(min(d.skip, int64(len(b))))
			b = b[k:]
			d.skip -= int64(k)
			continue
		}
		k := copy(d.hdr[d.n:], b)
		b = b[k:]
		d.n += k
		if d.n < len(d.hdr) {
			return
		}
		d.n = 0
		m, err := sacmsg.ParseSacMsg(d.hdr[:])
		bad := err != nil
		if bad {
			// Only ErrBadSize is possible with a whole header; keep the
			// type and the raw size for the log.
			m = sacmsg.SacMsg{Type: d.hdr[4], Size: int32(binary.LittleEndian.Uint32(d.hdr[0:4]))}
		} else {
			d.skip = int64(m.Size)
		}
		fn(m, bad)
	}
}

// handle acts on one message and writes its one reply.
func (p *PM) handle(w io.Writer, m sacmsg.SacMsg, badSize bool) {
	if p.hooks.Received != nil {
		p.hooks.Received(m)
	}
	if badSize {
		p.logf("message from SAC has a bad data size %d; no data skipped", m.Size)
	}
	typ := byte(sacmsg.PMStatus)
	switch m.Type {
	case sacmsg.SCStatus:
	case sacmsg.SCEnable:
		p.logf("Got SC_ENABLE message")
		p.order(sacmsg.Enabled, p.hooks.OnEnable)
	case sacmsg.SCDisable:
		p.logf("Got SC_DISABLE message")
		p.order(sacmsg.Disabled, p.hooks.OnDisable)
	case sacmsg.SCReadDB:
		p.logf("Got SC_READDB message")
		if p.hooks.OnReadDB != nil {
			p.hooks.OnReadDB()
		}
	default:
		p.logf("Got unknown message %d", m.Type)
		typ = sacmsg.PMUnknown
	}
	out := sacmsg.PMMsg{Type: typ, State: byte(p.State()), MaxClass: MaxClass, Tag: p.tag}
	if p.hooks.Filter != nil {
		var send bool
		if out, send = p.hooks.Filter(m, out); !send {
			return
		}
	}
	err := writeReply(w, out)
	if err != nil {
		p.logf("sanity response to SAC failed: %s", errno.Text(err))
	}
	if p.hooks.Replied != nil {
		p.hooks.Replied(m, out, err)
	}
}

// order carries out SC_ENABLE or SC_DISABLE: the hook, then the state,
// unless the port monitor is stopping.
func (p *PM) order(to sacmsg.State, hook func(from sacmsg.State)) {
	from := p.State()
	if from == sacmsg.Stopping {
		return
	}
	if hook != nil {
		hook(from)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state != sacmsg.Stopping { // SetState(Stopping) may have come meanwhile
		p.state = to
	}
}

// deadliner is what writeReply needs to bound a write; *os.File on a
// FIFO has it.
type deadliner interface{ SetWriteDeadline(time.Time) error }

// writeReply writes m with one write: 24 bytes are below PIPE_BUF, so
// the kernel writes all of them or none, and replies from different port
// monitors never interleave on the shared _sacpipe.
func writeReply(w io.Writer, m sacmsg.PMMsg) error {
	var a [sacmsg.PMMsgSize]byte
	b, err := m.AppendMarshal(a[:0])
	if err != nil {
		return err
	}
	if d, ok := w.(deadliner); ok {
		if err := d.SetWriteDeadline(time.Now().Add(replyTimeout)); err != nil {
			return err
		}
	}
	_, err = w.Write(b)
	return err
}
