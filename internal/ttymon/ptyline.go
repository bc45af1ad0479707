package ttymon

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"

	"github.com/linux-saf/saf/internal/termios"
	"golang.org/x/sys/unix"
)

// Pseudo-terminal lines.
//
// A port may name a pseudo-terminal slave (/dev/pts/N, or a link to
// one): for tests, or for a program that creates a pty, keeps its master
// side and hands the slave to ttymon as a line (a terminal server, an
// emulator's serial console). Unlike a serial line, a pty is not a fixed
// piece of hardware behind a fixed name. When its master side is closed
// the pty is gone for good, and the kernel hands the number N to the next
// program that asks for a pty: an ssh login, a terminal window, another
// user's. ttymon runs as root; if it opened /dev/pts/N again it would set
// that terminal's owner and mode, print a login prompt into it and read
// what its user types. So, for pty lines only:
//
//  1. ttymon keeps hold of the pty it uses (linePin: an O_PATH descriptor
//     of its devpts node, which pins the node without opening the
//     terminal, so the line still hangs up when ttymon closes it). Every
//     later open of the port checks, after the open, that the descriptor
//     is that same pty and that the pty still exists.
//  2. Once the port's own pty has gone (devpts drops its node's link
//     count to 0 when the master is closed), the port is given up, logged
//     once, until _pmtab is read again: nothing that later gets the
//     number can be the line the administrator configured.
//  3. A pty ttymon has not used before (at start-up, for a new entry,
//     after a re-read that revives a port) is taken only if it is owned
//     by root or by ttymon's own user (or by uucp for a b or c port, the
//     owner the original gave those lines): devpts makes a new pty its
//     creator's, and login programs (sshd, login, terminal emulators)
//     give it to their user, so a pty of another user is someone's
//     terminal. A pty meant as a line is made by root or by ttymon's user.
//  4. A pty that is the controlling terminal of another session is never
//     taken (a serial line only gets a warning then, as in the original,
//     except at start-up): on a pty that session is a user at a terminal.
//
// Identity is never judged by name: devpts reuses numbers, and the node
// of a new pty has the same device and inode numbers as the old one had.
// All changes of owner and mode are made through the open descriptor.

// isPty reports whether fd is open on a pseudo-terminal slave: a node of
// a devpts file system. A seam for tests, which use ptys as serial lines
// when a test is about serial-line behaviour.
var isPty = func(fd int) bool {
	var sf unix.Statfs_t
	if err := unix.Fstatfs(fd, &sf); err != nil {
		return false
	}
	return sf.Type == unix.DEVPTS_SUPER_MAGIC
}

// errPtyGone: the port's pseudo-terminal no longer exists, or its path
// now names another terminal.
var errPtyGone = errors.New(errTextPtyGone)

// errOtherLine: a line opened again by name is not the one that was
// open before.
var errOtherLine = errors.New(errTextOtherLine)

// linePin holds the devpts node of a pseudo-terminal line.
type linePin struct {
	fd       int // O_PATH
	dev, ino uint64
}

// pinLine pins the pty that fd is open on, by path. fd must be open
// meanwhile: while a descriptor of a pty is open its number cannot be
// handed out again, so the node at path with fd's device and inode
// numbers is that pty.
func pinLine(fd int, path string) (*linePin, error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, os.NewSyscallError("fstat", err)
	}
	if st.Nlink == 0 {
		return nil, errPtyGone
	}
	pfd, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	p := &linePin{fd: pfd, dev: uint64(st.Dev), ino: st.Ino}
	var pst unix.Stat_t
	if err := unix.Fstat(pfd, &pst); err != nil || pst.Dev != st.Dev || pst.Ino != st.Ino || pst.Nlink == 0 {
		p.close()
		return nil, errPtyGone
	}
	return p, nil
}

// alive reports whether the pinned pty still exists.
func (p *linePin) alive() bool {
	var st unix.Stat_t
	return unix.Fstat(p.fd, &st) == nil && st.Nlink > 0
}

// holds reports whether fd, opened by the port's path after the pin was
// taken, is open on the pinned pty. It must be asked after the open:
// that the pinned pty still exists then proves it existed during the
// whole open, so no other pty had its number and the path, if it led to
// that number, led to the pinned one.
func (p *linePin) holds(fd int) bool {
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil || uint64(st.Dev) != p.dev || st.Ino != p.ino {
		return false
	}
	return p.alive()
}

// close releases the pin; nil is allowed.
func (p *linePin) close() {
	if p != nil && p.fd >= 0 {
		unix.Close(p.fd) // O_PATH; nothing to report
		p.fd = -1
	}
}

// ptyRefusal says why a pseudo-terminal that ttymon has not used before,
// open on fd with status st, must not be taken (rule 3 of the comment
// above), or "" when it may be. owners are the acceptable owners besides
// root and ttymon's own user. self is ttymon's pid.
func ptyRefusal(st *unix.Stat_t, self int, owners ...int) string {
	if why := ptySession(st, self); why != "" {
		return why
	}
	return ptyOwner(st, owners...)
}

// ptyOwner says why the owner of the pseudo-terminal with status st
// makes it someone else's terminal, or "" when it is root, ttymon's own
// user or one of owners.
func ptyOwner(st *unix.Stat_t, owners ...int) string {
	if uid := int(st.Uid); uid != 0 && uid != os.Geteuid() && !slices.Contains(owners, uid) {
		return fmt.Sprintf(reasonPtyOwner, uid)
	}
	return ""
}

// ptySession says which other process has the pseudo-terminal with
// status st as its controlling terminal (rule 4), or "".
func ptySession(st *unix.Stat_t, self int) string {
	if pid := sessionOwner(uint64(st.Rdev), self); pid > 0 {
		return fmt.Sprintf(reasonPtySession, pid)
	}
	return ""
}

// errNotTerminal: a port's device name led to something that is not a
// terminal.
var errNotTerminal = errors.New(errTextNotTTY)

// isTTY reports whether fd, with status st, is open on a terminal:
// a character device that answers TCGETS.
func isTTY(fd int, st *unix.Stat_t) bool {
	if st.Mode&unix.S_IFMT != unix.S_IFCHR {
		return false
	}
	_, err := termios.Get(fd)
	return !errors.Is(err, unix.ENOTTY)
}

// lineRef is what a line was before it is opened again by name (by the
// per-port child, and in express mode): its device number and, for a
// pty, its pin.
type lineRef struct {
	rdev uint64
	pin  *linePin
}

// refLine takes the lineRef of the line open on fd, named path.
func refLine(fd int, path string) (*lineRef, error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, os.NewSyscallError("fstat", err)
	}
	if !isTTY(fd, &st) {
		return nil, errNotTerminal
	}
	r := &lineRef{rdev: uint64(st.Rdev)}
	if isPty(fd) {
		pin, err := pinLine(fd, path)
		if err != nil {
			return nil, err
		}
		r.pin = pin
	}
	return r, nil
}

// matches reports whether fd, opened by name after r was taken, is open
// on the same line: the same device, and for a pty the pinned one (the
// same device number is not enough there, see linePin.holds).
func (r *lineRef) matches(fd int) bool {
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFCHR || uint64(st.Rdev) != r.rdev {
		return false
	}
	return r.pin == nil || r.pin.holds(fd)
}

// close releases the pin; nil is allowed.
func (r *lineRef) close() {
	if r != nil {
		r.pin.close()
	}
}

// reopen opens the file that fd is open on once more, by descriptor
// rather than by name (through /proc/self/fd), so that it is the same
// device whatever the name now leads to.
func reopen(fd int, flags int) (int, error) {
	return unix.Open("/proc/self/fd/"+strconv.Itoa(fd), flags|unix.O_CLOEXEC, 0)
}
