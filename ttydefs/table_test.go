package ttydefs

import (
	"errors"
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
		cur  Entry
		want string // label of the entry returned
		bad  bool   // the nextlabel names no entry
	}{
		{cur: mustLookup(t, tab, "9600"), want: "4800"},
		{cur: mustLookup(t, tab, "2400"), want: "9600"},
		{cur: mustLookup(t, tab, "self"), want: "self"},
		{cur: mustLookup(t, tab, "tail"), want: "9600"},
		{cur: mustLookup(t, tab, "bad"), want: "bad", bad: true},
		{cur: mustLookup(t, tab, "empty"), want: "empty", bad: true},
		// The built-in default goes to 4800, which this table has ...
		{cur: DefaultEntry(), want: "4800"},
	}
	for _, tt := range tests {
		got, bad, err := tab.NextSpeed(tt.cur)
		if err != nil {
			t.Errorf("NextSpeed(%s): %v", tt.cur.Label, err)
			continue
		}
		if got.Label != tt.want || bad != tt.bad {
			t.Errorf("NextSpeed(%s) = %s, bad %v; want %s, %v", tt.cur.Label, got.Label, bad, tt.want, tt.bad)
		}
	}

	// ... and this one does not: the default cannot be found again.
	other := parseTable(t, "# VERSION=1\nx:9600:9600::x\n")
	_, bad, err := other.NextSpeed(DefaultEntry())
	var lost *LostError
	if !errors.As(err, &lost) || lost.Label != "default" || !bad {
		t.Errorf("NextSpeed(default) = bad %v, error %v", bad, err)
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
		"Warning -- nextlabel <nowhere> of <bad> does not reference any existing ttylabel.",
		"Warning -- nextlabel <> of <empty> does not reference any existing ttylabel.",
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
