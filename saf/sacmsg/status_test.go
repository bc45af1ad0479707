package sacmsg

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

var statusTests = []struct {
	name string
	data string
	want []StatusEntry
}{
	{"empty", "", nil},
	{
		"one",
		"ttymon1:ttymon:0:2:2:/usr/lib/saf/ttymon:TTY Ports\n",
		[]StatusEntry{{Tag: "ttymon1", Type: "ttymon", RCount: 2, State: Enabled, Command: "/usr/lib/saf/ttymon", Comment: "TTY Ports"}},
	},
	{
		"all flags and states",
		"a:t:1:0:0:/bin/a: \n" +
			"b:t:2:0:1:/bin/b -x:\n" +
			"c:t:3:-1:5:/bin/c:c\n" +
			"d:t:0:0:6::\n",
		[]StatusEntry{
			{Tag: "a", Type: "t", Flags: FlagDisabled, State: NotRunning, Command: "/bin/a", Comment: " "},
			{Tag: "b", Type: "t", Flags: FlagNoStart, State: Starting, Command: "/bin/b -x"},
			{Tag: "c", Type: "t", Flags: FlagDisabled | FlagNoStart, RCount: -1, State: Failed, Command: "/bin/c", Comment: "c"},
			{Tag: "d", Type: "t", State: Unknown},
		},
	},
	{
		// The comment is the last field: it keeps its colons.
		"colons in comment",
		"listen:listen:0:0:3:/usr/lib/saf/listen tcp:host: 10.0.0.1:port\n",
		[]StatusEntry{{Tag: "listen", Type: "listen", State: Disabled, Command: "/usr/lib/saf/listen tcp", Comment: "host: 10.0.0.1:port"}},
	},
	{
		// Tags read from files are not checked (sac.md 1): anything but
		// ':' and newline passes through.
		"odd but legal",
		"::0:0:4::#x\t\n",
		[]StatusEntry{{State: Stopping, Comment: "#x\t"}},
	},
}

var statusErrorTests = []struct {
	data string
	want error
}{
	{"a:t:0:0:2:/bin/a:c", ErrBadStatus}, // no newline at the end
	{"\n", ErrBadStatus},
	{"a:t:0:0:2:/bin/a\n", ErrBadStatus}, // 6 fields
	{"a:t:0:0:2:/bin/a:c\n\n", ErrBadStatus},
	{"a:t:x:0:2:/bin/a:c\n", ErrBadStatus},
	{"a:t::0:2:/bin/a:c\n", ErrBadStatus},
	{"a:t:0:many:2:/bin/a:c\n", ErrBadStatus},
	{"a:t:0:99999999999999999999:2:/bin/a:c\n", ErrBadStatus},
	{"a:t:0:0:7:/bin/a:c\n", ErrBadStatus},
	{"a:t:0:0:255:/bin/a:c\n", ErrBadStatus}, // NO_SAC is sacadm's, never sac's
	{"a:t:0:0:-1:/bin/a:c\n", ErrBadStatus},
	{"a:t:0:0:ENABLED:/bin/a:c\n", ErrBadStatus},
	{"a:t:0:0:2:/bin/a:c\nb:t:0:0:2\n", ErrBadStatus},
	{"a:t:4:0:2:/bin/a:c\n", ErrBadFlags},
	{"a:t:-1:0:2:/bin/a:c\n", ErrBadFlags},
	{"a:t:0:0:2:/bin/a:c\nb:t:8:0:2:/bin/b:c\n", ErrBadFlags},
}

func TestParseStatus(t *testing.T) {
	for _, tt := range statusTests {
		got, err := ParseStatus([]byte(tt.data))
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: ParseStatus = %+v, %v; want %+v", tt.name, got, err, tt.want)
			continue
		}
		var b []byte
		for _, e := range got {
			if b, err = AppendStatus(b, e); err != nil {
				t.Fatalf("%s: AppendStatus(%+v): %v", tt.name, e, err)
			}
		}
		if string(b) != tt.data {
			t.Errorf("%s: AppendStatus = %q, want %q", tt.name, b, tt.data)
		}
	}
}

func TestParseStatusErrors(t *testing.T) {
	for _, tt := range statusErrorTests {
		got, err := ParseStatus([]byte(tt.data))
		if !errors.Is(err, tt.want) {
			t.Errorf("ParseStatus(%q) = %+v, %v; want %v", tt.data, got, err, tt.want)
			continue
		}
		if got != nil {
			t.Errorf("ParseStatus(%q) returned entries with an error: %+v", tt.data, got)
		}
		if !strings.HasPrefix(err.Error(), "sacmsg: status line ") {
			t.Errorf("ParseStatus(%q): error %q does not name the line", tt.data, err)
		}
	}
	// The line number is the failing record's.
	_, err := ParseStatus([]byte("a:t:0:0:2:/bin/a:c\nb:t:0:0:9:/bin/b:c\n"))
	if err == nil || !strings.Contains(err.Error(), "line 2:") {
		t.Errorf("error %v does not name line 2", err)
	}
}

func TestAppendStatusErrors(t *testing.T) {
	ok := StatusEntry{Tag: "a", Type: "t", Command: "/bin/a", Comment: "c"}
	for _, tt := range []struct {
		name string
		edit func(*StatusEntry)
		want error
	}{
		{"colon in tag", func(e *StatusEntry) { e.Tag = "a:b" }, ErrBadStatus},
		{"newline in type", func(e *StatusEntry) { e.Type = "t\n" }, ErrBadStatus},
		{"colon in command", func(e *StatusEntry) { e.Command = "/bin/a -h host:1" }, ErrBadStatus},
		{"newline in comment", func(e *StatusEntry) { e.Comment = "two\nlines" }, ErrBadStatus},
		{"state NO_SAC", func(e *StatusEntry) { e.State = NoSac }, ErrBadStatus},
		{"state 7", func(e *StatusEntry) { e.State = 7 }, ErrBadStatus},
		{"flag 4", func(e *StatusEntry) { e.Flags = 4 }, ErrBadFlags},
		{"negative flags", func(e *StatusEntry) { e.Flags = -1 }, ErrBadFlags},
	} {
		e := ok
		tt.edit(&e)
		b, err := AppendStatus([]byte("keep"), e)
		if !errors.Is(err, tt.want) || string(b) != "keep" {
			t.Errorf("%s: AppendStatus = %q, %v; want \"keep\", %v", tt.name, b, err, tt.want)
		}
	}
	// A colon in the comment is fine: it is the last field.
	e := ok
	e.Comment = "a:b"
	if _, err := AppendStatus(nil, e); err != nil {
		t.Errorf("colon in comment: %v", err)
	}
}

// formatStatus is the formatter of a whole listing.
func formatStatus(t testing.TB, entries []StatusEntry) []byte {
	t.Helper()
	var b []byte
	for _, e := range entries {
		var err error
		if b, err = AppendStatus(b, e); err != nil {
			t.Fatalf("AppendStatus(%+v): %v", e, err)
		}
	}
	return b
}

// TestStatusGolden parses a listing in a sloppy but valid spelling (signs,
// leading zeros) and checks the canonical form sac writes, and that
// formatting is idempotent.
func TestStatusGolden(t *testing.T) {
	in, err := os.ReadFile("testdata/status.input")
	if err != nil {
		t.Fatal(err)
	}
	golden, err := os.ReadFile("testdata/status.golden")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := ParseStatus(in)
	if err != nil {
		t.Fatalf("ParseStatus(status.input): %v", err)
	}
	out := formatStatus(t, entries)
	if !bytes.Equal(out, golden) {
		t.Errorf("formatted status.input:\n%s\nwant status.golden:\n%s", out, golden)
	}
	again, err := ParseStatus(out)
	if err != nil {
		t.Fatalf("ParseStatus(golden): %v", err)
	}
	if !bytes.Equal(formatStatus(t, again), out) {
		t.Error("formatting is not idempotent")
	}
}
