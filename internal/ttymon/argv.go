package ttymon

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/linux-saf/saf/saf/pmtab"
)

// MaxArgs is the most words a service command line may have.
const MaxArgs = 63

// errTooManyArgs: the service command line has more than MaxArgs words.
var errTooManyArgs = fmt.Errorf(errTextTooManyArgs, MaxArgs)

// splitArgs splits a service command line into words: blanks and tabs
// separate words, backslash escapes are decoded as in the table
// (docs/architecture.md#ttymon-escapes; so "\ " is a blank inside a word),
// there are no quotes. An escape that decodes to NUL ends its word, as the
// C string did.
func splitArgs(s string) ([]string, error) {
	var words []string
	i := 0
	for {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i >= len(s) {
			break
		}
		start := i
		for i < len(s) && s[i] != ' ' && s[i] != '\t' {
			if s[i] == '\\' {
				i += escapeLen(s[i:])
				continue
			}
			i++
		}
		if len(words) == MaxArgs {
			return nil, errTooManyArgs
		}
		words = append(words, pmtab.UnescapeTTY(s[start:min(i, len(s))]))
	}
	return words, nil
}

// errBadName: the name typed at the prompt cannot be handed to a service:
// it starts with '-' and would be taken for an option.
var errBadName = errors.New(errTextBadName)

// errNoCommand: the service command line has no words.
var errNoCommand = errors.New(errTextNoCommand)

// handOff is how the typed name reaches the service
// (docs/linux.md#login-hand-off).
type handOff int

const (
	// handPushBack: the typed line is pushed back into the input queue
	// (TIOCSTI) for the service to read, with TTYPROMPT set, as the
	// original left it in the queue.
	handPushBack handOff = iota
	// handArg: the name is in argv, through %u or as login -- NAME.
	handArg
)

// serviceArgv builds the argv of the service: %d is the device, %u the
// name typed at the prompt; a program named login without %u gets
// "-- NAME" appended. For any other service the name goes back into the
// input queue (handPushBack). name is empty when no name was read
// (connect-on-carrier ports).
//
// WARNING: name is untrusted input that becomes an argument of a program
// run as root. A name starting with '-' is refused (errBadName) whenever
// it would go into argv, even after "--", so that no template can turn
// it into an option. Re-verify with:
//
//	go test ./internal/ttymon/ -run 'TestServiceArgv'
func serviceArgv(service, device, name string) ([]string, handOff, error) {
	hasU := hasPercentU(service)
	argv, err := splitArgs(pmtab.ExpandService(service, device, name))
	if err != nil {
		return nil, 0, err
	}
	if len(argv) == 0 {
		return nil, 0, errNoCommand
	}
	if name == "" {
		return argv, handPushBack, nil
	}
	switch {
	case hasU:
		if strings.HasPrefix(name, "-") {
			return nil, 0, errBadName
		}
		return argv, handArg, nil
	case filepath.Base(argv[0]) == "login":
		if strings.HasPrefix(name, "-") {
			return nil, 0, errBadName
		}
		if len(argv)+2 > MaxArgs {
			return nil, 0, errTooManyArgs
		}
		return append(argv, "--", name), handArg, nil
	}
	return argv, handPushBack, nil
}

// hasPercentU reports whether the service command holds a %u that
// ExpandService replaces ("%%u" is a literal "%u").
func hasPercentU(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '%' {
			if s[i+1] == 'u' {
				return true
			}
			i++ // skip the character after '%', "%%" included
		}
	}
	return false
}

// loginName returns the name typed on a line: the first blank-separated
// word before the line's end. Solaris login read further words as var=value
// assignments; they are not handed on as a name.
func loginName(line []byte) string {
	s := string(line)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// Spawn limit (docs/linux.md#respawn-limits).
const (
	SpawnLimit  = 15
	SpawnWindow = 120 * time.Second
)

// spawnLimit counts the opens of one port: the original's
// check_spawnlimit, its p_respawn and p_time. Time is in whole seconds,
// as time(2) gave it.
type spawnLimit struct {
	count int   // opens counted since first
	first int64 // Unix seconds; 0 until the first open
}

// allow counts one open at now and reports whether it may go ahead. The
// window starts at the first open. When SpawnLimit opens have been
// counted, the count and the window start again at now either way, and
// the open is refused if the window was less than SpawnWindow old: the
// port is then NOTVALID until a re-read finds its entry again, which
// keeps this count.
func (s *spawnLimit) allow(now time.Time) bool {
	t := now.Unix()
	if s.first == 0 {
		s.first = t
	}
	if s.count >= SpawnLimit {
		tooRapid := t-s.first < int64(SpawnWindow/time.Second)
		s.first, s.count = t, 0
		if tooRapid {
			return false
		}
	}
	s.count++
	return true
}
