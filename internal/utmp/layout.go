package utmp

import "encoding/binary"

// layout says where the fields that differ between architectures sit in
// a record. Everything up to ut_session (offset 336) is the same on every
// architecture; after it glibc has one of two layouts (see the package
// comment), chosen per architecture by layout_narrow.go and
// layout_wide.go.
type layout struct {
	size     int  // the whole record, with its tail padding
	session  int  // ut_session
	wide     bool // ut_session, tv_sec and tv_usec are 8 bytes, not 4
	sec      int  // ut_tv.tv_sec
	usec     int  // ut_tv.tv_usec
	addr     int  // ut_addr_v6
	reserved int  // __glibc_reserved, 20 bytes
}

// narrow is glibc's layout where __WORDSIZE_TIME64_COMPAT32 is 1 (x86-64,
// ppc64, riscv64, mips64) and on 32-bit architectures: ut_session int32
// and ut_tv two 32-bit fields, 384 bytes.
var narrow = layout{size: 384, session: 336, sec: 340, usec: 344, addr: 348, reserved: 364}

// wide is glibc's layout where __WORDSIZE_TIME64_COMPAT32 is 0 on a 64-bit
// architecture (arm64, s390x, loong64): ut_session is a long and ut_tv a
// struct timeval of two 64-bit fields, 400 bytes (396 and 4 bytes of
// padding to the 8-byte alignment).
var wide = layout{size: 400, session: 336, wide: true, sec: 344, usec: 352, addr: 360, reserved: 376}

// order is the byte order of the accounting files: the host's, as glibc
// writes the struct as it is in memory.
var order binary.ByteOrder = binary.NativeEndian
