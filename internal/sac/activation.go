package sac

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Socket activation through sac (docs/linux.md#socket-activation). systemd
// can bind the sockets of a listen port monitor and hand them to sac (a
// sac.socket unit next to sac.service). Each socket's FileDescriptorName=
// names the port monitor it is for. sac keeps the sockets, close-on-exec,
// for as long as it runs, and passes a port monitor its own on every start,
// as descriptors 3 and up with the sd_listen_fds(3) variables LISTEN_FDS,
// LISTEN_FDNAMES and LISTEN_PID (set in the start-up child right before the
// exec, so it is the port monitor's pid). listen then uses them instead of
// binding (internal/listen/activation.go), so a listen that sac restarts
// serves the same sockets, and connections that arrive while it is down
// wait in the queue. This is our extension: the original started port
// monitors with no descriptors at all, and still does so for every port
// monitor that has no sockets.

// Environment of sd_listen_fds(3).
const (
	envListenPID     = "LISTEN_PID"
	envListenFDs     = "LISTEN_FDS"
	envListenFDNames = "LISTEN_FDNAMES"
	listenFDsStart   = 3

	// envStartFDs tells the start-up child how many sockets sac put on
	// descriptors 3 and up.
	envStartFDs = "_SAF_SAC_START_FDS"
)

// maxActivationFDs bounds what we believe of LISTEN_FDS.
const maxActivationFDs = 1024

// takeSockets takes the sockets the service manager passed to this
// process (pid), by port monitor tag, and removes the variables from the
// environment so that nothing else sees them. Each descriptor is made
// close-on-exec: only spawn passes it on. notes are lines for sac's log.
func takeSockets(pid int) (socks map[string][]*os.File, notes []string) {
	pidText, ok1 := os.LookupEnv(envListenPID)
	nText, ok2 := os.LookupEnv(envListenFDs)
	names := strings.Split(os.Getenv(envListenFDNames), ":")
	for _, k := range []string{envListenPID, envListenFDs, envListenFDNames} {
		os.Unsetenv(k)
	}
	if !ok1 || !ok2 {
		return nil, nil
	}
	p, err1 := strconv.Atoi(pidText)
	n, err2 := strconv.Atoi(nText)
	if err1 != nil || err2 != nil || p != pid || n <= 0 || n > maxActivationFDs {
		return nil, nil
	}
	socks = map[string][]*os.File{}
	for i := 0; i < n; i++ {
		fd := listenFDsStart + i
		unix.CloseOnExec(fd)
		name := ""
		if i < len(names) {
			name = names[i]
		}
		if _, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE); err != nil {
			notes = append(notes, fmt.Sprintf(msgActNotSocket, fd))
			continue
		}
		// A name is only ever compared with the tags of _sactab.
		if name == "" || name == "unknown" {
			notes = append(notes, fmt.Sprintf(msgActNoName, fd))
			unix.Close(fd)
			continue
		}
		socks[name] = append(socks[name], os.NewFile(uintptr(fd), "activation:"+name))
	}
	tags := make([]string, 0, len(socks))
	for t := range socks {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	for _, t := range tags {
		notes = append(notes, fmt.Sprintf(msgActSockets, len(socks[t]), t))
	}
	return socks, notes
}

// passSockets, in the start-up child, prepares the n sockets sac put on
// descriptors 3 and up for the port monitor's exec: they stay open
// across it (closeAllOnExec marked them) and the sd_listen_fds(3)
// variables describe them, LISTEN_PID being this process, which the exec
// turns into the port monitor.
func passSockets(tag string, n int) error {
	for fd := listenFDsStart; fd < listenFDsStart+n; fd++ {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, 0); err != nil {
			return err
		}
	}
	names := make([]string, n)
	for i := range names {
		names[i] = tag
	}
	for k, v := range map[string]string{
		envListenFDs:     strconv.Itoa(n),
		envListenFDNames: strings.Join(names, ":"),
		envListenPID:     strconv.Itoa(os.Getpid()),
	} {
		if err := os.Setenv(k, v); err != nil {
			return err
		}
	}
	return nil
}
