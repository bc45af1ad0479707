// Package utmp reads and writes the login accounting files /var/run/utmp
// and /var/log/wtmp in the glibc record layout, so that who, last and login
// read what ttymon writes (linux.md D12, ttymon.md §15 and §21.8).
//
// A record is 384 bytes in host byte order, the layout of glibc's struct
// utmp (= struct utmpx) on x86-64, i386, arm64 and arm:
//
//	offset size field
//	     0    2 ut_type (int16), then 2 bytes of padding
//	     4    4 ut_pid (int32)
//	     8   32 ut_line: device without "/dev/"   NUL-padded, not
//	    40    4 ut_id: inittab-style id            necessarily
//	    44   32 ut_user                            NUL-terminated
//	    76  256 ut_host
//	   332    4 ut_exit: e_termination, e_exit (int16 each)
//	   336    4 ut_session (int32)
//	   340    8 ut_tv: tv_sec, tv_usec (int32 each)
//	   348   16 ut_addr_v6 (4 × int32)
//	   364   20 reserved, zero
//
// TestGlibcLayout checks this against the C library with cc. The codec is
// pure Go; the file operations lock the way glibc does (ttymon.md §21.8)
// and are implemented for Linux only.
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

// Sizes of the record and its string fields.
const (
	RecordSize = 384
	LineSize   = 32
	IDSize     = 4
	UserSize   = 32
	HostSize   = 256
)

// Field offsets (see the package comment).
const (
	offType    = 0
	offPid     = 4
	offLine    = 8
	offID      = 40
	offUser    = 44
	offHost    = 76
	offTerm    = 332
	offExit    = 334
	offSession = 336
	offSec     = 340
	offUsec    = 344
	offAddr    = 348
)

// order is the byte order of the accounting files: the host's, as glibc
// writes the struct as it is in memory.
var order = binary.NativeEndian

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

// ErrTimeRange is wrapped by MarshalBinary's error for a time the 32-bit
// seconds field cannot hold.
var ErrTimeRange = errors.New("time out of range for utmp")

// MarshalBinary returns the record's 384 bytes.
func (r *Record) MarshalBinary() ([]byte, error) {
	return r.AppendBinary(make([]byte, 0, RecordSize))
}

// AppendBinary appends the record's 384 bytes to b.
//
// ut_tv.tv_sec is 32 bits wide. glibc declares it signed; this package
// treats it as unsigned, which agrees for every time before 2038 and keeps
// working until 2106. Times before 1970 fail with ErrTimeRange.
func (r *Record) AppendBinary(b []byte) ([]byte, error) {
	var sec, usec uint32
	if !r.Time.IsZero() {
		s := r.Time.Unix()
		if s < 0 || s > math.MaxUint32 {
			return b, fmt.Errorf("utmp: %v: %w", r.Time, ErrTimeRange)
		}
		sec, usec = uint32(s), uint32(r.Time.Nanosecond()/1000)
	}
	start := len(b)
	b = append(b, make([]byte, RecordSize)...)
	rec := b[start:]
	order.PutUint16(rec[offType:], uint16(r.Type))
	order.PutUint32(rec[offPid:], uint32(r.Pid))
	copy(rec[offLine:offLine+LineSize], r.Line)
	copy(rec[offID:offID+IDSize], r.ID)
	copy(rec[offUser:offUser+UserSize], r.User)
	copy(rec[offHost:offHost+HostSize], r.Host)
	order.PutUint16(rec[offTerm:], uint16(r.Termination))
	order.PutUint16(rec[offExit:], uint16(r.Exit))
	order.PutUint32(rec[offSession:], uint32(r.Session))
	order.PutUint32(rec[offSec:], sec)
	order.PutUint32(rec[offUsec:], usec)
	for i, a := range r.Addr {
		order.PutUint32(rec[offAddr+4*i:], uint32(a))
	}
	return b, nil
}

// UnmarshalBinary decodes one record; b must be exactly 384 bytes.
func (r *Record) UnmarshalBinary(b []byte) error {
	if len(b) != RecordSize {
		return fmt.Errorf("utmp: record is %d bytes, want %d", len(b), RecordSize)
	}
	r.Type = int16(order.Uint16(b[offType:]))
	r.Pid = int32(order.Uint32(b[offPid:]))
	r.Line = cstring(b[offLine : offLine+LineSize])
	r.ID = cstring(b[offID : offID+IDSize])
	r.User = cstring(b[offUser : offUser+UserSize])
	r.Host = cstring(b[offHost : offHost+HostSize])
	r.Termination = int16(order.Uint16(b[offTerm:]))
	r.Exit = int16(order.Uint16(b[offExit:]))
	r.Session = int32(order.Uint32(b[offSession:]))
	sec, usec := order.Uint32(b[offSec:]), order.Uint32(b[offUsec:])
	if sec == 0 && usec == 0 {
		r.Time = time.Time{}
	} else {
		r.Time = time.Unix(int64(sec), int64(usec)*1000)
	}
	for i := range r.Addr {
		r.Addr[i] = int32(order.Uint32(b[offAddr+4*i:]))
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
// line when it is shorter (linux.md D12).
func IDFor(line string) string {
	if len(line) > IDSize {
		return line[len(line)-IDSize:]
	}
	return line
}

// LoginRecord is the LOGIN_PROCESS record ttymon writes when it starts a
// service with accounting (linux.md D12): user "LOGIN", the service's pid,
// which leads its own session. util-linux login finds it by pid and turns
// it into the user's record.
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
