package e2e

// --version on every program, and make release: static, stripped programs
// that say which build they are, the same bytes from every build.

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/linux-saf/saf/internal/testexec"
)

var allPrograms = []string{"sac", "ttymon", "listen", "sacadm", "pmadm", "ttyadm", "nlsadmin", "sttydefs"}

// versionLine is what --version prints: program, version, the commit when
// known, the Go release.
var versionLine = regexp.MustCompile(`^(\S+) \(linux-saf\) (\S+) \((?:commit ([0-9a-f]+), )?built with (go\S+)\)\n$`)

// Every program answers --version with one line on stdout and exit 0,
// whoever runs it (ttymon and listen before anything else they check).
func TestVersionEverywhere(t *testing.T) {
	for _, p := range allPrograms {
		var stderr bytes.Buffer
		cmd := exec.Command(testexec.Bin(t, p), "--version")
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Errorf("%s --version: %v, stderr %q", p, err, stderr.String())
			continue
		}
		m := versionLine.FindStringSubmatch(string(out))
		if m == nil || stderr.Len() > 0 {
			t.Errorf("%s --version: stdout %q, stderr %q; want one line matching %v", p, out, stderr.String(), versionLine)
			continue
		}
		if m[1] != p || m[4] != runtime.Version() {
			t.Errorf("%s --version: %q names %s built with %s", p, out, m[1], m[4])
		}
	}
}

// --version does not take the place of the letters the originals had:
// ttyadm -V and nlsadmin -V print their table's version.
func TestVersionKeepsV(t *testing.T) {
	for _, p := range []string{"ttyadm", "nlsadmin"} {
		out, err := exec.Command(testexec.Bin(t, p), "-V").Output()
		if err != nil || !regexp.MustCompile(`^[0-9]+\n$`).Match(out) {
			t.Errorf("%s -V: %v, %q; want the table version", p, err, out)
		}
	}
}

// make release builds static, stripped programs that carry the version
// they are given, and SHA256SUMS; a second build gives the same bytes.
func TestRelease(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every program twice")
	}
	const version, commit = "v1.2.3-4-gabcdef1", "abcdef1234567890abcdef1234567890abcdef12"
	a, b := t.TempDir(), t.TempDir()
	for _, d := range []string{a, b} {
		runMake(t, "release", "RELEASEDIR="+d, "SAF_VERSION="+version, "SAF_COMMIT="+commit)
	}
	var sums []string
	for _, p := range allPrograms {
		pa := filepath.Join(a, p)
		ba := readFile(t, pa)
		if !bytes.Equal(ba, readFile(t, filepath.Join(b, p))) {
			t.Errorf("%s differs between two builds of the same tree", p)
		}
		sum := sha256.Sum256(ba)
		sums = append(sums, hex.EncodeToString(sum[:])+"  "+p)

		f, err := elf.Open(pa)
		if err != nil {
			t.Fatal(err)
		}
		for _, prog := range f.Progs {
			if prog.Type == elf.PT_INTERP || prog.Type == elf.PT_DYNAMIC {
				t.Errorf("%s is dynamically linked", p)
			}
		}
		for _, s := range []string{".symtab", ".debug_info", ".zdebug_info"} {
			if f.Section(s) != nil {
				t.Errorf("%s has %s: not stripped", p, s)
			}
		}
		f.Close()

		out, err := exec.Command(pa, "--version").Output()
		want := p + " (linux-saf) " + version + " (commit " + commit + ", built with " + runtime.Version() + ")\n"
		if err != nil || string(out) != want {
			t.Errorf("%s --version: %v, %q; want %q", p, err, out, want)
		}
		if root := filepath.Clean(repoRoot(t)); bytes.Contains(ba, []byte(root)) {
			t.Errorf("%s holds the path of the tree it was built from, %s", p, root)
		}
	}
	got := strings.Split(strings.TrimSuffix(string(readFile(t, filepath.Join(a, "SHA256SUMS"))), "\n"), "\n")
	// sha256sum's lines, in the C order of the names.
	slices.SortFunc(sums, func(x, y string) int { return strings.Compare(x[66:], y[66:]) })
	if !slices.Equal(got, sums) {
		t.Errorf("SHA256SUMS:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(sums, "\n"))
	}
	if !bytes.Equal(readFile(t, filepath.Join(a, "SHA256SUMS")), readFile(t, filepath.Join(b, "SHA256SUMS"))) {
		t.Error("SHA256SUMS differs between two builds")
	}
	if _, err := os.Stat(filepath.Join(a, "testpm")); err == nil {
		t.Error("make release ships the test port monitor")
	}
}
