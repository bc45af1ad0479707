package ttymon

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/linux-saf/saf/saf/pmtab"
)

// fakeAccounts replaces the user database and the file-system checks for
// the duration of a test.
func fakeAccounts(t *testing.T) {
	t.Helper()
	oldID, oldDev, oldSvc := lookupIdentity, checkDevice, checkService
	t.Cleanup(func() { lookupIdentity, checkDevice, checkService = oldID, oldDev, oldSvc })
	lookupIdentity = func(name string) (identity, error) {
		switch name {
		case "root":
			return identity{UID: 0, GID: 0, Home: "/root"}, nil
		case "nogroup":
			return identity{UID: 7, GID: 4242, Home: "/"}, errNoGroup
		}
		return identity{}, errNoPasswd
	}
	checkDevice = func(dev string) error {
		if strings.HasPrefix(dev, "/dev/") {
			return nil
		}
		return &pmtab.TTYCheckError{Msg: `error -- device "` + dev + `" does not exist`}
	}
	checkService = func(cmd string) error {
		if strings.HasPrefix(cmd, "/bin/") {
			return nil
		}
		return &pmtab.TTYCheckError{Msg: "error -- server command is missing"}
	}
}

type logRec struct{ lines []string }

func (r *logRec) logf(format string, args ...any) {
	r.lines = append(r.lines, fmt.Sprintf(format, args...))
}

func TestReadPMTab(t *testing.T) {
	fakeAccounts(t)
	tab := `# VERSION=1
# a comment line

a1:u:root:reserved:reserved:reserved:/dev/ttyS0:h::/bin/login::9600::login\: ::vt100:y:#first
a2::root:reserved:reserved:reserved:/dev/ttyS1:::/bin/login::9600::p:::#
a1::root:reserved:reserved:reserved:/dev/ttyS2:::/bin/login::9600::p:::#dup
bad:q:root:r:r:r:/dev/ttyS3:::/bin/login::9600::p:::#
off:x:root:r:r:r:/dev/ttyS4:::/bin/login::9600::p:::#
offmsg:x:root:r:r:r:/dev/ttyS5:::/bin/login::9600::p:closed::#
toolongtag12345::root:r:r:r:/dev/ttyS6:::/bin/login::9600::p:::#
bad-tag::root:r:r:r:/dev/ttyS6:::/bin/login::9600::p:::#
noid:::r:r:r:/dev/ttyS6:::/bin/login::9600::p:::#
who::nobodyhere:r:r:r:/dev/ttyS6:::/bin/login::9600::p:::#
grp::nogroup:r:r:r:/dev/ttyS6:::/bin/login::9600::p:::#
dev::root:r:r:r:/tmp/x:::/bin/login::9600::p:::#
svc::root:r:r:r:/dev/ttyS7:::login::9600::p:::#
tt::root:r:r:r:/dev/ttyS7:z::/bin/login::9600::p:::#
short::root:r:r
sp ace::root:r:r:r:/dev/ttyS8:::/bin/login::9600::p:::#
init::root:r:r:r:/dev/ttyS9:I::/bin/login::9600::p:::#
mods::root:r:r:r:/dev/ttyS9:::/bin/login::9600:ldterm,foo:p:::#
many::root:r:r:r:/dev/ttyS9:::/bin/login::9600:a,b,c,d,e,f,g,h,i,j:p:::#
`
	var r logRec
	got := readPMTab([]byte(tab), 0, r.logf)
	var tags []string
	for _, e := range got {
		tags = append(tags, e.Tag)
	}
	if want := "a1 a2 offmsg init"; strings.Join(tags, " ") != want {
		t.Errorf("kept %q, want %q", tags, want)
	}
	a1 := got[0]
	if a1.Utmp() != true || a1.Disabled() || a1.Prompt != "login: " || a1.TermType != "vt100" ||
		a1.SoftCar != pmtab.SoftCarrierOn || !a1.Flags.NoHangup() || a1.Home != "/root" || a1.Line != 4 {
		t.Errorf("a1 = %+v", a1)
	}
	log := strings.Join(r.lines, "\n")
	for _, want := range []string{
		"Processing pmtab line #4",
		"Ignoring duplicate entry for <a1>",
		"Invalid flag -- q\nParsing failure in the \"flags\" field,\nbad:q<--error detected here",
		"port/service tag <toolongtag12345> is longer than 14",
		"port/service tag <bad-tag> is not alphanumeric",
		"identity field is missing",
		"missing or bad passwd entry for <nobodyhere>",
		"no group entry for 4242",
		`error -- device "/tmp/x" does not exist`,
		"error -- server command is missing",
		"Invalid ttyflag -- z\nParsing failure in the \"ttyflags\" field,\ntt::root:r:r:r:/dev/ttyS7:z<--error detected here",
		"Parsing failure in the \"reserved2\" field,\nshort::root:r:r<--error detected here",
		"Parsing failure in the \"tag\" field,\nsp a<--error detected here",
		"Parsing failure for entry: \nnoid:::r:r:r:/dev/ttyS6:::/bin/login::9600::p:::\n-------------------------------------------",
		"Error - invalid STREAMS module list <ldterm,foo>.\nParsing failure in the \"modules\" field,\nmods::root:r:r:r:/dev/ttyS9:::/bin/login::9600:ldterm,foo<--error detected here\n-------------------------------------------",
		"too many modules in <a,b,c,d,e,f,g,h,i,j>\nParsing failure in the \"modules\" field,\n",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q\nlog:\n%s", want, log)
		}
	}
	if strings.Contains(log, "Processing pmtab line #2\n") || strings.Contains(log, "Processing pmtab line #3") {
		t.Errorf("comment or blank line processed:\n%s", log)
	}
}

func TestReadPMTabCapacity(t *testing.T) {
	fakeAccounts(t)
	var b strings.Builder
	b.WriteString("# VERSION=1\n")
	for i := range 4 {
		fmt.Fprintf(&b, "p%d::root:r:r:r:/dev/tty%d:::/bin/login::9600::p:::#\n", i, i)
	}
	var r logRec
	got := readPMTab([]byte(b.String()), 2, r.logf)
	if len(got) != 2 {
		t.Fatalf("kept %d entries, want 2", len(got))
	}
	if n := strings.Count(strings.Join(r.lines, "\n"), "can't add more entries to pmtab, Maxfds = 2"); n != 1 {
		t.Errorf("capacity message %d times:\n%s", n, strings.Join(r.lines, "\n"))
	}
}

func TestSameEntry(t *testing.T) {
	fakeAccounts(t)
	var r logRec
	a := readPMTab([]byte("x::root:r:r:r:/dev/ttyS0:::/bin/login::9600::p:::#one\n"), 0, r.logf)[0]
	b := readPMTab([]byte("\n\nx::root:r:r:r:/dev/ttyS0:::/bin/login::9600::p:::#two\n"), 0, r.logf)[0]
	c := readPMTab([]byte("x::root:r:r:r:/dev/ttyS0:::/bin/login::9600::q:::#\n"), 0, r.logf)[0]
	if !same(a, b) {
		t.Error("same entry on another line with another comment differs")
	}
	if same(a, c) {
		t.Error("entries with different prompts are the same")
	}
}

func TestTokenField(t *testing.T) {
	for _, tc := range []struct {
		in, val string
		ok      bool
		pos     int
	}{
		{"abc:rest", "abc", true, 4},
		{"  abc  :rest", "abc", true, 8},
		{`a\:b:rest`, "a:b", true, 5},
		{`a\101b:`, "aAb", true, 7},
		{"ab c:", "ab", false, 3},
		{"abc", "abc", false, 3},
	} {
		pos := 0
		v, _, ok := tokenField(tc.in, &pos)
		if v != tc.val || ok != tc.ok || pos != tc.pos {
			t.Errorf("tokenField(%q) = %q, %v, pos %d; want %q, %v, %d", tc.in, v, ok, pos, tc.val, tc.ok, tc.pos)
		}
	}
}

func TestLookupIdentityErrors(t *testing.T) {
	if _, err := lookupIdentity("no-such-user-here-xyz"); !errors.Is(err, errNoPasswd) {
		t.Errorf("unknown user: %v", err)
	}
	id, err := lookupIdentity("root")
	if err != nil || id.UID != 0 {
		t.Errorf("root: %+v, %v", id, err)
	}
}
