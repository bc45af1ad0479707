package pmtab

// STREAMS module lists (the ttymon "modules" field, ttyadm -m, ttymon -m)
// and their Linux meaning.
//
// Linux has no STREAMS: a tty carries exactly one line discipline, set with
// TIOCSETD. docs/linux.md#line-disciplines maps each module name the
// original accepted onto a discipline, or onto nothing where the module
// only adapted an interface Linux has natively. A fixed table replaces the
// original's /dev/sad/user query. Everything here is pure: the ioctls
// belong to ttymon.

import (
	"errors"
	"fmt"
	"strings"
)

// MaxModules is the most names a module list may hold, as in the original.
const MaxModules = 9

// LineDiscipline is a Linux line-discipline number, the argument of TIOCSETD.
// x/sys/unix does not name all of them, so the few we use are defined here
// with the kernel's values (include/uapi/linux/tty.h).
type LineDiscipline int

// The line disciplines a module list can select.
const (
	NTTY  LineDiscipline = 0  // N_TTY: the ordinary terminal discipline
	NSLIP LineDiscipline = 1  // N_SLIP
	NPPP  LineDiscipline = 3  // N_PPP
	NHDLC LineDiscipline = 13 // N_HDLC
)

// String returns the kernel's name for d ("N_TTY"), or the number.
func (d LineDiscipline) String() string {
	switch d {
	case NTTY:
		return "N_TTY"
	case NSLIP:
		return "N_SLIP"
	case NPPP:
		return "N_PPP"
	case NHDLC:
		return "N_HDLC"
	}
	return fmt.Sprintf("line discipline %d", int(d))
}

// Module is one name of a module list with its Linux meaning.
type Module struct {
	Name string
	// NoOp is true for modules that are accepted but have no effect on
	// Linux (ttcompat, ptem, pckt); Disc is then meaningless.
	NoOp bool
	Disc LineDiscipline
}

// moduleTable is the table of docs/linux.md#line-disciplines. Names are
// case-sensitive, as on Solaris.
var moduleTable = map[string]Module{
	"ldterm":   {Name: "ldterm", Disc: NTTY},
	"ttcompat": {Name: "ttcompat", NoOp: true},
	"ptem":     {Name: "ptem", NoOp: true},
	"pckt":     {Name: "pckt", NoOp: true},
	"ppp":      {Name: "ppp", Disc: NPPP},
	"spppasyn": {Name: "spppasyn", Disc: NPPP},
	"slip":     {Name: "slip", Disc: NSLIP},
	"hdlc":     {Name: "hdlc", Disc: NHDLC},
}

// Sentinels for errors.Is on a *ModuleError.
var (
	ErrTooManyModules = errors.New("too many modules")
	ErrInvalidModule  = errors.New("invalid STREAMS module")
)

// ModuleError reports a module list that cannot be used. Its Error text is
// the exact message, which both ttyadm (on stderr) and ttymon (in its log)
// print.
type ModuleError struct {
	List string // the list as given
	Name string // the first unknown name; empty for ErrTooManyModules
	Err  error  // ErrTooManyModules or ErrInvalidModule
}

func (e *ModuleError) Error() string {
	if errors.Is(e.Err, ErrTooManyModules) {
		return "too many modules in <" + e.List + ">"
	}
	return "Error - invalid STREAMS module list <" + e.List + ">."
}

func (e *ModuleError) Unwrap() error { return e.Err }

// SplitModules splits a module list on commas, skipping empty items
// ("ldterm,,ttcompat," holds two names). It does not validate.
func SplitModules(list string) []string {
	var names []string
	for name := range strings.SplitSeq(list, ",") {
		if name != "" {
			names = append(names, name)
		}
	}
	return names
}

// ParseModules validates list and returns its modules in order. More than
// MaxModules names is checked before the names themselves. An empty list
// (or one of commas only) yields no modules and no error: the port is then
// left with whatever discipline it has.
func ParseModules(list string) ([]Module, error) {
	names := SplitModules(list)
	if len(names) > MaxModules {
		return nil, &ModuleError{List: list, Err: ErrTooManyModules}
	}
	mods := make([]Module, 0, len(names))
	for _, name := range names {
		m, ok := moduleTable[name]
		if !ok {
			return nil, &ModuleError{List: list, Name: name, Err: ErrInvalidModule}
		}
		mods = append(mods, m)
	}
	return mods, nil
}

// CheckModules reports whether list is a valid module list; see ParseModules.
func CheckModules(list string) error {
	_, err := ParseModules(list)
	return err
}

// LineDisciplines returns, in list order, the disciplines the modules of
// list ask for; no-op modules are left out, so "ldterm,ttcompat" gives
// [N_TTY] and "ttcompat" gives none. A caller that emulates the original's
// push of each module in turn sets them one after the other and reports a
// failure as "push (<module>) on <dev> failed"; ParseModules gives the names.
func LineDisciplines(list string) ([]LineDiscipline, error) {
	mods, err := ParseModules(list)
	if err != nil {
		return nil, err
	}
	var ds []LineDiscipline
	for _, m := range mods {
		if !m.NoOp {
			ds = append(ds, m.Disc)
		}
	}
	return ds, nil
}

// FinalLineDiscipline returns the one discipline the line should be left in
// for list. The original popped every module and pushed the list; with one
// discipline per tty that becomes "the last module that maps to a
// discipline, else N_TTY", so "ttcompat" alone gives N_TTY. Call it only
// when the entry has modules configured (ParseModules returns at least
// one): with none, ttymon leaves the line alone.
func FinalLineDiscipline(list string) (LineDiscipline, error) {
	ds, err := LineDisciplines(list)
	if err != nil {
		return NTTY, err
	}
	if len(ds) == 0 {
		return NTTY, nil
	}
	return ds[len(ds)-1], nil
}
