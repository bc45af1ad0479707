package utmp

import (
	"runtime"
	"testing"
)

// measured is glibc 2.36's struct utmp on each architecture Go supports on
// Linux: offsetof and sizeof printed by a C program built with Debian 12's
// cross compilers and run under qemu-user (docs/architectures.md), except
// loong64, which Debian 12 has no compiler for, read from glibc's
// bits/wordsize.h (__WORDSIZE_TIME64_COMPAT32 0, as on arm64).
var measured = map[string]struct {
	size    int
	session int // offset; 4 or 8 bytes (word)
	sec     int // ut_tv.tv_sec; tv_usec follows, same width
	addr    int
	word    int // width of ut_session, tv_sec and tv_usec
}{
	"386":      {384, 336, 340, 348, 4},
	"amd64":    {384, 336, 340, 348, 4},
	"arm":      {384, 336, 340, 348, 4},
	"arm64":    {400, 336, 344, 360, 8},
	"loong64":  {400, 336, 344, 360, 8},
	"mips":     {384, 336, 340, 348, 4},
	"mipsle":   {384, 336, 340, 348, 4},
	"mips64":   {384, 336, 340, 348, 4},
	"mips64le": {384, 336, 340, 348, 4},
	"ppc64":    {384, 336, 340, 348, 4},
	"ppc64le":  {384, 336, 340, 348, 4},
	"riscv64":  {384, 336, 340, 348, 4},
	"s390x":    {400, 336, 344, 360, 8},
}

// The layout this build uses is the one measured for its architecture.
func TestLayoutMeasured(t *testing.T) {
	m, ok := measured[runtime.GOARCH]
	if !ok {
		t.Fatalf("no measurement of struct utmp for GOARCH=%s: measure it and add it", runtime.GOARCH)
	}
	word := 4
	if host.wide {
		word = 8
	}
	got := [...]int{RecordSize, host.size, host.session, host.sec, host.usec, host.addr, host.reserved, word}
	want := [...]int{m.size, m.size, m.session, m.sec, m.sec + m.word, m.addr, m.addr + 16, m.word}
	if got != want {
		t.Errorf("GOARCH=%s: RecordSize, size, session, sec, usec, addr, reserved, word = %v; glibc has %v", runtime.GOARCH, got, want)
	}
}

// The two layouts are consistent: fields in order, without overlap, the
// reserved bytes last, the size a multiple of the alignment.
func TestLayoutsConsistent(t *testing.T) {
	for _, l := range []*layout{&narrow, &wide} {
		word := 4
		if l.wide {
			word = 8
		}
		if l.session != offExit+2 || l.sec != l.session+word || l.usec != l.sec+word ||
			l.addr != l.usec+word || l.reserved != l.addr+16 || l.size < l.reserved+20 ||
			l.size%word != 0 || l.size-(l.reserved+20) >= word {
			t.Errorf("inconsistent layout %+v", *l)
		}
	}
}
