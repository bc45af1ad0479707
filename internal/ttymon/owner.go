package ttymon

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// Ownership of bidirectional and connect-on-carrier lines.
//
// A distribution gives its serial lines to the users allowed to dial out
// (Debian: root, group dialout, mode 0660), and cu, picocom and minicom
// open them as those users. The original made a b or c line uucp's,
// group tty, mode 0620, whenever it opened it, which shuts them out. So
// here a b or c line keeps, while it is idle (waiting for a caller, or
// yielded to a dial-out program), the owner, group and mode it had before
// ttymon touched it. The per-port child makes it root's, group tty, mode
// 0620, while ttymon answers on it (child.go), the service gives it to
// its user (service.go), and when the child or the service ends the idle
// owner, group and mode are put back (childExited). Other ports are root's,
// group tty, mode 0620, from their open on, as in the original: no one
// else is meant to open them.
//
// The idle values are taken at every open of the port, when nothing of
// ttymon's has the line, so that a change the administrator makes while
// the line is idle is what is put back. They are put back through an
// O_PATH descriptor of the line held since that open, never by name:
// ttymon runs as root, and by then the name may lead elsewhere (a link
// someone changed, a pty number given to another terminal).
//
// A ttymon that ends during a session (killed, sacadm -k) leaves the line
// as the session had it, owned by the user; taken as idle values by the
// next ttymon, that would give the idle line to that user. So while the
// line is in use its idle values are also in a file (ownerRecord),
// removed when they are put back; the next ttymon puts them back from it
// at its first open of the port. The file names the line's device number
// and the boot (devices get their owner anew at boot), and is used for
// that line in that boot only.

// lineOwner is a line's owner, group and permission bits.
type lineOwner struct {
	uid, gid int
	mode     uint32
}

// ownerOf returns the owner of the file with status st.
func ownerOf(st *unix.Stat_t) lineOwner {
	return lineOwner{uid: int(st.Uid), gid: int(st.Gid), mode: st.Mode & 0o7777}
}

// putOn gives the line open on fd this owner. Errors are ignored, as
// setOwner's are.
func (o lineOwner) putOn(fd int) {
	_ = unix.Fchown(fd, o.uid, o.gid)
	_ = unix.Fchmod(fd, o.mode)
}

// idleOwner is the idle owner of a port's line and the line's pin, an
// O_PATH descriptor: it opens no terminal, so the line still hangs up
// when the last real descriptor is closed.
type idleOwner struct {
	lineOwner
	pin  int
	rdev uint64
}

// takeIdleOwner notes the owner of the line open on fd, with status st,
// and pins the line (through the descriptor, not by name).
func takeIdleOwner(fd int, st *unix.Stat_t) (*idleOwner, error) {
	pin, err := reopen(fd, unix.O_PATH)
	if err != nil {
		return nil, err
	}
	return &idleOwner{lineOwner: ownerOf(st), pin: pin, rdev: uint64(st.Rdev)}, nil
}

// restore puts the idle owner back on the pinned line. There is no
// fchmod on an O_PATH descriptor; its /proc/self/fd link leads to the
// node it holds whatever the name now leads to, so the chmod goes through
// that link.
func (o *idleOwner) restore() error {
	if o == nil {
		return nil
	}
	if err := unix.Fchownat(o.pin, "", o.uid, o.gid, unix.AT_EMPTY_PATH); err != nil {
		return os.NewSyscallError("fchownat", err)
	}
	if err := unix.Chmod("/proc/self/fd/"+strconv.Itoa(o.pin), o.mode); err != nil {
		return os.NewSyscallError("chmod", err)
	}
	return nil
}

// close releases the pin; nil is allowed.
func (o *idleOwner) close() {
	if o != nil && o.pin >= 0 {
		unix.Close(o.pin) // O_PATH; nothing to report
		o.pin = -1
	}
}

// keepsOwner reports whether the port's line keeps its own owner while
// idle: b and c ports.
func keepsOwner(e *entry) bool { return e.Flags.Bidirectional() || e.Flags.Connect() }

// keepIdleOwner is the ownership step of opening a b or c port whose
// line is open on fd with status st: the line keeps its owner, which is
// noted as its idle owner, unless a ttymon that ended during a session
// left a record of the idle owner (ownerRecord), which is put back first.
func (p *port) keepIdleOwner(fd int, st *unix.Stat_t) {
	if o, ok := takeOwnerRecord(p.ownerRecord(), uint64(st.Rdev)); ok {
		o.putOn(fd)
		st.Uid, st.Gid = uint32(o.uid), uint32(o.gid)
		st.Mode = st.Mode&^0o7777 | o.mode
	}
	p.idle.close()
	p.idle = nil
	if o, err := takeIdleOwner(fd, st); err == nil {
		p.idle = o
	}
	// Without a pin (no /proc) the line keeps whatever owner its
	// sessions leave: nothing is changed through a name.
}

// dropIdleOwner forgets the idle owner: the port does not keep one.
func (p *port) dropIdleOwner() {
	p.idle.close()
	p.idle = nil
}

// lineInUse records the idle owner before the line goes to a child
// (ownerRecord). Best effort: without the record, only a ttymon that
// ends during a session loses it.
func (p *port) lineInUse() {
	if p.idle != nil {
		_ = saveOwnerRecord(p.ownerRecord(), p.idle)
	}
}

// lineIdle puts the idle owner back once the child or the service has
// ended, and removes its record.
func (p *port) lineIdle() {
	if p.idle == nil {
		return
	}
	_ = p.idle.restore() // as setOwner: a sandboxed ttymon may not own the line
	_ = os.Remove(p.ownerRecord())
}

// ownerRecord is the file that holds the idle owner of the port's line
// while a child or a service of ttymon has it.
func (p *port) ownerRecord() string {
	return filepath.Join(p.m.cfg.Root.PMVarDir(p.m.cfg.Env.Tag), p.tag+".owner")
}

// bootID names this boot of the system, or is "" when unknown.
func bootID() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return string(bytes.TrimSpace(b))
}

// saveOwnerRecord writes the record of o at path: "<rdev> <uid> <gid>
// <mode in octal> <boot id>", replaced whole (a temporary file renamed).
// Without a boot id nothing is written: a record could then outlive the
// line it was made for.
func saveOwnerRecord(path string, o *idleOwner) error {
	boot := bootID()
	if boot == "" {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".owner.")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(tmp, "%d %d %d %o %s\n", o.rdev, o.uid, o.gid, o.mode, boot)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name()) // best effort: litter only
	}
	return err
}

// takeOwnerRecord reads and removes the record at path. ok is true when
// it is the record of the line with device number rdev made in this boot.
func takeOwnerRecord(path string, rdev uint64) (o lineOwner, ok bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return o, false
	}
	_ = os.Remove(path) // read: whatever it said, it is used up now
	var dev uint64
	var boot string
	n, err := fmt.Sscanf(string(b), "%d %d %d %o %s\n", &dev, &o.uid, &o.gid, &o.mode, &boot)
	if err != nil || n != 5 || dev != rdev || boot == "" || boot != bootID() || o.mode&^0o777 != 0 {
		return lineOwner{}, false
	}
	return o, true
}
