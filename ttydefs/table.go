package ttydefs

import "fmt"

// Table is a loaded ttydefs file, indexed by label.
type Table struct {
	entries []Entry
	index   map[string]int
}

// NewTable indexes entries. Of entries with the same label the first wins,
// as when reading the file.
func NewTable(entries []Entry) *Table {
	t := &Table{index: make(map[string]int, len(entries))}
	for _, e := range entries {
		if _, dup := t.index[e.Label]; dup {
			continue
		}
		t.index[e.Label] = len(t.entries)
		t.entries = append(t.entries, e)
	}
	return t
}

// Entries returns the entries in file order. The slice must not be changed.
func (t *Table) Entries() []Entry { return t.entries }

// Lookup returns the entry with label.
func (t *Table) Lookup(label string) (Entry, bool) {
	i, ok := t.index[label]
	if !ok {
		return Entry{}, false
	}
	return t.entries[i], true
}

// Dangling returns, in file order, the entries whose nextlabel names no
// entry of the table. Self-loops and circular chains are fine.
func (t *Table) Dangling() []Entry {
	var out []Entry
	for _, e := range t.entries {
		if _, ok := t.index[e.Next]; !ok {
			out = append(out, e)
		}
	}
	return out
}

// DanglingMessage is the original sttydefs's warning for an entry of
// Dangling, its <value> brackets included.
func DanglingMessage(e Entry) string {
	return "Warning -- nextlabel <" + e.Next + "> of <" + e.Label + "> does not reference any existing ttylabel."
}

// Chain follows nextlabels from label and returns the labels visited, label
// first, each once. closed reports whether the chain came back to a label
// already visited (a ring, a self-loop, or a path into a ring); false means
// it reached a nextlabel that names no entry, or label itself is missing.
func (t *Table) Chain(label string) (labels []string, closed bool) {
	seen := map[string]bool{}
	for {
		e, ok := t.Lookup(label)
		if !ok {
			return labels, false
		}
		if seen[label] {
			return labels, true
		}
		seen[label] = true
		labels = append(labels, label)
		label = e.Next
	}
}

// LostError is ttymon's fatal case in next_speed: the current entry cannot
// be found again (only possible for the built-in default).
type LostError struct{ Label string }

func (e *LostError) Error() string { return fmt.Sprintf("unable to find (%s) again", e.Label) }

// NextSpeed returns the entry to use after a BREAK on cur (the original's
// next_speed): cur itself when its nextlabel is its own label; the entry
// its nextlabel names; or, when there is none, cur again as the table
// holds it, with badNext true (ttymon logs "<label>'s next speed-label
// (<next>) is bad."). When cur is not in the table either, the error is a
// *LostError and the caller (ttymon's child) exits 1.
func (t *Table) NextSpeed(cur Entry) (next Entry, badNext bool, err error) {
	if cur.Next == cur.Label {
		return cur, false, nil
	}
	if e, ok := t.Lookup(cur.Next); ok {
		return e, false, nil
	}
	if e, ok := t.Lookup(cur.Label); ok {
		return e, true, nil
	}
	return Entry{}, true, &LostError{Label: cur.Label}
}
