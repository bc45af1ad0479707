// Package utmp reads and writes the login accounting files /var/run/utmp
// and /var/log/wtmp in the glibc record layout, so that who, last and login
// read what ttymon and listen write (docs/linux.md#utmp-and-wtmp).
//
// A record is glibc's struct utmp (= struct utmpx) as it is in memory: in
// host byte order, and in one of two layouts. The fields up to ut_exit are
// the same everywhere:
//
//	offset size field
//	     0    2 ut_type (int16), then 2 bytes of padding
//	     4    4 ut_pid (int32)
//	     8   32 ut_line: device without "/dev/"   NUL-padded, not
//	    40    4 ut_id: inittab-style id            necessarily
//	    44   32 ut_user                            NUL-terminated
//	    76  256 ut_host
//	   332    4 ut_exit: e_termination, e_exit (int16 each)
//
// The narrow layout, 384 bytes, is that of 386, amd64, arm, mips, mipsle,
// mips64, mips64le, ppc64, ppc64le and riscv64 (glibc keeps 32-bit times
// there so that 32- and 64-bit programs share the files):
//
//	offset size field
//	   336    4 ut_session (int32)
//	   340    8 ut_tv: tv_sec, tv_usec (32 bits each)
//	   348   16 ut_addr_v6 (4 × int32)
//	   364   20 reserved, zero
//
// The wide layout, 400 bytes, is that of arm64, loong64 and s390x, whose
// glibc has a long ut_session and a struct timeval ut_tv:
//
//	offset size field
//	   336    8 ut_session (int64)
//	   344   16 ut_tv: tv_sec, tv_usec (64 bits each)
//	   360   16 ut_addr_v6 (4 × int32)
//	   376   20 reserved, zero
//	   396    4 padding to a multiple of 8, zero
//
// RecordSize is the size on the architecture the package is built for,
// whose programs (login, who, last) read and write the files. (32-bit arm
// programs on an arm64 system use the narrow layout: glibc itself
// disagrees with itself there.) docs/architectures.md has the measurements
// behind the table.
//
// TestLayoutMeasured pins each architecture's layout to those
// measurements, and TestGlibcLayout checks it against the C library: cc
// here, or a reference built by a cross compiler when scripts/cross.sh
// runs the tests under emulation. The codec is
// pure Go; the file operations lock the way glibc does and are
// implemented for Linux only.
package utmp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// Record types (ut_type).
const (
	Empty        = 0 // EMPTY: no valid data
	RunLvl       = 1 // RUN_LVL: system run level changed
	BootTime     = 2 // BOOT_TIME: time of system boot
	NewTime      = 3 // NEW_TIME: time after the system clock changed
	OldTime      = 4 // OLD_TIME: time before the system clock changed
	InitProcess  = 5 // INIT_PROCESS: process spawned by init
	LoginProcess = 6 // LOGIN_PROCESS: a getty waiting for a user name
	UserProcess  = 7 // USER_PROCESS: a user's session
	DeadProcess  = 8 // DEAD_PROCESS: the session's process has ended
)

// Sizes of the string fields. RecordSize, the size of a record, depends
// on the architecture (layout_narrow.go, layout_wide.go).
const (
	LineSize = 32
	IDSize   = 4
	UserSize = 32
	HostSize = 256
)

// Offsets of the fields every layout shares (see the package comment;
// type layout has the others).
const (
	offType = 0
	offPid  = 4
	offLine = 8
	offID   = 40
	offUser = 44
	offHost = 76
	offTerm = 332
	offExit = 334
)

// Record is one utmp or wtmp entry. String fields longer than their slot
// are truncated on marshalling, as glibc's users (login, agetty) do with
// strncpy; NUL bytes end a string.
type Record struct {
	Type        int16
	Pid         int32
	Line        string // device name without "/dev/", at most 32 bytes
	ID          string // at most 4 bytes; see IDFor
	User        string // at most 32 bytes
	Host        string // at most 256 bytes
	Termination int16  // ut_exit.e_termination: the signal that ended the process
	Exit        int16  // ut_exit.e_exit: its exit status
	Session     int32
	Time        time.Time // microsecond resolution; the zero Time is stored as 0
	Addr        [4]int32  // ut_addr_v6, as stored
}

// ErrTimeRange is wrapped by MarshalBinary's error for a time the seconds
// field cannot hold.
var ErrTimeRange = errors.New("time out of range for utmp")

// MarshalBinary returns the record in this architecture's layout,
// RecordSize bytes.
func (r *Record) MarshalBinary() ([]byte, error) {
	return r.AppendBinary(make([]byte, 0, RecordSize))
}

// AppendBinary appends the record's RecordSize bytes to b.
//
// In the narrow layout ut_tv.tv_sec is 32 bits wide and unsigned (glibc
// declared it signed until 2.39, which agrees for every time before
// 2038); it holds times from 1970 until 2106, and others fail with
// ErrTimeRange. The wide layout's 64-bit field holds any time.
func (r *Record) AppendBinary(b []byte) ([]byte, error) {
	return r.appendLayout(b, host, order)
}

// appendLayout appends the record in layout l and byte order o.
func (r *Record) appendLayout(b []byte, l *layout, o binary.ByteOrder) ([]byte, error) {
	var sec, usec int64
	if !r.Time.IsZero() {
		sec, usec = r.Time.Unix(), int64(r.Time.Nanosecond()/1000)
		if !l.wide && (sec < 0 || sec > math.MaxUint32) {
			return b, fmt.Errorf("utmp: %v: %w", r.Time, ErrTimeRange)
		}
	}
	start := len(b)
	b = append(b, make([]byte, l.size)...)
	rec := b[start:]
	o.PutUint16(rec[offType:], uint16(r.Type))
	o.PutUint32(rec[offPid:], uint32(r.Pid))
	copy(rec[offLine:offLine+LineSize], r.Line)
	copy(rec[offID:offID+IDSize], r.ID)
	copy(rec[offUser:offUser+UserSize], r.User)
	copy(rec[offHost:offHost+HostSize], r.Host)
	o.PutUint16(rec[offTerm:], uint16(r.Termination))
	o.PutUint16(rec[offExit:], uint16(r.Exit))
	if l.wide {
		o.PutUint64(rec[l.session:], uint64(int64(r.Session)))
		o.PutUint64(rec[l.sec:], uint64(sec))
		o.PutUint64(rec[l.usec:], uint64(usec))
	} else {
		o.PutUint32(rec[l.session:], uint32(r.Session))
		o.PutUint32(rec[l.sec:], uint32(sec))
		o.PutUint32(rec[l.usec:], uint32(usec))
	}
	for i, a := range r.Addr {
		o.PutUint32(rec[l.addr+4*i:], uint32(a))
	}
	return b, nil
}

// UnmarshalBinary decodes one record; b must be exactly RecordSize bytes.
func (r *Record) UnmarshalBinary(b []byte) error {
	return r.unmarshalLayout(b, host, order)
}

// unmarshalLayout decodes a record in layout l and byte order o.
func (r *Record) unmarshalLayout(b []byte, l *layout, o binary.ByteOrder) error {
	if len(b) != l.size {
		return fmt.Errorf("utmp: record is %d bytes, want %d", len(b), l.size)
	}
	r.Type = int16(o.Uint16(b[offType:]))
	r.Pid = int32(o.Uint32(b[offPid:]))
	r.Line = cstring(b[offLine : offLine+LineSize])
	r.ID = cstring(b[offID : offID+IDSize])
	r.User = cstring(b[offUser : offUser+UserSize])
	r.Host = cstring(b[offHost : offHost+HostSize])
	r.Termination = int16(o.Uint16(b[offTerm:]))
	r.Exit = int16(o.Uint16(b[offExit:]))
	var sec, usec int64
	if l.wide {
		// A session is a pid: the high half of the long is zero, or the
		// sign of a negative one.
		r.Session = int32(int64(o.Uint64(b[l.session:])))
		sec, usec = int64(o.Uint64(b[l.sec:])), int64(o.Uint64(b[l.usec:]))
	} else {
		r.Session = int32(o.Uint32(b[l.session:]))
		sec, usec = int64(o.Uint32(b[l.sec:])), int64(o.Uint32(b[l.usec:]))
	}
	if sec == 0 && usec == 0 {
		r.Time = time.Time{}
	} else {
		// tv_usec is below a million in any record glibc wrote. Carry an
		// excess into the seconds before scaling, so that a corrupt one
		// neither overflows nor leaves the microsecond grid.
		r.Time = time.Unix(sec+usec/1e6, usec%1e6*1000)
	}
	for i := range r.Addr {
		r.Addr[i] = int32(o.Uint32(b[l.addr+4*i:]))
	}
	return nil
}

// cstring returns b up to its first NUL.
func cstring(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// field returns s as stored in a slot of n bytes and read back: truncated,
// and cut at a NUL. Matching compares stored forms, as glibc's strncmp does.
func field(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	if i := indexNUL(s); i >= 0 {
		s = s[:i]
	}
	return s
}

func indexNUL(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return i
		}
	}
	return -1
}

// isProcess reports whether typ is one of the types glibc matches by id.
func isProcess(typ int16) bool {
	switch typ {
	case InitProcess, LoginProcess, UserProcess, DeadProcess:
		return true
	}
	return false
}

// isTimeType reports whether typ is one of the types glibc matches by type.
func isTimeType(typ int16) bool {
	switch typ {
	case RunLvl, BootTime, NewTime, OldTime:
		return true
	}
	return false
}

// matches is glibc's getutid rule, which pututline uses to find the slot
// to overwrite: the run-level and clock records by type; anything else
// matches a process record (INIT, LOGIN, USER or DEAD) with the same id,
// or with the same line when either id is empty.
func matches(want, have *Record) bool {
	if isTimeType(want.Type) {
		return want.Type == have.Type
	}
	if !isProcess(have.Type) {
		return false
	}
	wid, hid := field(want.ID, IDSize), field(have.ID, IDSize)
	if wid != "" && hid != "" {
		return wid == hid
	}
	return field(want.Line, LineSize) == field(have.Line, LineSize)
}

// IDFor returns the ut_id for a line the way agetty makes it: the last four
// bytes of the line ("pts/3" → "ts/3", "ttyS0" → "tyS0"), or the whole
// line when it is shorter.
func IDFor(line string) string {
	if len(line) > IDSize {
		return line[len(line)-IDSize:]
	}
	return line
}

// LoginRecord is the LOGIN_PROCESS record ttymon writes when it starts a
// service with accounting: user "LOGIN", the service's pid, which leads
// its own session. util-linux login finds it by pid and turns it into the
// user's record.
func LoginRecord(pid int, line, id string, now time.Time) Record {
	return Record{
		Type:    LoginProcess,
		Pid:     int32(pid),
		Line:    line,
		ID:      id,
		User:    "LOGIN",
		Session: int32(pid),
		Time:    now,
	}
}
