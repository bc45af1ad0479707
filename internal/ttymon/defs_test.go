package ttymon

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestTTYDefsDiagnostics: what ttymon logs for /etc/ttydefs, in the
// original's words: the first word its stty parser
// did not know, the line cut where its reader stood (after the ':' that
// follows a refused autobaud field), duplicates with their <label>, the
// 100-entry cap, and a missing file by the name it was read under.
func TestTTYDefsDiagnostics(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ttydefs")
	var b strings.Builder
	b.WriteString("# VERSION=1\n" +
		"a:9600 foo hupcl bar:9600::a\n" +
		"b:9600:9600:a:b\n" +
		"c:9600:9600: A :c\n" +
		"a:9600:9600::a\n")
	for i := range 100 {
		fmt.Fprintf(&b, "l%d:9600:9600::l%d\n", i, i)
	}
	write(t, path, b.String())
	var r logRec
	newDefs(path, r.logf).load()
	want := []string{
		"invalid mode: foo",
		"Parsing failure in the \"Initial flags\" field\na:9600 foo hupcl bar:<--error detected here\n",
		"Parsing failure in the \"Autobaud\" field\nb:9600:9600:a:<--error detected here\n",
		"Parsing failure in the \"Autobaud\" field\nc:9600:9600: A :<--error detected here\n",
		"can't add more entries to ttydefs table,  Maximum entries = 100",
	}
	if !reflect.DeepEqual(r.lines, want) {
		t.Errorf("logged\n%q\nwant\n%q", r.lines, want)
	}

	write(t, path, "# VERSION=1\n9600:9600:9600::9600\n9600:4800:4800::9600\n")
	r = logRec{}
	newDefs(path, r.logf).load()
	if want := []string{"Warning -- duplicate entry <9600>, ignored"}; !reflect.DeepEqual(r.lines, want) {
		t.Errorf("logged %q, want %q", r.lines, want)
	}

	os.Remove(path)
	r = logRec{}
	newDefs(path, r.logf).load()
	if want := []string{"can't open \"" + path + "\".\n"}; !reflect.DeepEqual(r.lines, want) {
		t.Errorf("logged %q, want %q", r.lines, want)
	}
}
