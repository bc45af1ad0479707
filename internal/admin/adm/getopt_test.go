package adm

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/linux-saf/saf/internal/version"
)

// TestGetopt pins the rules of Getopt: what each command line reads as
// (options as "opt=arg", operands) and the message that ends it.
func TestGetopt(t *testing.T) {
	const short = "bchId:p:r:"
	long := []string{"force", "max:", "wait::"}
	tests := []struct {
		args     string // split on blanks; "''" is an empty argument
		opts     string // the options read, blank-separated
		operands string
		err      string
	}{
		{args: "-bch", opts: "b c h"},
		{args: "-br5 -h", opts: "b r=5 h"},
		{args: "-r -h", opts: "r=-h"},
		{args: "-p --", opts: "p=--"},
		{args: "-p ''", opts: "p="},
		{args: "-dfoo -p bar", opts: "d=foo p=bar"},
		{args: "-p=a", opts: "p==a"},
		{args: "-b -- -c", opts: "b", operands: "-c"},
		{args: "-b x -c", opts: "b", operands: "x -c"},
		{args: "-b - -c", opts: "b", operands: "- -c"},
		{args: "--", operands: ""},
		{args: "-- --", operands: "--"},
		{args: "-b -x", opts: "b", err: "illegal option -- x"},
		{args: "-b-", opts: "b", err: "illegal option -- -"},
		{args: "-b:", opts: "b", err: "illegal option -- :"},
		{args: "-ü", err: "illegal option -- ü"},
		{args: "-bhd", opts: "b h", err: "option requires an argument -- d"},
		{args: "-h -r", opts: "h", err: "option requires an argument -- r"},
		// Long options: matched whole; the name is everything after "--".
		{args: "--force -b", opts: "force b"},
		{args: "--max=3 --max 4 --max=", opts: "max=3 max=4 max="},
		{args: "--wait --wait=no", opts: "wait wait=no"},
		{args: "--wait no", opts: "wait", operands: "no"},
		{args: "--bogus", err: "illegal option -- bogus"},
		{args: "--b", err: "illegal option -- b"},
		{args: "--forc", err: "illegal option -- forc"},
		{args: "--bogus=1 -b", err: "illegal option -- bogus=1"},
		{args: "--force=yes", err: "option doesn't take an argument -- force=yes"},
		{args: "-b --max", opts: "b", err: "option requires an argument -- max"},
		{args: "--help=x", err: "option doesn't take an argument -- help=x"},
		{args: "-b --help -x", opts: "b", err: ErrHelp.Error()},
		{args: "x --help", operands: "x --help"},
		// --version likewise; no letter stands for it.
		{args: "--version", err: ErrVersion.Error()},
		{args: "-b --version -x", opts: "b", err: ErrVersion.Error()},
		{args: "--version=1", err: "option doesn't take an argument -- version=1"},
		{args: "x --version", operands: "x --version"},
		{args: "-V", err: "illegal option -- V"},
	}
	for _, tt := range tests {
		var args []string
		for _, a := range strings.Fields(tt.args) {
			args = append(args, strings.ReplaceAll(a, "''", ""))
		}
		g := NewGetopt(args, short, long...)
		var opts []string
		for g.Next() {
			o := g.Opt
			if g.HasArg {
				o += "=" + g.Arg
			}
			opts = append(opts, o)
		}
		errText := ""
		if err := g.Err(); err != nil {
			errText = err.Error()
		}
		if got := strings.Join(opts, " "); got != tt.opts || errText != tt.err {
			t.Errorf("%q: options %q, error %q; want %q, %q", tt.args, got, errText, tt.opts, tt.err)
		}
		if got := strings.Join(g.Operands(), " "); tt.err == "" && got != tt.operands {
			t.Errorf("%q: operands %q, want %q", tt.args, g.Operands(), tt.operands)
		}
	}
}

func TestGetoptErrors(t *testing.T) {
	g := NewGetopt([]string{"-x"}, "b")
	g.Next()
	var u *UsageError
	if !errors.As(g.NoOperands(), &u) || u.Msg != "illegal option -- x" {
		t.Errorf("NoOperands after -x = %v", g.NoOperands())
	}
	g = NewGetopt([]string{"-b", "x", "y"}, "b")
	for g.Next() {
	}
	if !errors.As(g.NoOperands(), &u) || u.Msg != `unexpected argument "x"` {
		t.Errorf("NoOperands before x y = %v", g.NoOperands())
	}
}

func TestUsageReport(t *testing.T) {
	u := Usage{Prog: "cmd", Text: "Usage: cmd\n", Help: "Usage: cmd\nmore\n", Code: 5}
	for _, tt := range []struct {
		err            error
		code           int
		ok             bool
		stdout, stderr string
	}{
		{ErrHelp, 0, true, "Usage: cmd\nmore\n", ""},
		{ErrVersion, 0, true, version.String("cmd") + "\n", ""},
		{&UsageError{Msg: "illegal option -- x"}, 5, true, "", "cmd: illegal option -- x\nUsage: cmd\n"},
		{&UsageError{}, 5, true, "", "Usage: cmd\n"},
		{errors.New("other"), 0, false, "", ""},
	} {
		var stdout, stderr bytes.Buffer
		code, ok := u.Report(tt.err, &stdout, &stderr)
		if code != tt.code || ok != tt.ok || stdout.String() != tt.stdout || stderr.String() != tt.stderr {
			t.Errorf("Report(%v) = %d, %v, %q, %q; want %d, %v, %q, %q", tt.err, code, ok,
				stdout.String(), stderr.String(), tt.code, tt.ok, tt.stdout, tt.stderr)
		}
	}
}
