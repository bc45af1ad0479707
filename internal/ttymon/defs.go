package ttymon

import (
	"bytes"
	"os"
	"strings"
	"sync"

	"github.com/linux-saf/saf/saf/saflog"
	"github.com/linux-saf/saf/ttydefs"
)

// defs is /etc/ttydefs as ttymon holds it: loaded at start-up and read
// again, when its modification time (whole seconds) has changed, at the
// moment a port is about to be (re)opened (ttymon.md 5.2). Port
// goroutines share it.
type defs struct {
	path string
	logf saflog.Logf

	mu    sync.Mutex
	mtime int64 // seconds; -1 before the first load
	table *ttydefs.Table
}

func newDefs(path string, logf saflog.Logf) *defs {
	return &defs{path: path, logf: logf, mtime: -1, table: ttydefs.NewTable(nil)}
}

// checkVersion is the start-up check of ttymon.md 7 step 12: a missing
// file counts as a failure.
func (d *defs) checkVersion() error {
	data, err := os.ReadFile(d.path)
	if err != nil {
		return err
	}
	return ttydefs.CheckVersion(data)
}

// load reads the file now, logging its diagnostics (ttymon.md 5.1,
// 19.2). A file that cannot be read leaves the table as it was.
func (d *defs) load() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.loadLocked(true)
}

func (d *defs) loadLocked(verbose bool) {
	fi, err := os.Stat(d.path)
	if err != nil {
		if verbose {
			d.logf("can't open \"%s\".\n", d.path)
		}
		return
	}
	data, err := os.ReadFile(d.path)
	if err != nil {
		if verbose {
			d.logf("can't open \"%s\".\n", d.path)
		}
		return
	}
	entries, diags, _ := ttydefs.Parse(bytes.NewReader(data)) // a read error on bytes cannot happen
	if verbose {
		for _, dg := range diags {
			msg := dg.Msg
			if strings.HasPrefix(msg, "Parsing failure") {
				msg += "\n" // ttymon.md 19.2: this one ends with a newline
			}
			d.logf("%s", msg)
		}
	}
	d.table = ttydefs.NewTable(entries)
	d.mtime = fi.ModTime().Unix()
}

// current returns the table, reading the file again first when its
// modification time changed since the last load.
func (d *defs) current() *ttydefs.Table {
	d.mu.Lock()
	defer d.mu.Unlock()
	if fi, err := os.Stat(d.path); err == nil && fi.ModTime().Unix() != d.mtime {
		d.loadLocked(true)
	}
	return d.table
}

// lookup returns the entry for label from t, or the built-in default
// entry after logging `unable to find <label> in "/etc/ttydefs"`
// (ttymon.md 5.2).
func lookupLabel(t *ttydefs.Table, label, path string, logf saflog.Logf) ttydefs.Entry {
	if e, ok := t.Lookup(label); ok {
		return e
	}
	logf("unable to find %s in \"%s\"", label, path)
	return ttydefs.DefaultEntry()
}

// readDefsQuiet loads a ttydefs file without logging: the per-port child
// and express mode use it (the parent has already reported what is
// wrong with the file).
func readDefsQuiet(path string) *ttydefs.Table {
	d := newDefs(path, saflog.Discard)
	d.loadLocked(false)
	return d.table
}
