// Package sdnotify tells systemd about a service's state through the
// socket named by NOTIFY_SOCKET (sd_notify(3)): READY=1 once the service
// is up, RELOADING=1 and STOPPING=1 around a reload or a stop. Without
// NOTIFY_SOCKET every call is a no-op, so daemons call it unconditionally.
package sdnotify

import (
	"errors"
	"net"
	"os"
	"strings"
)

// EnvSocket names the socket systemd listens on.
const EnvSocket = "NOTIFY_SOCKET"

// Common states.
const (
	Ready     = "READY=1"
	Reloading = "RELOADING=1"
	Stopping  = "STOPPING=1"
)

// ErrNoSocket means NOTIFY_SOCKET is not set: not running under systemd.
var ErrNoSocket = errors.New("sdnotify: NOTIFY_SOCKET is not set")

// Notify sends the newline-separated assignments in state to the socket
// named by getenv(NOTIFY_SOCKET) ("@name" is an abstract socket). It
// returns ErrNoSocket when there is none.
func Notify(getenv func(string) string, state ...string) error {
	if getenv == nil {
		getenv = os.Getenv
	}
	path := getenv(EnvSocket)
	if path == "" {
		return ErrNoSocket
	}
	if path[0] == '@' {
		path = "\x00" + path[1:]
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.Write([]byte(strings.Join(state, "\n")))
	return err
}
