package pmtab

// The listen port monitor's part of a _pmtab entry
// (docs/architecture.md#listen-service-fields): fields 7-11, the "port
// monitor specific" text that nlsadmin formats and pmadm stores after the
// six generic fields:
//
//	ADDRESS:RPC:LFLAGS:MODULES:COMMAND
//
//	ADDRESS  private address string (package nlsaddr), at most 63 characters, or empty
//	RPC      "prognum,versnum" in decimal, or empty
//	LFLAGS   c: COMMAND is a command line; p: COMMAND is the path of a
//	         standing server to pass the connection to; d: dynamic address
//	MODULES  comma-separated STREAMS module names, or empty
//	COMMAND  the rest of the line; it may hold ':'
//
// Nothing is escaped: the fields are split on the first four ':'.

import (
	"errors"
	"fmt"
	"strings"
)

// ListenVersion is the _pmtab version of listen's format (nlsadmin -V).
const ListenVersion = 4

// ListenMaxAddress is the longest private address the listener accepts;
// one of 64 characters or more makes the whole table unreadable.
const ListenMaxAddress = 63

// ListenMaxArgs is the most words a service command may split into,
// argv[0] included.
const ListenMaxArgs = 50

// LFlags are the listener flags of field 9.
type LFlags uint8

const (
	LFlagCommand LFlags = 1 << iota // c: field 11 is a command line
	LFlagDynamic                    // d: the service gets a dynamic address
	LFlagPipe                       // p: field 11 is a standing server's path (pass-fd)
)

// String renders the flags in nlsadmin's fixed order c, d, p ("" for none).
func (f LFlags) String() string {
	s := ""
	if f&LFlagCommand != 0 {
		s += "c"
	}
	if f&LFlagDynamic != 0 {
		s += "d"
	}
	if f&LFlagPipe != 0 {
		s += "p"
	}
	if f&LFlagOptions != 0 {
		s += "o"
	}
	return s
}

// ListenRPC is an RPC program and version (field 8, nlsadmin -R).
type ListenRPC struct {
	Prog, Vers uint32
}

// Listen is the listen-specific tail of a _pmtab entry.
type Listen struct {
	Address string     // the address string as stored, "" for none
	RPC     *ListenRPC // nil for none
	Flags   LFlags
	Modules []string // module names, in push order
	Command string   // command line (LFlagCommand) or standing server path (LFlagPipe)

	// Options is the OPTIONS field of an entry with flag o (our
	// extension, listenopts.go); the zero value otherwise. Format writes
	// the field exactly when Flags holds LFlagOptions.
	Options ListenOptions

	// Notes are the non-fatal problems ParseListen met, which the listener
	// logs once. Format ignores them.
	Notes []ListenNote
}

// Errors that make a listen tail unusable; the listener's read of the whole
// table then fails. They come wrapped in a *ListenError.
var (
	ErrListenFields         = errors.New("fewer than 5 listen fields (11 in all)")
	ErrListenAddressTooLong = fmt.Errorf("private address of more than %d characters", ListenMaxAddress)
	ErrListenRPCNotInteger  = errors.New("non-integer rpc info")
	ErrListenRPCInvalid     = errors.New("invalid rpc info: no ',' between program and version")
	ErrListenRPCRange       = errors.New("rpc program or version out of range")
)

// Errors of SplitCommand. The listener logs ErrListenQuote as "invalid
// command line, non-terminated string for service code S".
var (
	ErrListenQuote        = errors.New("non-terminated string")
	ErrListenTooManyArgs  = fmt.Errorf("more than %d arguments", ListenMaxArgs)
	ErrListenEmptyCommand = errors.New("empty command")
)

// ListenError reports a bad field of a listen tail.
type ListenError struct {
	Field string // "fields", "address", "rpc info" or "options"
	Value string // the field's text (the whole tail for "fields")
	Err   error  // one of the ErrListen* values
}

func (e *ListenError) Error() string {
	return fmt.Sprintf("pmtab: listen %s %q: %v", e.Field, e.Value, e.Err)
}

func (e *ListenError) Unwrap() error { return e.Err }

// Is makes every ListenError an ErrCorrupt: the line cannot be used.
func (e *ListenError) Is(target error) bool { return target == ErrCorrupt }

// ListenNoteKind says which non-fatal problem a ListenNote records.
type ListenNoteKind uint8

const (
	// ListenNoteStaticAndDynamic: flag d together with an address. The
	// address is dropped and d is not set, so the listener does not bind
	// the entry at all: the original's quirk, kept
	// (docs/original.md#listen-quirks).
	ListenNoteStaticAndDynamic ListenNoteKind = iota + 1
	// ListenNoteUnknownFlag: a flag letter other than c, d, p; ignored.
	ListenNoteUnknownFlag
)

// ListenNote is a non-fatal problem in a listen tail.
type ListenNote struct {
	Kind ListenNoteKind
	Flag byte // the letter, for ListenNoteUnknownFlag
}

// ParseListen parses the listen-specific text of an entry (the generic
// Entry's PMSpecific) the way the listener reads it
// (docs/original.md#listen-table-rules). The fields are not trimmed. An
// address together with flag d is dropped and d cleared; unknown flag
// letters are ignored; both are recorded in Notes. The address is only
// checked for length here: its syntax matters when the listener binds it
// (package nlsaddr).
func ParseListen(pmspecific string) (Listen, error) {
	f := strings.SplitN(pmspecific, ":", 5)
	if len(f) < 5 {
		return Listen{}, &ListenError{Field: "fields", Value: pmspecific, Err: ErrListenFields}
	}
	l := Listen{Address: f[0], Command: f[4]}
	var err error
	if l.RPC, err = parseListenRPC(f[1]); err != nil {
		return Listen{}, err
	}
	for i := 0; i < len(f[2]); i++ {
		switch c := f[2][i]; c {
		case 'c':
			l.Flags |= LFlagCommand
		case 'p':
			l.Flags |= LFlagPipe
		case 'o':
			l.Flags |= LFlagOptions
		case 'd':
			if l.Address != "" {
				if !l.noted(ListenNoteStaticAndDynamic) {
					l.Notes = append(l.Notes, ListenNote{Kind: ListenNoteStaticAndDynamic})
				}
				continue
			}
			l.Flags |= LFlagDynamic
		default:
			l.Notes = append(l.Notes, ListenNote{Kind: ListenNoteUnknownFlag, Flag: c})
		}
	}
	if l.noted(ListenNoteStaticAndDynamic) {
		l.Address = ""
	}
	if len(l.Address) > ListenMaxAddress {
		return Listen{}, &ListenError{Field: "address", Value: l.Address, Err: ErrListenAddressTooLong}
	}
	l.Modules = splitListenModules(f[3])
	if l.Flags&LFlagOptions != 0 {
		opts, cmd, ok := strings.Cut(l.Command, ":")
		if !ok {
			return Listen{}, &ListenError{Field: "options", Value: l.Command, Err: ErrListenFields}
		}
		if l.Options, err = ParseListenOptions(opts); err != nil {
			return Listen{}, &ListenError{Field: "options", Value: opts, Err: err}
		}
		l.Command = cmd
	}
	return l, nil
}

func (l Listen) noted(k ListenNoteKind) bool {
	for _, n := range l.Notes {
		if n.Kind == k {
			return true
		}
	}
	return false
}

// parseListenRPC reads "prognum,versnum". As in the original, any
// character other than a digit or the first comma is "non-integer", a
// missing comma is invalid, and an empty side counts as 0.
func parseListenRPC(s string) (*ListenRPC, error) {
	if s == "" {
		return nil, nil
	}
	fail := func(err error) (*ListenRPC, error) {
		return nil, &ListenError{Field: "rpc info", Value: s, Err: err}
	}
	var nums [2]uint64
	side := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			nums[side] = nums[side]*10 + uint64(c-'0')
			if nums[side] > 1<<32-1 {
				return fail(ErrListenRPCRange)
			}
		case c == ',' && side == 0:
			side = 1
		default:
			return fail(ErrListenRPCNotInteger)
		}
	}
	if side == 0 {
		return fail(ErrListenRPCInvalid)
	}
	return &ListenRPC{Prog: uint32(nums[0]), Vers: uint32(nums[1])}, nil
}

// splitListenModules splits a module list on commas, dropping empty names
// (",a,,b," is a and b). An empty list is nil.
func splitListenModules(s string) []string {
	var out []string
	for _, m := range strings.Split(s, ",") {
		if m != "" {
			out = append(out, m)
		}
	}
	return out
}

// Format returns the tail as nlsadmin's formatter prints it without the
// newline: ADDRESS:RPC:LFLAGS:MODULES:COMMAND, the rpc info as "prog,vers"
// and the flags in the order c, d, p.
func (l Listen) Format() string {
	rpc := ""
	if l.RPC != nil {
		rpc = fmt.Sprintf("%d,%d", l.RPC.Prog, l.RPC.Vers)
	}
	opts := ""
	if l.Flags&LFlagOptions != 0 {
		opts = l.Options.String() + ":"
	}
	return l.Address + ":" + rpc + ":" + l.Flags.String() + ":" + strings.Join(l.Modules, ",") + ":" + opts + l.Command
}

// Validate checks that Format(l) can be stored and read back unchanged
// (docs/linux.md#input-validation): an address of at most ListenMaxAddress
// characters without ':', '#' or newline; module names without ':', ',',
// '#', blanks or newline; a command without '#', newline or white space at
// its end; not both an address and LFlagDynamic; not both LFlagCommand and
// LFlagPipe.
func (l Listen) Validate() error {
	switch {
	case strings.ContainsAny(l.Address, ":#\n"):
		return fmt.Errorf("pmtab: listen address %q must not contain ':', '#' or a newline", l.Address)
	case len(l.Address) > ListenMaxAddress:
		return fmt.Errorf("pmtab: listen address %q is longer than %d characters", l.Address, ListenMaxAddress)
	case l.Address != "" && l.Flags&LFlagDynamic != 0:
		return fmt.Errorf("pmtab: listen entry has both a static address %q and a dynamic one", l.Address)
	case l.Flags&LFlagCommand != 0 && l.Flags&LFlagPipe != 0:
		return errors.New("pmtab: listen entry is both a command (c) and a standing server (p)")
	case l.Flags&LFlagOptions == 0 && !l.Options.IsZero():
		return errors.New("pmtab: listen entry has options but not flag o")
	case l.Options.Internal == "" && l.Flags&(LFlagCommand|LFlagPipe) == 0 && l.Command == "" && l.Flags&LFlagOptions != 0:
		return errors.New("pmtab: listen entry with options has neither a command nor an internal service")
	case strings.ContainsAny(l.Command, "#\n"):
		return fmt.Errorf("pmtab: listen command %q must not contain '#' or a newline", l.Command)
	case strings.TrimRight(l.Command, " \t\r\v\f") != l.Command:
		// The generic reader drops white space at the end of an entry.
		return fmt.Errorf("pmtab: listen command %q must not end in white space", l.Command)
	}
	for _, m := range l.Modules {
		if m == "" || strings.ContainsAny(m, ":,# \t\n") {
			return fmt.Errorf("pmtab: listen module name %q must be non-empty, without ':', ',', '#', blanks or newlines", m)
		}
	}
	return nil
}

// SplitCommand splits a service command line into argv the way the listener
// does before it runs the service: words are separated by runs of blanks
// and tabs; a word that starts with ' or " runs to the next unescaped same
// quote (a backslash before that quote yields the quote; no other escapes)
// and ends there, so text right after the closing quote starts the next
// word; anything else is literal. At most ListenMaxArgs words (ours: the
// original overflowed silently).
func SplitCommand(cmd string) ([]string, error) {
	var argv []string
	i := 0
	for {
		for i < len(cmd) && (cmd[i] == ' ' || cmd[i] == '\t') {
			i++
		}
		if i == len(cmd) {
			break
		}
		if len(argv) == ListenMaxArgs {
			return nil, fmt.Errorf("pmtab: command %q: %w", cmd, ErrListenTooManyArgs)
		}
		if q := cmd[i]; q == '\'' || q == '"' {
			var w []byte
			i++
			for {
				if i == len(cmd) {
					return nil, fmt.Errorf("pmtab: command %q: %w", cmd, ErrListenQuote)
				}
				c := cmd[i]
				if c == q {
					i++
					break
				}
				if c == '\\' && i+1 < len(cmd) && cmd[i+1] == q {
					c = q
					i++
				}
				w = append(w, c)
				i++
			}
			argv = append(argv, string(w))
			continue
		}
		start := i
		for i < len(cmd) && cmd[i] != ' ' && cmd[i] != '\t' {
			i++
		}
		argv = append(argv, cmd[start:i])
	}
	if len(argv) == 0 {
		return nil, fmt.Errorf("pmtab: command %q: %w", cmd, ErrListenEmptyCommand)
	}
	return argv, nil
}
