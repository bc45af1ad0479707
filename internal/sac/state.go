package sac

import (
	"os"

	"github.com/linux-saf/saf/saf/sacmsg"
	"github.com/linux-saf/saf/saf/sactab"
)

// pm is sac's record of one port monitor
// (docs/architecture.md#port-monitor-states-in-sac).
type pm struct {
	tag, pmtype, cmd, comment string
	flags                     sactab.Flags
	rsmax                     int // RCNT: the restart budget
	rscnt                     int // restarts used since the last sacadm -s

	sstate sacmsg.State // what sac has been told to keep it in
	pstate sacmsg.State // what it last reported, or sac set itself; sacadm -l shows this
	lstate sacmsg.State // last administrative state: ENABLED, DISABLED or NOTRUNNING

	ok      bool     // answered since the last poll
	pid     int      // our child's pid; 0 when it is not our child (recovery) or not running
	pipe    *os.File // its _pmpipe, open read/write and non-blocking
	status  int      // last wait status
	maxcls  byte     // pm_maxclass of its last message (kept, unused, as the original)
	current bool     // seen in the _sactab pass being merged

	// killPending: sac sent SIGKILL after a failed poll and waits for the
	// death to restart it once (the original could restart and then count
	// the same death again).
	killPending bool
	// stopAt is when sacadm -k asked it to stop; a port monitor still
	// STOPPING one poll interval later gets SIGKILL.
	stopPolls int
}

// istate is the ISTATE a newly started port monitor gets.
func (p *pm) istate() string {
	if p.lstate == sacmsg.NotRunning {
		if p.flags&sactab.FlagD != 0 {
			return "disabled"
		}
		return "enabled"
	}
	if p.lstate == sacmsg.Disabled {
		return "disabled"
	}
	return "enabled"
}
