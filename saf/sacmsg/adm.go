package sacmsg

import (
	"encoding/binary"
	"fmt"
)

// AdmCmd types (ac_mtype).
const (
	ACStart   = 1 // sacadm -s: start the port monitor
	ACKill    = 2 // sacadm -k: stop it
	ACEnable  = 3 // sacadm -e
	ACDisable = 4 // sacadm -d
	ACStatus  = 5 // sacadm -l/-L: list every port monitor (reply carries data)
	ACSacRead = 6 // sacadm -x: re-read _sactab
	ACPMRead  = 7 // sacadm -x -p, pmadm: tell the port monitor to re-read _pmtab

	// ACKillForce is an extension (sacadm -k --force): stop the port
	// monitor as ACKill does and also end the sessions it started. A sac
	// that does not know it answers AKUnknown.
	ACKillForce = 8
)

// AdmAck responses (ak_resp).
const (
	AKAck       = 0 // done
	AKPMRun     = 1 // the port monitor is already running
	AKPMNotRun  = 2 // the port monitor is not running
	AKNoPM      = 3 // no such port monitor
	AKUnknown   = 4 // unknown request
	AKNoContact = 5 // the port monitor could not be signalled
	AKPMLock    = 6 // could not start it: _pid is locked
	AKRecover   = 7 // the port monitor is in recovery
	AKReqFail   = 8 // the request failed; see sac's log
)

// AdmCmd is a request on the admin channel (struct admcmd).
//
// Type is not checked when parsing: sac answers unknown requests with
// AKUnknown.
type AdmCmd struct {
	Type byte   // ACStart .. ACKillForce
	Tag  string // port monitor tag; empty for ACStatus and ACSacRead
	Pid  int32  // sender's pid, echoed in the reply
}

// AppendMarshal appends the 20-byte wire form of c to b. It fails, and
// returns b unchanged, when Tag does not fit (ErrTagTooLong) or contains a
// NUL (ErrBadTag).
func (c AdmCmd) AppendMarshal(b []byte) ([]byte, error) {
	if err := checkTag("admcmd", c.Tag); err != nil {
		return b, err
	}
	b = append(b, c.Type)
	b = appendTag(b, c.Tag)
	return binary.LittleEndian.AppendUint32(b, uint32(c.Pid)), nil
}

// ParseAdmCmd decodes the admcmd at the front of b; bytes after the first
// AdmCmdSize are ignored. A tag field with no NUL is rejected with
// ErrTagTooLong.
func ParseAdmCmd(b []byte) (AdmCmd, error) {
	if len(b) < AdmCmdSize {
		return AdmCmd{}, shortError("admcmd", len(b), AdmCmdSize)
	}
	tag, err := parseTag("admcmd", b[1:1+tagField])
	if err != nil {
		return AdmCmd{}, err
	}
	return AdmCmd{
		Type: b[0],
		Tag:  tag,
		Pid:  int32(binary.LittleEndian.Uint32(b[16:20])),
	}, nil
}

// AdmAck is sac's reply on the admin channel (struct admack). Size bytes
// of data follow it; only an AKAck to ACStatus has any.
//
// Resp is not checked when parsing: sacadm reports unknown responses
// itself ("unknown response").
type AdmAck struct {
	Resp byte  // AKAck .. AKReqFail
	Pid  int32 // Pid of the request answered
	Size int64 // bytes of data that follow, 0 to MaxDataSize
}

// AppendMarshal appends the 16-byte wire form of a to b. It fails only
// when Size is negative or above MaxDataSize; b is then returned unchanged.
func (a AdmAck) AppendMarshal(b []byte) ([]byte, error) {
	if err := checkSize("admack", a.Size); err != nil {
		return b, err
	}
	b = append(b, a.Resp, 0, 0, 0)
	b = binary.LittleEndian.AppendUint32(b, uint32(a.Pid))
	return binary.LittleEndian.AppendUint64(b, uint64(a.Size)), nil
}

// ParseAdmAck decodes the admack at the front of b; bytes after the first
// AdmAckSize are ignored (they are the data). A negative size or one
// above MaxDataSize is rejected with ErrBadSize.
func ParseAdmAck(b []byte) (AdmAck, error) {
	if len(b) < AdmAckSize {
		return AdmAck{}, shortError("admack", len(b), AdmAckSize)
	}
	a := AdmAck{
		Resp: b[0],
		Pid:  int32(binary.LittleEndian.Uint32(b[4:8])),
		Size: int64(binary.LittleEndian.Uint64(b[8:16])),
	}
	if err := checkSize("admack", a.Size); err != nil {
		return AdmAck{}, err
	}
	return a, nil
}

// admCmdName returns the C name of request type t, for log lines.
func admCmdName(t byte) string {
	switch t {
	case ACStart:
		return "AC_START"
	case ACKill:
		return "AC_KILL"
	case ACEnable:
		return "AC_ENABLE"
	case ACDisable:
		return "AC_DISABLE"
	case ACStatus:
		return "AC_STATUS"
	case ACSacRead:
		return "AC_SACREAD"
	case ACPMRead:
		return "AC_PMREAD"
	case ACKillForce:
		return "AC_KILL_FORCE"
	}
	return fmt.Sprintf("request %d", t)
}
