package pmtab

import (
	"errors"
	"slices"
	"testing"
)

func TestModules(t *testing.T) {
	tests := []struct {
		list  string
		names []string
		discs []LineDiscipline
		final LineDiscipline
		err   string // exact ModuleError text
		is    error
	}{
		{list: "", final: NTTY},
		{list: ",,,", final: NTTY},
		{list: "ldterm", names: []string{"ldterm"}, discs: []LineDiscipline{NTTY}, final: NTTY},
		{list: "ldterm,ttcompat", names: []string{"ldterm", "ttcompat"}, discs: []LineDiscipline{NTTY}, final: NTTY},
		{list: "ttcompat", names: []string{"ttcompat"}, final: NTTY},
		{list: "ptem,pckt,ttcompat", names: []string{"ptem", "pckt", "ttcompat"}, final: NTTY},
		{list: "ldterm,ppp", names: []string{"ldterm", "ppp"}, discs: []LineDiscipline{NTTY, NPPP}, final: NPPP},
		{list: "spppasyn", names: []string{"spppasyn"}, discs: []LineDiscipline{NPPP}, final: NPPP},
		{list: "slip,ttcompat", names: []string{"slip", "ttcompat"}, discs: []LineDiscipline{NSLIP}, final: NSLIP},
		{list: ",hdlc,", names: []string{"hdlc"}, discs: []LineDiscipline{NHDLC}, final: NHDLC},
		{list: "ppp,ldterm", names: []string{"ppp", "ldterm"}, discs: []LineDiscipline{NPPP, NTTY}, final: NTTY},
		{
			list:  "ldterm,ldterm,ldterm,ldterm,ldterm,ldterm,ldterm,ldterm,ldterm",
			names: slices.Repeat([]string{"ldterm"}, 9),
			discs: slices.Repeat([]LineDiscipline{NTTY}, 9),
			final: NTTY,
		},
		// Empty items do not count towards the nine.
		{
			list:  "ptem,,ptem,ptem,ptem,ptem,ptem,ptem,ptem,ptem,",
			names: slices.Repeat([]string{"ptem"}, 9),
			final: NTTY,
		},
		{
			list: "ptem,ptem,ptem,ptem,ptem,ptem,ptem,ptem,ptem,ptem",
			err:  "too many modules in <ptem,ptem,ptem,ptem,ptem,ptem,ptem,ptem,ptem,ptem>",
			is:   ErrTooManyModules,
		},
		// The count is checked before the names.
		{
			list: "a,b,c,d,e,f,g,h,i,j",
			err:  "too many modules in <a,b,c,d,e,f,g,h,i,j>",
			is:   ErrTooManyModules,
		},
		{list: "ldterm,bogus", err: "Error - invalid STREAMS module list <ldterm,bogus>.", is: ErrInvalidModule},
		{list: "LDTERM", err: "Error - invalid STREAMS module list <LDTERM>.", is: ErrInvalidModule},
		{list: "ldterm ", err: "Error - invalid STREAMS module list <ldterm >.", is: ErrInvalidModule},
		// listen's no-op modules are not ttymon modules.
		{list: "timod", err: "Error - invalid STREAMS module list <timod>.", is: ErrInvalidModule},
	}
	for _, tt := range tests {
		mods, err := ParseModules(tt.list)
		discs, derr := LineDisciplines(tt.list)
		final, ferr := FinalLineDiscipline(tt.list)
		cerr := CheckModules(tt.list)
		if tt.err != "" {
			for _, e := range []error{err, derr, ferr, cerr} {
				var me *ModuleError
				if !errors.As(e, &me) || e.Error() != tt.err || !errors.Is(e, tt.is) {
					t.Errorf("%q: error %v, want %q (%v)", tt.list, e, tt.err, tt.is)
				}
			}
			continue
		}
		if err != nil || derr != nil || ferr != nil || cerr != nil {
			t.Errorf("%q: errors %v, %v, %v, %v", tt.list, err, derr, ferr, cerr)
			continue
		}
		var names []string
		for _, m := range mods {
			names = append(names, m.Name)
		}
		if !slices.Equal(names, tt.names) {
			t.Errorf("ParseModules(%q) names = %q, want %q", tt.list, names, tt.names)
		}
		if !slices.Equal(discs, tt.discs) {
			t.Errorf("LineDisciplines(%q) = %v, want %v", tt.list, discs, tt.discs)
		}
		if final != tt.final {
			t.Errorf("FinalLineDiscipline(%q) = %v, want %v", tt.list, final, tt.final)
		}
	}
}

// The numbers are the kernel's (include/uapi/linux/tty.h); TIOCSETD takes
// them as they are.
func TestModuleLineDisciplineNumbers(t *testing.T) {
	for d, want := range map[LineDiscipline]int{NTTY: 0, NSLIP: 1, NPPP: 3, NHDLC: 13} {
		if int(d) != want {
			t.Errorf("%v = %d, want %d", d, int(d), want)
		}
	}
	if s := LineDiscipline(27).String(); s != "line discipline 27" {
		t.Errorf("String = %q", s)
	}
}

func TestModuleSplit(t *testing.T) {
	if got := SplitModules(",a,,b,"); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("SplitModules = %q", got)
	}
	if got := SplitModules(""); got != nil {
		t.Errorf("SplitModules(\"\") = %q", got)
	}
}
