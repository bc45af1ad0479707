package sacmsg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/linux-saf/saf/internal/unixsock"
)

// ReplyTimeout is how long Call waits for sac's reply when its context has
// no deadline: sacadm's 10-second alarm.
const ReplyTimeout = 10 * time.Second

// aLongTimeAgo is a deadline in the past, to wake blocked I/O.
var aLongTimeAgo = time.Unix(1, 0)

// Call sends cmd to sac over the admin socket at sock and returns its
// reply and, for an AKAck with a size, the data that followed it. It is
// the client half of the admin socket: one connection per request.
//
// If cmd.Pid is 0, Call sends os.Getpid(), as sacadm does. The whole
// exchange, connecting included, is bounded by ctx; when ctx has no
// deadline, Call applies ReplyTimeout. Cancelling ctx interrupts it.
//
// Failures map onto sacadm's messages and exit statuses, testable with
// errors.Is:
//
//   - ErrNoContact: the socket cannot be connected to (missing, nobody
//     listening, no permission) or the request cannot be written.
//     sacadm: "Can not contact SAC", exit 4.
//   - ErrNoReply: the connection closed or the deadline passed before a
//     whole admack arrived, or the admack is malformed (ErrBadSize) or
//     answers another pid. The original skipped acks for other pids and
//     kept waiting; a connection carries exactly one reply, so a foreign
//     pid can only mean a confused server, and waiting longer cannot help.
//     sacadm: "Can not contact SAC", exit 10.
//   - ErrShortData: the admack announced more data than arrived before
//     the connection closed or the deadline passed. sacadm: "Can not
//     contact SAC", exit 4.
//
// Only an AKAck carries data, as in sacadm: for any other response the
// size is ignored and the data is nil. A tag that cannot be marshaled is
// returned as the AdmCmd.AppendMarshal error, before connecting.
func Call(ctx context.Context, sock string, cmd AdmCmd) (AdmAck, []byte, error) {
	if cmd.Pid == 0 {
		cmd.Pid = int32(os.Getpid())
	}
	req, err := cmd.AppendMarshal(make([]byte, 0, AdmCmdSize))
	if err != nil {
		return AdmAck{}, nil, err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, replyTimeout)
		defer cancel()
	}
	if err := unixsock.CheckPath("dial", sock); err != nil {
		return AdmAck{}, nil, fmt.Errorf("sacmsg: %w: %w", ErrNoContact, err)
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, "unix", sock)
	if err != nil {
		return AdmAck{}, nil, callError(ErrNoContact, sock, err)
	}
	// The reply has been read or abandoned by the time this runs, so a
	// close error has nothing left to report.
	defer nc.Close()
	deadline, _ := ctx.Deadline()
	if err := nc.SetDeadline(deadline); err != nil {
		return AdmAck{}, nil, callError(ErrNoContact, sock, err)
	}
	// Wake a blocked read or write when ctx is cancelled before its
	// deadline.
	stop := context.AfterFunc(ctx, func() {
		_ = nc.SetDeadline(aLongTimeAgo) // fails only if nc is closed: nothing left to wake
	})
	defer stop()

	if _, err := nc.Write(req); err != nil {
		return AdmAck{}, nil, callError(ErrNoContact, sock, err)
	}
	var hdr [AdmAckSize]byte
	if _, err := io.ReadFull(nc, hdr[:]); err != nil {
		return AdmAck{}, nil, callError(ErrNoReply, sock, err)
	}
	ack, err := ParseAdmAck(hdr[:])
	if err != nil {
		return AdmAck{}, nil, callError(ErrNoReply, sock, err)
	}
	if ack.Pid != cmd.Pid {
		return AdmAck{}, nil, callError(ErrNoReply, sock, fmt.Errorf("reply is for pid %d, not %d", ack.Pid, cmd.Pid))
	}
	if ack.Resp != AKAck || ack.Size == 0 {
		return ack, nil, nil
	}
	data := make([]byte, ack.Size) // ParseAdmAck capped Size at MaxDataSize
	if n, err := io.ReadFull(nc, data); err != nil {
		return AdmAck{}, nil, callError(ErrShortData, sock, fmt.Errorf("%d of %d bytes: %w", n, ack.Size, err))
	}
	return ack, data, nil
}

// callError wraps err in kind, naming sock unless err (a *net.OpError)
// already does.
func callError(kind error, sock string, err error) error {
	if _, ok := errors.AsType[*net.OpError](err); ok {
		return fmt.Errorf("sacmsg: %w: %w", kind, err)
	}
	return fmt.Errorf("sacmsg: %w: %s: %w", kind, sock, err)
}
