package sac

import (
	"errors"
	"os"
	"slices"
	"sort"
	"strconv"

	"github.com/linux-saf/saf/internal/errno"
	"github.com/linux-saf/saf/saf/admfile"
	"github.com/linux-saf/saf/saf/sacmsg"
	"github.com/linux-saf/saf/saf/sactab"
	"golang.org/x/sys/unix"
)

// readTable reads _sactab and merges it into the running table
// (docs/original.md#reading-sactab). At start-up (start false) nothing is
// started here; on a re-read new entries without the x flag are started.
//
// The original died on a corrupt or wrong-version _sactab even on a
// re-read ("sacadm -x" after a bad edit killed sac). A re-read failure
// here is logged and the running table kept: the caller reports it.
func (s *sac) readTable(start bool) error {
	path := s.root.SacTab()
	data, err := os.ReadFile(path)
	if err != nil {
		return fatal(exitNoSacTab, msgNoSacTab, path, errno.Text(err))
	}
	// As the original's check_version: no "# VERSION=" line at all is a
	// corrupt file, another number a wrong version.
	switch v, err := admfile.Version(data); {
	case err != nil:
		return fatal(exitCorrupt, msgSacTabCorrupt, path, err)
	case v != sactab.Version:
		return fatal(exitVersion, msgSacTabVersion, path, v, sactab.Version)
	}
	entries := sactab.Parse(data)
	for _, e := range entries {
		if e.Err != nil {
			return fatal(exitCorrupt, msgSacTabCorrupt, path, e.Err)
		}
	}
	for _, p := range s.pms {
		p.current = false
	}
	for i := range entries {
		e := &entries[i]
		for _, w := range e.Warnings {
			s.logf("%s", w)
		}
		for _, c := range e.BadFlags {
			s.logf(msgBadFlag, c)
		}
		p := s.find(e.Tag)
		switch {
		case p == nil:
			p = &pm{tag: e.Tag, pmtype: e.Type, cmd: e.Command, comment: e.Comment,
				flags: e.Flags, rsmax: e.RCount, current: true}
			s.insert(p)
			if start && p.flags&sactab.FlagX == 0 {
				s.startPM(p)
			}
		case p.current:
			s.logf(msgDuplicate, e.Tag)
		default:
			// Only the flags and the restart count change on a re-read;
			// type, command and comment stay until the entry is removed
			// and added again.
			p.flags, p.rsmax, p.current = e.Flags, e.RCount, true
		}
	}
	kept := s.pms[:0]
	for _, p := range s.pms {
		if p.current {
			kept = append(kept, p)
			continue
		}
		s.purge(p)
	}
	s.pms = kept
	return nil
}

// insert adds p in ascending tag order.
func (s *sac) insert(p *pm) {
	i := sort.Search(len(s.pms), func(i int) bool { return s.pms[i].tag >= p.tag })
	s.pms = append(s.pms, nil)
	copy(s.pms[i+1:], s.pms[i:])
	s.pms[i] = p
}

// purge forgets a port monitor removed from _sactab, stopping it first.
func (s *sac) purge(p *pm) {
	switch p.sstate {
	case sacmsg.Unknown, sacmsg.Enabled, sacmsg.Disabled, sacmsg.Starting:
		if s.sendSig(p, unix.SIGTERM) {
			s.logf(msgTerminating, p.tag)
		} else {
			s.logf(msgNoSIGTERM, p.tag)
		}
	}
	p.closePipe()
	// Its death, when reaped, belongs to nobody any more.
	p.pid = 0
}

// startAll starts the port monitors at sac's start-up. If any _pid file is
// locked, port monitors survived a previous sac: sac recovers those and
// starts nothing else.
func (s *sac) startAll() {
	// Each _pid is tested once, as the original does, which also logs
	// once for each one it cannot open.
	locked := make([]bool, len(s.pms))
	recovering := false
	for i, p := range s.pms {
		locked[i] = s.checkLock(p.tag) > 0
		recovering = recovering || locked[i]
	}
	if !recovering {
		for _, p := range s.pms {
			if p.flags&sactab.FlagX == 0 {
				s.startPM(p)
			}
		}
		return
	}
	for i, p := range s.pms {
		if !locked[i] {
			continue
		}
		p.sstate, p.pstate = sacmsg.Unknown, sacmsg.Unknown
		p.ok = true
		f, err := openPMPipe(s.root.PMPipe(p.tag))
		if err != nil {
			s.logf(msgRecoverPMPipe, p.tag, err)
			s.sendSig(p, unix.SIGTERM)
			p.ok = false
			continue
		}
		p.pipe = f
	}
	s.logf(msgRecovery)
}

// openPMPipe opens a port monitor's FIFO (openFIFO: only a FIFO, mode
// 0600).
func openPMPipe(path string) (*os.File, error) { return openFIFO(path) }

// startPM starts one port monitor
// (docs/original.md#starting-a-port-monitor). It returns 0 when started, -1
// when its _pid file is locked, -2 on any other failure.
func (s *sac) startPM(p *pm) int {
	if s.checkLock(p.tag) > 0 {
		s.logf(msgPidLocked, p.tag)
		return -1
	}
	pipePath := s.root.PMPipe(p.tag)
	if err := mkfifo(pipePath); err != nil {
		s.logf(msgMkPMPipe, p.tag, errnoOf(err), detail(err))
		return -2
	}
	f, err := openPMPipe(pipePath)
	if err != nil {
		s.logf(msgOpenPMPipe, p.tag, errnoOf(err), detail(err))
		return -2
	}
	pid, err := s.spawn(p)
	if err != nil {
		f.Close()
		s.logf(msgForkPM, p.tag, err)
		return -2
	}
	p.closePipe()
	p.pipe = f
	p.pid = pid
	p.pstate = sacmsg.Starting
	switch p.lstate {
	case sacmsg.Enabled, sacmsg.Disabled:
		p.sstate = p.lstate
	default:
		if p.flags&sactab.FlagD != 0 {
			p.sstate = sacmsg.Disabled
		} else {
			p.sstate = sacmsg.Enabled
		}
	}
	p.ok = true
	p.killPending = false
	p.stopPolls = 0
	return 0
}

func errnoOf(err error) int {
	var errno unix.Errno
	if errors.As(err, &errno) {
		return int(errno)
	}
	return 0
}

// detail is what follows "errno is 0" when err has no errno to tell (a
// file that is not a FIFO): ": " and the error.
func detail(err error) string {
	if errnoOf(err) != 0 {
		return ""
	}
	return ": " + err.Error()
}

// spawn starts the child that becomes the port monitor: sac itself,
// re-executed in start mode (Go cannot run code between fork and exec),
// in a new process group, with stdin, stdout and stderr on /dev/null.
func (s *sac) spawn(p *pm) (int, error) {
	null, err := os.Open(os.DevNull)
	if err != nil {
		return 0, err
	}
	defer null.Close()
	// Not sac's own environment: a clean one (env.go).
	if s.pmEnv == nil {
		s.pmEnv = pmEnviron(s.cfg.Environ, nil, s.root)
	}
	env := append(slices.Clone(s.pmEnv),
		envStartTag+"="+p.tag,
		envStartCmd+"="+p.cmd,
		envStartIState+"="+p.istate(),
	)
	files := []*os.File{null, null, null}
	if socks := s.cfg.Sockets[p.tag]; len(socks) > 0 {
		// On 3 and up, for the port monitor (activation.go).
		files = append(files, socks...)
		env = append(env, envStartFDs+"="+strconv.Itoa(len(socks)))
	}
	proc, err := os.StartProcess(s.cfg.Self, []string{"sac"}, &os.ProcAttr{
		Dir:   s.root.SafDir(),
		Env:   env,
		Files: files,
		Sys:   &unix.SysProcAttr{Setpgid: true},
	})
	if err != nil {
		return 0, err
	}
	pid := proc.Pid
	// The central reaper waits for it, not os.Process.
	_ = proc.Release()
	return pid, nil
}
