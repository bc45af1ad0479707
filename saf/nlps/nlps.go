package nlps

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Limits of the protocol.
const (
	// ID is the identifier every request starts with.
	ID = "NLPS"
	// MaxRequest is the longest request, NUL included (the original's
	// BUFSIZ receive buffer).
	MaxRequest = 1024
	// MaxAnswer is the longest answer, NUL included: nlsrequest reads at
	// most this many bytes.
	MaxAnswer = 256
	// MaxServiceCode is the longest service code a listener's _pmtab
	// holds; a client refuses to ask for a longer one.
	MaxServiceCode = 13
	// RequestTimeout is how long a server waits for a whole request.
	RequestTimeout = 45 * time.Second
	// BadRequestDelay is how long a server waits before it closes a
	// connection whose request did not scan or named an unknown version.
	BadRequestDelay = 10 * time.Second
)

// Protocol versions (the low version of a request).
const (
	Version0 = 0 // no answer
	Version2 = 2 // one answer
)

// Answer codes (listen.h).
const (
	CodeStart    = 0 // NLSSTART: the service is being started
	CodeFormat   = 2 // NLSFORMAT: bad request format (never sent by listen)
	CodeUnknown  = 3 // NLSUNKNOWN: no such service code
	CodeDisabled = 4 // NLSDISABLED: the service is disabled
)

// The environment of a service started by the listener.
const (
	EnvAddr     = "NLSADDR"     // caller's address, upper-case hex
	EnvOpt      = "NLSOPT"      // connect options, hex; empty on Linux
	EnvUData    = "NLSUDATA"    // connect user data, hex; empty on Linux
	EnvProvider = "NLSPROVIDER" // the listener's net_spec
	EnvMPrefix  = "MPREFIX"     // the listener's minor prefix
)

// Errors of reading and parsing requests and answers. The value at fault
// is in the wrapping error's text.
var (
	// ErrNotNLPS: the first five bytes are not "NLPS:".
	ErrNotNLPS = errors.New("nlps: not an NLPS request")
	// ErrSMB: the first four bytes are 0xFF "SMB", an MS-NET request,
	// which this package does not read.
	ErrSMB = errors.New("nlps: MS-NET (SMB) request")
	// ErrTooLong: a request of more than MaxRequest bytes or an answer of
	// more than MaxAnswer bytes, NUL included.
	ErrTooLong = errors.New("nlps: message too long")
	// ErrTruncated: the message does not end in a NUL byte.
	ErrTruncated = errors.New("nlps: message without its terminating NUL")
	// ErrTrailing: bytes follow the NUL that ends the message.
	ErrTrailing = errors.New("nlps: data after the terminating NUL")
	// ErrBadFormat: the request does not scan as NLPS:LLL:HHH:code (the
	// server's "ATT service: bad message format").
	ErrBadFormat = errors.New("nlps: bad message format")
	// ErrBadVersion: the low version is neither 0 nor 2.
	ErrBadVersion = errors.New("nlps: unknown version")
	// ErrServiceCode: a service code that cannot be sent: empty, holding
	// white space or NUL, or (for Request) longer than MaxServiceCode.
	ErrServiceCode = errors.New("nlps: bad service code")
	// ErrBadAnswer: an answer that is not version:code:text.
	ErrBadAnswer = errors.New("nlps: bad answer")
)

// Refusals a client gets from Request, as a *RefusedError.
var (
	ErrUnknownService  = errors.New("unknown service code")
	ErrServiceDisabled = errors.New("service is disabled")
	ErrRequestFormat   = errors.New("request format refused")
)

// Message is an NLPS request message.
type Message struct {
	Low, High int    // protocol versions; Low is the one that counts
	Service   string // the service code
}

// isSpace is C isspace in the "C" locale, which the original's sscanf used.
func isSpace(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return true
	}
	return false
}

// ParseRequest parses one request, b, which must end in its one NUL byte
// and be at most MaxRequest bytes long. It scans the text like the
// original's sscanf("%*4c:%3d:%3d:%s") after checking the "NLPS:" prefix;
// text after the service code's first white space is ignored. A request
// that scans but whose low version is not 0 or 2 returns the request and
// an error matching ErrBadVersion.
func ParseRequest(b []byte) (Message, error) {
	if len(b) > MaxRequest {
		return Message{}, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLong, len(b), MaxRequest)
	}
	n := indexNUL(b)
	switch {
	case n < 0:
		return Message{}, ErrTruncated
	case n != len(b)-1:
		return Message{}, fmt.Errorf("%w: %d bytes", ErrTrailing, len(b)-1-n)
	case len(b) < 5 || string(b[:5]) != ID+":":
		return Message{}, fmt.Errorf("%w: starts %q", ErrNotNLPS, b[:min(5, n)])
	}
	s := scanner{b: b[5:n]}
	var r Message
	var ok bool
	if r.Low, ok = s.int3(); !ok || !s.colon() {
		return Message{}, fmt.Errorf("%w: %q", ErrBadFormat, b[:n])
	}
	if r.High, ok = s.int3(); !ok || !s.colon() {
		return Message{}, fmt.Errorf("%w: %q", ErrBadFormat, b[:n])
	}
	if r.Service = s.word(); r.Service == "" {
		return Message{}, fmt.Errorf("%w: %q", ErrBadFormat, b[:n])
	}
	if r.Low != Version0 && r.Low != Version2 {
		return r, fmt.Errorf("%w: %d:%d", ErrBadVersion, r.Low, r.High)
	}
	return r, nil
}

func indexNUL(b []byte) int {
	for i, c := range b {
		if c == 0 {
			return i
		}
	}
	return -1
}

// scanner reads the fields of a request the way C sscanf does.
type scanner struct {
	b []byte
	i int
}

// int3 is %3d: white space skipped, then at most three characters: an
// optional sign and at least one digit.
func (s *scanner) int3() (int, bool) {
	for s.i < len(s.b) && isSpace(s.b[s.i]) {
		s.i++
	}
	start := s.i
	neg := false
	if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
		neg = s.b[s.i] == '-'
		s.i++
	}
	v, digits := 0, 0
	for s.i < len(s.b) && s.i-start < 3 && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		v = v*10 + int(s.b[s.i]-'0')
		s.i++
		digits++
	}
	if digits == 0 {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// colon matches one literal ':' (a literal does not skip white space).
func (s *scanner) colon() bool {
	if s.i < len(s.b) && s.b[s.i] == ':' {
		s.i++
		return true
	}
	return false
}

// word is %s: white space skipped, then the run of other characters.
func (s *scanner) word() string {
	for s.i < len(s.b) && isSpace(s.b[s.i]) {
		s.i++
	}
	start := s.i
	for s.i < len(s.b) && !isSpace(s.b[s.i]) {
		s.i++
	}
	return string(s.b[start:s.i])
}

// validCode checks that svc can travel in a request: not empty, no white
// space, no NUL.
func validCode(svc string) error {
	if svc == "" {
		return fmt.Errorf("%w: empty", ErrServiceCode)
	}
	for i := 0; i < len(svc); i++ {
		if svc[i] == 0 || isSpace(svc[i]) {
			return fmt.Errorf("%w: %q holds white space or NUL", ErrServiceCode, svc)
		}
	}
	return nil
}

// AppendMarshal appends the request in its standard form,
// "NLPS:%03d:%03d:%s" and a NUL. The versions must be within -99..999
// (three characters), the service code valid (ErrServiceCode) and the
// result at most MaxRequest bytes (ErrTooLong).
func (r Message) AppendMarshal(b []byte) ([]byte, error) {
	for _, v := range []int{r.Low, r.High} {
		if v < -99 || v > 999 {
			return b, fmt.Errorf("nlps: version %d does not fit in three characters", v)
		}
	}
	if err := validCode(r.Service); err != nil {
		return b, err
	}
	n := len(b)
	b = fmt.Appendf(b, "%s:%03d:%03d:%s\x00", ID, r.Low, r.High, r.Service)
	if len(b)-n > MaxRequest {
		return b[:n], fmt.Errorf("%w: request for %q would be %d bytes, at most %d", ErrTooLong, r.Service, len(b)-n, MaxRequest)
	}
	return b, nil
}

// ReadRequest reads one request from r the way nlps_server does and returns
// it, NUL included: exactly five bytes, which must be "NLPS:" (else
// ErrNotNLPS, or ErrSMB for an MS-NET request), then one byte at a time up
// to and including the NUL, at most MaxRequest bytes in all (else
// ErrTooLong). It never reads past the NUL, provided r returns no more
// bytes than asked for (a raw socket or file does not). End of input before
// the NUL is io.ErrUnexpectedEOF. It sets no deadline: the caller bounds
// the whole read with RequestTimeout.
func ReadRequest(r io.Reader) ([]byte, error) {
	b := make([]byte, 5, 64)
	if _, err := io.ReadFull(r, b); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	if string(b) != ID+":" {
		if b[0] == 0xFF && string(b[1:4]) == "SMB" {
			return b, ErrSMB
		}
		return b, fmt.Errorf("%w: starts %q", ErrNotNLPS, b)
	}
	var c [1]byte
	for {
		if len(b) == MaxRequest {
			return b, fmt.Errorf("%w: no NUL in the first %d bytes", ErrTooLong, MaxRequest)
		}
		if _, err := io.ReadFull(r, c[:]); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return b, err
		}
		b = append(b, c[0])
		if c[0] == 0 {
			return b, nil
		}
	}
}

// Answer is the server's answer to a version 2 request.
type Answer struct {
	Version int    // the request's low version
	Code    int    // CodeStart, CodeUnknown ...
	Text    string // no NUL
}

// AppendMarshal appends "<version>:<code>:<text>" and a NUL. The text must
// hold no NUL and the answer fit in MaxAnswer bytes (ErrTooLong; see
// Truncate).
func (a Answer) AppendMarshal(b []byte) ([]byte, error) {
	if indexNUL([]byte(a.Text)) >= 0 {
		return b, fmt.Errorf("%w: text %q holds a NUL", ErrBadAnswer, a.Text)
	}
	if a.Version < 0 || a.Code < 0 {
		return b, fmt.Errorf("%w: negative version %d or code %d", ErrBadAnswer, a.Version, a.Code)
	}
	n := len(b)
	b = strconv.AppendInt(b, int64(a.Version), 10)
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(a.Code), 10)
	b = append(b, ':')
	b = append(b, a.Text...)
	b = append(b, 0)
	if len(b)-n > MaxAnswer {
		return b[:n], fmt.Errorf("%w: answer of %d bytes, at most %d", ErrTooLong, len(b)-n, MaxAnswer)
	}
	return b, nil
}

// Truncate returns a with its text cut so that the answer fits in
// MaxAnswer bytes.
func (a Answer) Truncate() Answer {
	head := len(strconv.Itoa(a.Version)) + len(strconv.Itoa(a.Code)) + 3 // two ':' and the NUL
	if room := MaxAnswer - head; len(a.Text) > room {
		a.Text = a.Text[:max(room, 0)]
	}
	return a
}

// ParseAnswer parses one answer, b, which must end in its one NUL byte:
// a decimal version, ':', a decimal code, ':', the text.
func ParseAnswer(b []byte) (Answer, error) {
	if len(b) > MaxAnswer {
		return Answer{}, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLong, len(b), MaxAnswer)
	}
	n := indexNUL(b)
	switch {
	case n < 0:
		return Answer{}, ErrTruncated
	case n != len(b)-1:
		return Answer{}, fmt.Errorf("%w: %d bytes", ErrTrailing, len(b)-1-n)
	}
	s := string(b[:n])
	var a Answer
	var ok bool
	if a.Version, s, ok = decimalField(s); !ok {
		return Answer{}, fmt.Errorf("%w: %q", ErrBadAnswer, b[:n])
	}
	if a.Code, s, ok = decimalField(s); !ok {
		return Answer{}, fmt.Errorf("%w: %q", ErrBadAnswer, b[:n])
	}
	a.Text = s
	return a, nil
}

// decimalField reads digits up to a ':' and returns the rest after it.
func decimalField(s string) (int, string, bool) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || i > 9 || i == len(s) || s[i] != ':' {
		return 0, s, false
	}
	v, _ := strconv.Atoi(s[:i]) // at most 9 digits: cannot fail
	return v, s[i+1:], true
}

// ReadAnswer reads one answer from r, one byte at a time up to and
// including the NUL (so nothing the service sends afterwards is consumed),
// at most MaxAnswer bytes.
func ReadAnswer(r io.Reader) (Answer, error) {
	b := make([]byte, 0, 64)
	var c [1]byte
	for {
		if len(b) == MaxAnswer {
			return Answer{}, fmt.Errorf("%w: no NUL in the first %d bytes of the answer", ErrTooLong, MaxAnswer)
		}
		if _, err := io.ReadFull(r, c[:]); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return Answer{}, fmt.Errorf("nlps: reading the answer: %w", err)
		}
		b = append(b, c[0])
		if c[0] == 0 {
			return ParseAnswer(b)
		}
	}
}

// RefusedError is Request's error when the server refused the service.
type RefusedError struct {
	Code int    // CodeUnknown, CodeDisabled, CodeFormat or another
	Text string // the server's text
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("nlps: refused (code %d): %s", e.Code, e.Text)
}

// Is matches ErrUnknownService, ErrServiceDisabled and ErrRequestFormat by
// code.
func (e *RefusedError) Is(target error) bool {
	switch target {
	case ErrUnknownService:
		return e.Code == CodeUnknown
	case ErrServiceDisabled:
		return e.Code == CodeDisabled
	case ErrRequestFormat:
		return e.Code == CodeFormat
	}
	return false
}

// Request asks the server on rw for service svc with a version 2 request
// and reads the answer, like the original's nlsrequest.
// svc must hold 1 to MaxServiceCode characters. On success it returns the
// server's text and nil, and rw carries the service from then on (it may
// close at once if the service failed to start). A refusal returns the
// text and a *RefusedError; any other failure an error. It reads nothing
// after the answer's NUL.
func Request(rw io.ReadWriter, svc string) (string, error) {
	if len(svc) > MaxServiceCode {
		return "", fmt.Errorf("%w: %q is longer than %d characters", ErrServiceCode, svc, MaxServiceCode)
	}
	req, err := Message{Low: Version2, High: Version2, Service: svc}.AppendMarshal(nil)
	if err != nil {
		return "", err
	}
	if _, err := rw.Write(req); err != nil {
		return "", fmt.Errorf("nlps: sending the request: %w", err)
	}
	a, err := ReadAnswer(rw)
	if err != nil {
		return "", err
	}
	if a.Code != CodeStart {
		return a.Text, &RefusedError{Code: a.Code, Text: a.Text}
	}
	return a.Text, nil
}

// RequestV0 sends a version 0 request for svc ("NLPS:000:001:<svc>"),
// which gets no answer: w carries the service from then on, or closes.
func RequestV0(w io.Writer, svc string) error {
	if len(svc) > MaxServiceCode {
		return fmt.Errorf("%w: %q is longer than %d characters", ErrServiceCode, svc, MaxServiceCode)
	}
	req, err := Message{Low: Version0, High: 1, Service: svc}.AppendMarshal(nil)
	if err != nil {
		return err
	}
	if _, err := w.Write(req); err != nil {
		return fmt.Errorf("nlps: sending the request: %w", err)
	}
	return nil
}
