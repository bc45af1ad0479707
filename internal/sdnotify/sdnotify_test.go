package sdnotify

import (
	"errors"
	"net"
	"path/filepath"
	"testing"
	"time"
)

func TestNotify(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notify")
	ln, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	env := func(k string) string {
		if k == EnvSocket {
			return path
		}
		return ""
	}
	if err := Notify(env, Ready, "STATUS=3 port monitors"); err != nil {
		t.Fatal(err)
	}
	ln.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 256)
	n, _, err := ln.ReadFromUnix(buf)
	if err != nil || string(buf[:n]) != "READY=1\nSTATUS=3 port monitors" {
		t.Fatalf("got %q, %v", buf[:n], err)
	}
}

func TestNoSocket(t *testing.T) {
	if err := Notify(func(string) string { return "" }, Ready); !errors.Is(err, ErrNoSocket) {
		t.Fatalf("err = %v", err)
	}
}
