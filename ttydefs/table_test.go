package ttydefs

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func parseTable(t *testing.T, data string) *Table {
	t.Helper()
	entries, diags, err := Parse(strings.NewReader(data))
	if err != nil || len(diags) != 0 {
		t.Fatalf("Parse: %v %q", err, diags)
	}
	return NewTable(entries)
}

const huntTable = `# VERSION=1
9600:9600:9600::4800
4800:4800:4800::2400
2400:2400:2400::9600
self:9600:9600::self
tail:9600:9600::9600
bad:9600:9600::nowhere
empty:9600:9600::
`

func TestNextSpeed(t *testing.T) {
	tab := parseTable(t, huntTable)
	tests := []struct {
		cur     Entry
		want    string // label of the entry returned
		logs    []string
		lostErr string
	}{
		{cur: mustLookup(t, tab, "9600"), want: "4800"},
		{cur: mustLookup(t, tab, "2400"), want: "9600"},
		{cur: mustLookup(t, tab, "self"), want: "self"},
		{cur: mustLookup(t, tab, "tail"), want: "9600"},
		{cur: mustLookup(t, tab, "bad"), want: "bad", logs: []string{"bad's next speed-label (nowhere) is bad."}},
		{cur: mustLookup(t, tab, "empty"), want: "empty", logs: []string{"empty's next speed-label () is bad."}},
		// The built-in default goes to 4800, which this table has ...
		{cur: DefaultEntry(), want: "4800"},
	}
	for _, tt := range tests {
		var logs []string
		logf := func(format string, args ...any) { logs = append(logs, fmt.Sprintf(format, args...)) }
		got, err := tab.NextSpeed(tt.cur, logf)
		if err != nil {
			t.Errorf("NextSpeed(%s): %v", tt.cur.Label, err)
			continue
		}
		if got.Label != tt.want || !reflect.DeepEqual(logs, tt.logs) {
			t.Errorf("NextSpeed(%s) = %s, logs %q; want %s, %q", tt.cur.Label, got.Label, logs, tt.want, tt.logs)
		}
	}

	// ... and this one does not: the default cannot be found again.
	other := parseTable(t, "# VERSION=1\nx:9600:9600::x\n")
	var logs []string
	_, err := other.NextSpeed(DefaultEntry(), func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) })
	var lost *LostError
	if !errors.As(err, &lost) || err.Error() != "unable to find (default) again" {
		t.Errorf("NextSpeed(default) error = %v", err)
	}
	if want := []string{"default's next speed-label (4800) is bad."}; !reflect.DeepEqual(logs, want) {
		t.Errorf("logs %q, want %q", logs, want)
	}
	if _, err := other.NextSpeed(DefaultEntry(), nil); err == nil {
		t.Error("nil logf: no error")
	}
}

func mustLookup(t *testing.T, tab *Table, label string) Entry {
	t.Helper()
	e, ok := tab.Lookup(label)
	if !ok {
		t.Fatalf("no %s", label)
	}
	return e
}

func TestDanglingAndChain(t *testing.T) {
	tab := parseTable(t, huntTable)
	var got []string
	for _, e := range tab.Dangling() {
		got = append(got, DanglingMessage(e))
	}
	want := []string{
		"Warning -- nextlabel nowhere of bad does not reference any existing ttylabel.",
		"Warning -- nextlabel  of empty does not reference any existing ttylabel.",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("dangling:\n got %q\nwant %q", got, want)
	}
	for _, tt := range []struct {
		label  string
		labels []string
		closed bool
	}{
		{"9600", []string{"9600", "4800", "2400"}, true},
		{"self", []string{"self"}, true},
		{"tail", []string{"tail", "9600", "4800", "2400"}, true},
		{"bad", []string{"bad"}, false},
		{"missing", nil, false},
	} {
		labels, closed := tab.Chain(tt.label)
		if !reflect.DeepEqual(labels, tt.labels) || closed != tt.closed {
			t.Errorf("Chain(%s) = %q %v, want %q %v", tt.label, labels, closed, tt.labels, tt.closed)
		}
	}
}

func TestNewTableFirstWins(t *testing.T) {
	tab := NewTable([]Entry{{Label: "a", Next: "1"}, {Label: "a", Next: "2"}, {Label: "b", Next: "a"}})
	if e, _ := tab.Lookup("a"); e.Next != "1" || len(tab.Entries()) != 2 {
		t.Errorf("got %+v, entries %+v", e, tab.Entries())
	}
}
