package pmtab_test

import (
	"bufio"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/linux-saf/saf/saf/pmtab"
)

var listenUpdate = flag.Bool("update-listen", false, "rewrite testdata/listen.golden")

// listenInputs reads testdata/listen.input: one tail per line, '#' lines
// and blank lines skipped.
func listenInputs(t testing.TB) []string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "listen.input"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close() // read-only; a close error cannot lose data
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// listenReport describes what ParseListen makes of in: the formatted tail
// and its notes, or the error. (The listener's own log lines for them are
// in its message catalogue, internal/listen/messages.go.)
func listenReport(in string) string {
	var b strings.Builder
	b.WriteString("in:   " + in + "\n")
	l, err := pmtab.ParseListen(in)
	if err != nil {
		b.WriteString("err:  " + err.Error() + "\n")
		return b.String()
	}
	b.WriteString("out:  " + l.Format() + "\n")
	for _, n := range l.Notes {
		switch n.Kind {
		case pmtab.ListenNoteStaticAndDynamic:
			b.WriteString("note: static and dynamic address\n")
		case pmtab.ListenNoteUnknownFlag:
			b.WriteString("note: unknown flag " + string(n.Flag) + "\n")
		}
	}
	return b.String()
}

// TestListenGolden parses every fixture tail and compares the result with
// testdata/listen.golden (gofmt's .input/.golden style), then checks that
// every formatted tail reads back to itself with no notes.
func TestListenGolden(t *testing.T) {
	var got strings.Builder
	for i, in := range listenInputs(t) {
		if i > 0 {
			got.WriteString("\n")
		}
		got.WriteString(listenReport(in))
	}
	golden := filepath.Join("testdata", "listen.golden")
	if *listenUpdate {
		if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != string(want) {
		t.Errorf("ParseListen results differ from %s (run with -update-listen and review the diff):\n%s", golden, got.String())
	}
	for _, line := range strings.Split(string(want), "\n") {
		out, ok := strings.CutPrefix(line, "out:  ")
		if !ok {
			continue
		}
		l, err := pmtab.ParseListen(out)
		if err != nil || l.Format() != out || len(l.Notes) != 0 {
			t.Errorf("formatted tail %q is not stable: %q, notes %v, %v", out, l.Format(), l.Notes, err)
		}
	}
}

func TestParseListen(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want pmtab.Listen
		err  error
	}{
		{
			in: `\x00020ACF810b8b6e0000000000000000::c:ntty,tirdwr,ldterm:/usr/bin/shserv`,
			want: pmtab.Listen{
				Address: `\x00020ACF810b8b6e0000000000000000`,
				Flags:   pmtab.LFlagCommand,
				Modules: []string{"ntty", "tirdwr", "ldterm"},
				Command: "/usr/bin/shserv",
			},
		},
		{
			in: `:100002,3:cd::/usr/lib/netsvc/rusers/rpc.rusersd`,
			want: pmtab.Listen{
				RPC:     &pmtab.ListenRPC{Prog: 100002, Vers: 3},
				Flags:   pmtab.LFlagCommand | pmtab.LFlagDynamic,
				Command: "/usr/lib/netsvc/rusers/rpc.rusersd",
			},
		},
		{
			in:   `::p::/var/spool/lp/fifos/listenS5`,
			want: pmtab.Listen{Flags: pmtab.LFlagPipe, Command: "/var/spool/lp/fifos/listenS5"},
		},
		{
			in: `\x0A::dcz::/x`,
			want: pmtab.Listen{Flags: pmtab.LFlagCommand, Command: "/x", Notes: []pmtab.ListenNote{
				{Kind: pmtab.ListenNoteStaticAndDynamic},
				{Kind: pmtab.ListenNoteUnknownFlag, Flag: 'z'},
			}},
		},
		{in: ``, err: pmtab.ErrListenFields},
		{in: `a:b:c:d`, err: pmtab.ErrListenFields},
		{in: `:1:c::/x`, err: pmtab.ErrListenRPCInvalid},
		{in: `:1,2,3:c::/x`, err: pmtab.ErrListenRPCNotInteger},
		{in: `:99999999999,1:c::/x`, err: pmtab.ErrListenRPCRange},
		{in: strings.Repeat("a", 64) + "::c::/x", err: pmtab.ErrListenAddressTooLong},
	} {
		got, err := pmtab.ParseListen(tt.in)
		if tt.err != nil {
			if !errors.Is(err, tt.err) || !errors.Is(err, pmtab.ErrCorrupt) {
				t.Errorf("ParseListen(%q) = %+v, %v; want error %v (and ErrCorrupt)", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseListen(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestListenFormat(t *testing.T) {
	for _, tt := range []struct {
		l    pmtab.Listen
		want string
	}{
		// nlsadmin's formatter lines.
		{pmtab.Listen{Flags: pmtab.LFlagCommand, Command: "/bin/cat"}, "::c::/bin/cat"},
		{pmtab.Listen{Flags: pmtab.LFlagCommand, Modules: []string{"ntty", "tirdwr"}, Command: "/usr/bin/shserv -x"}, "::c:ntty,tirdwr:/usr/bin/shserv -x"},
		{pmtab.Listen{Address: `\x00020ACF7F0000010000000000000000`, Flags: pmtab.LFlagCommand, Command: "/bin/cat"}, `\x00020ACF7F0000010000000000000000::c::/bin/cat`},
		{pmtab.Listen{RPC: &pmtab.ListenRPC{Prog: 100002, Vers: 3}, Flags: pmtab.LFlagDynamic | pmtab.LFlagCommand, Command: "/usr/lib/netsvc/rusers/rpc.rusersd"}, ":100002,3:cd::/usr/lib/netsvc/rusers/rpc.rusersd"},
		{pmtab.Listen{Flags: pmtab.LFlagPipe, Command: "/var/spool/lp/fifos/listenS5"}, "::p::/var/spool/lp/fifos/listenS5"},
		{pmtab.Listen{Flags: pmtab.LFlagPipe | pmtab.LFlagDynamic, Command: "/p"}, "::dp::/p"},
	} {
		if got := tt.l.Format(); got != tt.want {
			t.Errorf("%+v.Format() = %q, want %q", tt.l, got, tt.want)
		}
		if err := tt.l.Validate(); err != nil {
			t.Errorf("%+v.Validate() = %v", tt.l, err)
		}
	}
}

func TestListenValidate(t *testing.T) {
	for _, l := range []pmtab.Listen{
		{Address: "a:b", Command: "/x"},
		{Address: "a#b", Command: "/x"},
		{Address: "a\nb", Command: "/x"},
		{Address: strings.Repeat("a", 64), Command: "/x"},
		{Address: "a", Flags: pmtab.LFlagDynamic, Command: "/x"},
		{Flags: pmtab.LFlagCommand | pmtab.LFlagPipe, Command: "/x"},
		{Command: "/x #y"},
		{Command: "/x\n"},
		{Command: "/x "},
		{Modules: []string{"a:b"}, Command: "/x"},
		{Modules: []string{"a,b"}, Command: "/x"},
		{Modules: []string{""}, Command: "/x"},
		{Modules: []string{"a b"}, Command: "/x"},
	} {
		if err := l.Validate(); err == nil {
			t.Errorf("%+v.Validate() = nil, want an error", l)
		}
	}
}

var splitCommandTests = []struct {
	in   string
	want []string
	err  error
}{
	{in: "/bin/cat", want: []string{"/bin/cat"}},
	{in: "  /bin/echo \t a   b\t", want: []string{"/bin/echo", "a", "b"}},
	{in: `/bin/echo "a b" 'c d'`, want: []string{"/bin/echo", "a b", "c d"}},
	{in: `/bin/echo "a \"q\" b"`, want: []string{"/bin/echo", `a "q" b`}},
	{in: `/bin/echo 'it\'s' "\n\'"`, want: []string{"/bin/echo", "it's", `\n\'`}},
	{in: `/bin/echo "" x`, want: []string{"/bin/echo", "", "x"}},
	// A quote starts a quoted word only at the start of a word, and the
	// word ends at the closing quote.
	{in: `/bin/echo a"b c"`, want: []string{"/bin/echo", `a"b`, `c"`}},
	{in: `/bin/echo "ab"cd`, want: []string{"/bin/echo", "ab", "cd"}},
	{in: `/bin/echo a\ b`, want: []string{"/bin/echo", `a\`, "b"}},
	{in: `/bin/echo "abc`, err: pmtab.ErrListenQuote},
	{in: `/bin/echo 'abc\'`, err: pmtab.ErrListenQuote},
	{in: "", err: pmtab.ErrListenEmptyCommand},
	{in: " \t ", err: pmtab.ErrListenEmptyCommand},
	{in: "/x" + strings.Repeat(" a", 49), want: append([]string{"/x"}, strings.Fields(strings.Repeat(" a", 49))...)},
	{in: "/x" + strings.Repeat(" a", 50), err: pmtab.ErrListenTooManyArgs},
}

func TestSplitCommand(t *testing.T) {
	for _, tt := range splitCommandTests {
		got, err := pmtab.SplitCommand(tt.in)
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("SplitCommand(%q) = %q, %v; want error %v", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("SplitCommand(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// FuzzParseListen checks that ParseListen and SplitCommand never panic and
// that Format(ParseListen(x)) reads back to itself without notes.
func FuzzParseListen(f *testing.F) {
	for _, in := range listenInputs(f) {
		f.Add(in)
	}
	for _, tt := range splitCommandTests {
		f.Add("::c::" + tt.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		l, err := pmtab.ParseListen(in)
		if err == nil {
			out := l.Format()
			l2, err := pmtab.ParseListen(out)
			if err != nil || l2.Format() != out || len(l2.Notes) != 0 {
				t.Fatalf("%q -> %q -> %q, notes %v, %v", in, out, l2.Format(), l2.Notes, err)
			}
			_ = l.Validate() // must not panic; any answer is fine
		} else if !errors.Is(err, pmtab.ErrCorrupt) {
			t.Fatalf("ParseListen(%q) error %v is not ErrCorrupt", in, err)
		}
		argv, err := pmtab.SplitCommand(in)
		if err == nil && (len(argv) == 0 || len(argv) > pmtab.ListenMaxArgs) {
			t.Fatalf("SplitCommand(%q) = %d words", in, len(argv))
		}
		if !strings.ContainsAny(in, `'"`) {
			want := strings.FieldsFunc(in, func(r rune) bool { return r == ' ' || r == '\t' })
			if err == nil && !reflect.DeepEqual(argv, want) {
				t.Fatalf("SplitCommand(%q) = %q, want %q", in, argv, want)
			}
		}
	})
}
