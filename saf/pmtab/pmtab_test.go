package pmtab

import (
	"errors"
	"strings"
	"testing"

	"github.com/linux-saf/saf/saf/admfile"
)

func TestParseGeneric(t *testing.T) {
	in := "# VERSION=1\n" +
		"# comment\n" +
		"a:u:root:reserved:reserved:reserved:/dev/ttyS0:::/bin/login::9600::login\\: ::::#TTY a\n" +
		"verylongservicetag:xu:root:r1:r2:r3:x:y#\n" +
		"b:q:root:reserved:reserved:reserved:data   \n" +
		"c::root:reserved:reserved\n" +
		"d:x:nobody:reserved:reserved:reserved:#c\n"
	got := Parse([]byte(in))
	if len(got) != 5 {
		t.Fatalf("Parse = %d entries: %+v", len(got), got)
	}
	a := got[0]
	if a.Svc != "a" || a.Flags != FlagU || a.Identity != "root" || a.Reserved != [3]string{"reserved", "reserved", "reserved"} ||
		a.PMSpecific != "/dev/ttyS0:::/bin/login::9600::login\\: ::::" || a.Comment != "TTY a" || a.Line != 3 {
		t.Errorf("entry a = %+v", a)
	}
	v := got[1]
	if v.Svc != "verylongservi" && v.Svc != "verylongservic" || len(v.Warnings) != 1 || v.Flags != FlagU|FlagX || v.PMSpecific != "x:y" {
		t.Errorf("long tag entry = %+v", v)
	}
	if got[2].BadFlags != "q" || got[2].PMSpecific != "data" {
		t.Errorf("entry b = %+v", got[2])
	}
	if !errors.Is(got[3].Err, ErrCorrupt) || got[3].Line != 6 {
		t.Errorf("entry c = %+v", got[3])
	}
	if got[4].PMSpecific != "" || got[4].Flags != FlagX {
		t.Errorf("entry d = %+v", got[4])
	}
}

func TestFormatGeneric(t *testing.T) {
	e := Entry{Svc: "a", Flags: FlagX | FlagU, Identity: "root", Reserved: [3]string{Reserved, Reserved, Reserved},
		PMSpecific: "/dev/ttyS0:::/bin/login::9600::login\\: ::::", Comment: " "}
	want := "a:ux:root:reserved:reserved:reserved:/dev/ttyS0:::/bin/login::9600::login\\: ::::# \n"
	if got := Format(e); got != want {
		t.Errorf("Format = %q, want %q", got, want)
	}
	if err := Validate(e); err != nil {
		t.Errorf("Validate = %v", err)
	}
	back := Parse([]byte(want))[0]
	if back.PMSpecific != e.PMSpecific || back.Comment != e.Comment || back.Flags != e.Flags {
		t.Errorf("round trip = %+v", back)
	}
}

func TestValidateGeneric(t *testing.T) {
	ok := Entry{Svc: "s1", Identity: "root", PMSpecific: "a:b", Comment: "x#y"}
	if err := Validate(ok); err != nil {
		t.Fatal(err)
	}
	for name, mut := range map[string]func(*Entry){
		"empty svc":      func(e *Entry) { e.Svc = "" },
		"long svc":       func(e *Entry) { e.Svc = "abcdefghijklmno" },
		"svc not alnum":  func(e *Entry) { e.Svc = "a_b" },
		"colon in id":    func(e *Entry) { e.Identity = "a:b" },
		"hash in id":     func(e *Entry) { e.Identity = "a#b" },
		"hash in data":   func(e *Entry) { e.PMSpecific = "a#b" },
		"newline data":   func(e *Entry) { e.PMSpecific = "a\nb" },
		"trailing blank": func(e *Entry) { e.PMSpecific = "a " },
		"newline cmt":    func(e *Entry) { e.Comment = "\n" },
		"long line":      func(e *Entry) { e.PMSpecific = strings.Repeat("x", 500) },
	} {
		e := ok
		mut(&e)
		if Validate(e) == nil {
			t.Errorf("%s: accepted %+v", name, e)
		}
	}
}

func TestSetDisabled(t *testing.T) {
	for _, tt := range []struct {
		in      string
		disable bool
		want    string
	}{
		{"a:u:root:r:r:r:x#c", true, "a:ux:root:r:r:r:x#c"},
		{"a:xu:root:r:r:r:x#c", true, "a:ux:root:r:r:r:x#c"},
		{"a:ux:root:r:r:r:x#c", false, "a:u:root:r:r:r:x#c"},
		{"a:ux:root:r:r:r:x#c", true, "a:ux:root:r:r:r:x#c"},
		{"a::root:r:r:r:x#c", false, "a::root:r:r:r:x#c"},
		{"a:xxux:root:r:r:r:x  # c ", false, "a:u:root:r:r:r:x  # c "},
	} {
		if got := SetDisabled(tt.in, tt.disable); got != tt.want {
			t.Errorf("SetDisabled(%q, %v) = %q, want %q", tt.in, tt.disable, got, tt.want)
		}
	}
}

func TestDisplay(t *testing.T) {
	for in, want := range map[string]string{
		`a::b\:c:`: "a - b:c ",
		`:a`:       "- a",
		`a\b:c`:    `a\b c`,
		`/dev/term/a:::/usr/bin/login::contty::login\: ::::`: "/dev/term/a - - /usr/bin/login - contty - login:  - - - ",
		``: ``,
	} {
		if got := Display(in); got != want {
			t.Errorf("Display(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSetDisabledChecked(t *testing.T) {
	head := "svc::root:r:r:r:"
	full := head + strings.Repeat("d", admfile.MaxLine-1-len(head)) // 510 bytes + newline: fits
	if _, err := SetDisabledChecked(full, false); err != nil {
		t.Errorf("enable of a full line: %v", err)
	}
	if _, err := SetDisabledChecked(full, true); !errors.Is(err, ErrDisabledTooLong) {
		t.Errorf("disable of a full line: %v, want ErrDisabledTooLong", err)
	}
	short := full[:len(full)-1]
	got, err := SetDisabledChecked(short, true)
	if err != nil || got != "svc:x:root:r:r:r:"+strings.Repeat("d", len(short)-len(head)) {
		t.Errorf("disable of a line one short: %q, %v", got, err)
	}
	if got, err := SetDisabledChecked("svc:x"+short[4:], true); err != nil || got != "svc:x"+short[4:] {
		t.Errorf("disable of a full, already disabled line: %q, %v", got, err)
	}
}

func FuzzParseGeneric(f *testing.F) {
	f.Add([]byte("# VERSION=1\na:u:root:reserved:reserved:reserved:/dev/x:::/bin/login::9600::login\\: ::::#c\n"))
	f.Add([]byte("b:q:root:r:r:r:data   \nc::root\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, e := range Parse(data) {
			_ = Display(e.PMSpecific)
			if e.Err != nil || Validate(e) != nil {
				continue
			}
			line := Format(e)
			again := Parse([]byte(line))
			if len(again) != 1 || again[0].Err != nil {
				t.Fatalf("Format(%+v) = %q does not parse back", e, line)
			}
			g := again[0]
			if g.Svc != e.Svc || g.Flags != e.Flags || g.Identity != e.Identity || g.Reserved != e.Reserved ||
				g.PMSpecific != e.PMSpecific || g.Comment != e.Comment {
				t.Fatalf("round trip of %q: %+v, want %+v", line, g, e)
			}
			for _, disable := range []bool{true, false} {
				line, err := SetDisabledChecked(g.Raw, disable)
				if err != nil {
					if len(SetDisabled(g.Raw, disable))+1 <= admfile.MaxLine {
						t.Fatalf("SetDisabledChecked(%q, %v): %v for a line that fits", g.Raw, disable, err)
					}
					continue
				}
				got := Parse([]byte(line + "\n"))
				if len(got) != 1 || got[0].Err != nil || (got[0].Flags&FlagX != 0) != disable || got[0].PMSpecific != e.PMSpecific {
					t.Fatalf("SetDisabled(%q, %v) = %+v", g.Raw, disable, got)
				}
			}
		}
	})
}
