package sacmsg

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
)

// Record sizes: the x86-64 C sizes of sac.h's structures. They are the
// protocol version (see the package comment).
const (
	SacMsgSize = 8  // struct sacmsg
	PMMsgSize  = 24 // struct pmmsg
	AdmCmdSize = 20 // struct admcmd
	AdmAckSize = 16 // struct admack (LP64; 12 on ILP32, not supported)
)

// TagSize is the longest tag the records carry (PMTAGSIZE): the tag fields
// are TagSize+1 bytes so there is always room for the terminating NUL.
const TagSize = 14

// tagField is the width of pm_tag and ac_tag.
const tagField = TagSize + 1

// MaxDataSize is the largest size field accepted. The protocol itself
// never sends data except the AC_STATUS listing, which is far smaller; the
// cap keeps a corrupt size from making a reader allocate or block without
// bound.
const MaxDataSize = 1 << 20

// SacMsg types (sc_type).
const (
	SCStatus  = 1 // report your state
	SCEnable  = 2 // become enabled
	SCDisable = 3 // become disabled
	SCReadDB  = 4 // re-read _pmtab
)

// PMMsg types (pm_type).
const (
	PMStatus  = 1 // here is my state
	PMUnknown = 2 // I did not understand the request; here is my state
)

// PMMsg states (pm_state). They equal the State codes of the same name.
const (
	PMStarting = 1 // Starting
	PMEnabled  = 2 // Enabled
	PMDisabled = 3 // Disabled
	PMStopping = 4 // Stopping
)

// SacMsg is sac's message to a port monitor (struct sacmsg).
//
// Type is not checked when parsing: a port monitor must answer an unknown
// type with PMUnknown, so it has to see it.
type SacMsg struct {
	Type byte  // SCStatus, SCEnable, SCDisable or SCReadDB
	Size int32 // bytes of data that follow; always 0 in practice
}

// AppendMarshal appends the 8-byte wire form of m to b. It fails only
// when Size is negative or above MaxDataSize; b is then returned unchanged.
func (m SacMsg) AppendMarshal(b []byte) ([]byte, error) {
	if err := checkSize("sacmsg", int64(m.Size)); err != nil {
		return b, err
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(m.Size))
	return append(b, m.Type, 0, 0, 0), nil
}

// ParseSacMsg decodes the sacmsg at the front of b; bytes after the first
// SacMsgSize are ignored.
func ParseSacMsg(b []byte) (SacMsg, error) {
	if len(b) < SacMsgSize {
		return SacMsg{}, shortError("sacmsg", len(b), SacMsgSize)
	}
	m := SacMsg{
		Size: int32(binary.LittleEndian.Uint32(b[0:4])),
		Type: b[4],
	}
	if err := checkSize("sacmsg", int64(m.Size)); err != nil {
		return SacMsg{}, err
	}
	return m, nil
}

// PMMsg is a port monitor's message to sac (struct pmmsg).
//
// Type and State are not checked when parsing: sac logs unknown types and
// treats unknown states as UNKNOWN, so it has to see them.
type PMMsg struct {
	Type     byte   // PMStatus or PMUnknown
	State    byte   // PMStarting, PMEnabled, PMDisabled or PMStopping
	MaxClass byte   // highest message class understood; 1
	Tag      string // the port monitor's tag (PMTAG), at most TagSize bytes
	Size     int32  // bytes of data that follow; always 0 in practice
}

// AppendMarshal appends the 24-byte wire form of m to b. It fails, and
// returns b unchanged, when Tag does not fit (ErrTagTooLong), contains a
// NUL (ErrBadTag) or Size is out of range (ErrBadSize).
func (m PMMsg) AppendMarshal(b []byte) ([]byte, error) {
	if err := checkTag("pmmsg", m.Tag); err != nil {
		return b, err
	}
	if err := checkSize("pmmsg", int64(m.Size)); err != nil {
		return b, err
	}
	b = append(b, m.Type, m.State, m.MaxClass)
	b = appendTag(b, m.Tag)
	b = append(b, 0, 0)
	return binary.LittleEndian.AppendUint32(b, uint32(m.Size)), nil
}

// ParsePMMsg decodes the pmmsg at the front of b; bytes after the first
// PMMsgSize are ignored. The tag ends at its first NUL; a tag field with
// no NUL is rejected with ErrTagTooLong.
func ParsePMMsg(b []byte) (PMMsg, error) {
	if len(b) < PMMsgSize {
		return PMMsg{}, shortError("pmmsg", len(b), PMMsgSize)
	}
	tag, err := parseTag("pmmsg", b[3:3+tagField])
	if err != nil {
		return PMMsg{}, err
	}
	m := PMMsg{
		Type:     b[0],
		State:    b[1],
		MaxClass: b[2],
		Tag:      tag,
		Size:     int32(binary.LittleEndian.Uint32(b[20:24])),
	}
	if err := checkSize("pmmsg", int64(m.Size)); err != nil {
		return PMMsg{}, err
	}
	return m, nil
}

func shortError(rec string, got, want int) error {
	return fmt.Errorf("sacmsg: %s: %w: %d bytes, want %d", rec, ErrShort, got, want)
}

func checkSize(rec string, n int64) error {
	if n < 0 || n > MaxDataSize {
		return fmt.Errorf("sacmsg: %s: %w: %d (allowed 0 to %d)", rec, ErrBadSize, n, MaxDataSize)
	}
	return nil
}

func checkTag(rec, tag string) error {
	if len(tag) > TagSize {
		return fmt.Errorf("sacmsg: %s: %w: %q is %d bytes, at most %d allowed", rec, ErrTagTooLong, tag, len(tag), TagSize)
	}
	if strings.IndexByte(tag, 0) >= 0 {
		return fmt.Errorf("sacmsg: %s: %w: %q", rec, ErrBadTag, tag)
	}
	return nil
}

// appendTag appends tag NUL-padded to the tag field width. The caller has
// checked it with checkTag.
func appendTag(b []byte, tag string) []byte {
	b = append(b, tag...)
	for range tagField - len(tag) {
		b = append(b, 0)
	}
	return b
}

// parseTag returns the NUL-terminated string in field. Bytes after the NUL
// are ignored, as C string functions do.
func parseTag(rec string, field []byte) (string, error) {
	i := bytes.IndexByte(field, 0)
	if i < 0 {
		return "", fmt.Errorf("sacmsg: %s: %w: tag field %q has no NUL", rec, ErrTagTooLong, field)
	}
	return string(field[:i]), nil
}
