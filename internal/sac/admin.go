package sac

import (
	"context"

	"github.com/linux-saf/saf/saf/sacmsg"
	"golang.org/x/sys/unix"
)

type adminReq struct {
	cmd   sacmsg.AdmCmd
	reply chan adminReply
}

type adminReply struct {
	ack  sacmsg.AdmAck
	data []byte
}

// handleAdmin passes each admin request to the event loop, which owns
// every port monitor's state, and waits for its answer.
func (s *sac) handleAdmin(ctx context.Context) func(sacmsg.AdmCmd, sacmsg.Cred) (sacmsg.AdmAck, []byte) {
	return func(c sacmsg.AdmCmd, _ sacmsg.Cred) (sacmsg.AdmAck, []byte) {
		r := adminReq{cmd: c, reply: make(chan adminReply, 1)}
		select {
		case s.reqs <- r:
		case <-ctx.Done():
			return sacmsg.AdmAck{Resp: sacmsg.AKReqFail}, nil
		}
		select {
		case a := <-r.reply:
			return a.ack, a.data
		case <-ctx.Done():
			return sacmsg.AdmAck{Resp: sacmsg.AKReqFail}, nil
		}
	}
}

func ack(resp byte) sacmsg.AdmAck { return sacmsg.AdmAck{Resp: resp} }

// admin answers one request (docs/architecture.md#request-handling-in-sac).
func (s *sac) admin(c sacmsg.AdmCmd) (sacmsg.AdmAck, []byte) {
	switch c.Type {
	case sacmsg.ACStatus:
		return s.status()
	case sacmsg.ACSacRead:
		if err := s.readTable(true); err != nil {
			s.logf(msgKeepTable, err)
			return ack(sacmsg.AKReqFail), nil
		}
		return ack(sacmsg.AKAck), nil
	case sacmsg.ACStart, sacmsg.ACKill, sacmsg.ACKillForce, sacmsg.ACEnable, sacmsg.ACDisable, sacmsg.ACPMRead:
	default:
		s.logf(msgUnknownRequest, c.Tag)
		return ack(sacmsg.AKUnknown), nil
	}
	p := s.find(c.Tag)
	if p == nil {
		return ack(sacmsg.AKNoPM), nil
	}
	if p.sstate == sacmsg.Unknown {
		return ack(sacmsg.AKRecover), nil
	}
	notRunning := p.sstate == sacmsg.NotRunning || p.sstate == sacmsg.Failed || p.sstate == sacmsg.Stopping
	switch c.Type {
	case sacmsg.ACStart:
		if p.sstate != sacmsg.NotRunning && p.sstate != sacmsg.Failed {
			return ack(sacmsg.AKPMRun), nil
		}
		p.rscnt = 0
		switch s.startPM(p) {
		case 0:
			return ack(sacmsg.AKAck), nil
		case -1:
			return ack(sacmsg.AKPMLock), nil
		default:
			return ack(sacmsg.AKReqFail), nil
		}
	case sacmsg.ACKill, sacmsg.ACKillForce:
		if notRunning {
			return ack(sacmsg.AKPMNotRun), nil
		}
		// The sessions are the port monitor's children: collected
		// before it is told to stop, while they still are (sessions.go).
		var sessions []session
		if c.Type == sacmsg.ACKillForce {
			if pid, err := s.pmPid(p); err == nil {
				sessions = collectSessions(pid)
			}
		}
		if !s.sendSig(p, unix.SIGTERM) {
			s.logf(msgNoSIGTERM, p.tag)
			return ack(sacmsg.AKNoContact), nil
		}
		p.lstate, p.sstate, p.pstate = sacmsg.NotRunning, sacmsg.NotRunning, sacmsg.Stopping
		p.stopPolls = 0
		s.logf(msgTerminating, p.tag)
		if c.Type == sacmsg.ACKillForce {
			pids := make([]int, len(sessions))
			for i, ss := range sessions {
				pids[i] = ss.pid
			}
			s.logf(msgEndSessions, len(sessions), p.tag, pids)
			// Not in the event loop: the grace before SIGKILL would
			// hold up every other request and poll.
			go endSessions(p.tag, sessions, s.logf)
		}
		return ack(sacmsg.AKAck), nil
	case sacmsg.ACEnable, sacmsg.ACDisable:
		if notRunning {
			return ack(sacmsg.AKPMNotRun), nil
		}
		want, msg := sacmsg.Enabled, byte(sacmsg.SCEnable)
		if c.Type == sacmsg.ACDisable {
			want, msg = sacmsg.Disabled, sacmsg.SCDisable
		}
		if p.sstate != want {
			s.send(p, msg)
			p.sstate, p.lstate = want, want
		}
		return ack(sacmsg.AKAck), nil
	default: // ACPMRead
		if notRunning {
			return ack(sacmsg.AKPMNotRun), nil
		}
		s.send(p, sacmsg.SCReadDB)
		return ack(sacmsg.AKAck), nil
	}
}

// status is the AC_STATUS listing: every entry in tag order
// (docs/architecture.md#status-listing).
func (s *sac) status() (sacmsg.AdmAck, []byte) {
	var data []byte
	for _, p := range s.pms {
		var err error
		data, err = sacmsg.AppendStatus(data, sacmsg.StatusEntry{Tag: p.tag, Type: p.pmtype, Flags: int(p.flags),
			RCount: p.rsmax, State: p.pstate, Command: p.cmd, Comment: p.comment})
		if err != nil {
			s.logf(msgSendInfo, err)
			return ack(sacmsg.AKReqFail), nil
		}
	}
	return ack(sacmsg.AKAck), data
}
