package adm

import (
	"context"
	"errors"
	"os"

	"github.com/linux-saf/saf/internal/errno"

	"github.com/linux-saf/saf/saf/exitcode"
	"github.com/linux-saf/saf/saf/sacmsg"
)

// Request sends one request to the running sac over the admin channel
// (docs/architecture.md#transport-and-access) and returns its reply.
// Transport failures carry these exit statuses: no channel or a failed
// write is 4, no or a short reply within the 10-second limit is 10.
func (c *Cmd) Request(typ byte, tag string) (sacmsg.AdmAck, []byte, error) {
	cmd := sacmsg.AdmCmd{Type: typ, Tag: tag, Pid: int32(os.Getpid())}
	ack, data, err := call(context.Background(), c.Root.CmdPipe(), cmd)
	switch {
	case err == nil:
		return ack, data, nil
	case errors.Is(err, sacmsg.ErrNoReply):
		return ack, nil, Fail(exitcode.SacNotRun, msgCannotContact+detailNoReply, c.Root.CmdPipe(), errno.Text(err))
	default:
		return ack, nil, Fail(exitcode.SysErr, msgCannotContact+detailNoChannel, c.Root.CmdPipe(), errno.Text(err))
	}
}

// call is the channel client; tests replace it.
var call = sacmsg.Call

// AckError maps a reply from sac to sacadm's message and exit status
// (docs/architecture.md#reply-mapping-in-sacadm); AKAck maps to nil.
func AckError(resp byte, tag string) error {
	switch resp {
	case sacmsg.AKAck:
		return nil
	case sacmsg.AKPMRun:
		return Fail(exitcode.PMRun, msgPMRunning, tag)
	case sacmsg.AKPMNotRun:
		return Fail(exitcode.PMNotRun, msgPMNotRunning, tag)
	case sacmsg.AKNoPM:
		return Fail(exitcode.NoExist, MsgDoesNotExist, tag)
	case sacmsg.AKUnknown:
		return FailMsg(exitcode.SafErr, msgSentInvalid)
	case sacmsg.AKNoContact:
		return Fail(exitcode.SafErr, msgCouldNotContact, tag)
	case sacmsg.AKPMLock:
		return Fail(exitcode.SafErr, msgPidLocked, tag)
	case sacmsg.AKRecover:
		return Fail(exitcode.Recover, msgInRecovery, tag)
	case sacmsg.AKReqFail:
		return FailMsg(exitcode.SafErr, msgRequestFailed)
	default:
		return Fail(exitcode.SafErr, msgUnknownResponse+detailResponseCode, resp)
	}
}

// Tell sends typ for tag and maps the outcome to sacadm's exit status and
// message (nil on success).
func (c *Cmd) Tell(typ byte, tag string) error {
	ack, _, err := c.Request(typ, tag)
	if err != nil {
		return err
	}
	return AckError(ack.Resp, tag)
}
