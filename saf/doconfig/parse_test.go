package doconfig

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

// Statement constructors for the tables; line numbers are filled in by the
// table entry.
func assign(line int, arg, name, value string) Stmt {
	return Stmt{Line: line, Op: OpAssign, Arg: arg, Name: name, Value: value}
}
func push(line int, arg string, mods ...string) Stmt {
	return Stmt{Line: line, Op: OpPush, Arg: arg, Modules: mods}
}
func pop(line int, arg string) Stmt { return Stmt{Line: line, Op: OpPop, Arg: arg} }
func run(line int, arg string) Stmt { return Stmt{Line: line, Op: OpRun, Arg: arg} }
func runwait(line int, arg string) Stmt {
	return Stmt{Line: line, Op: OpRunwait, Arg: arg}
}
func cd(op Op, line int, arg, dir string) Stmt {
	return Stmt{Line: line, Op: op, Arg: arg, Builtin: BuiltinCd, Dir: dir}
}
func ulimit(line int, arg string, blocks int64) Stmt {
	return Stmt{Line: line, Op: OpRun, Arg: arg, Builtin: BuiltinUlimit, Blocks: blocks}
}
func umask(op Op, line int, arg string, mask int) Stmt {
	return Stmt{Line: line, Op: op, Arg: arg, Builtin: BuiltinUmask, Mask: mask}
}

type parseTest struct {
	name string
	in   string
	want []Stmt // statements before the failing line, if any
	fail int    // failing line, 0 for none
	why  string // substring of the LineError's Reason
}

// longLine returns an assign line of exactly n characters (no newline).
func longLine(n int) string {
	const head = "assign A="
	return head + strings.Repeat("x", n-len(head))
}

var parseTests = []parseTest{
	// Lexical rules.
	{name: "empty script", in: ""},
	{name: "blank and comment lines", in: "\n  \t \n# a comment\n\t# indented comment\n\r\n"},
	{name: "comment after statement", in: "assign A=1 # set A\n", want: []Stmt{assign(1, "A=1", "A", "1")}},
	{name: "comment inside double quotes cuts the line", in: "assign A=\"x # y\"\n", fail: 1, why: "missing closing \""},
	{name: "comment inside single quotes cuts the line", in: "assign A='#'\n", fail: 1, why: "missing closing '"},
	{name: "hash glued to a word", in: "assign A=x#y\n", want: []Stmt{assign(1, "A=x", "A", "x")}},
	{name: "leading and trailing white space", in: " \t assign \t A=1 \t\r\n", want: []Stmt{assign(1, "A=1", "A", "1")}},
	{name: "vertical tab and form feed are white space", in: "\vassign\fA=1\v\n", want: []Stmt{assign(1, "A=1", "A", "1")}},
	{name: "last line without newline fails", in: "assign A=1", fail: 1, why: "not ended by a newline"},
	{name: "last comment line without newline fails", in: "assign A=1\n# the end", want: []Stmt{assign(1, "A=1", "A", "1")}, fail: 2, why: "not ended by a newline"},
	{name: "last blank line without newline fails", in: "\n\n   ", fail: 3, why: "not ended by a newline"},
	{name: "line of 1022 characters", in: longLine(1022) + "\n", want: []Stmt{assign(1, longLine(1022)[len("assign "):], "A", strings.Repeat("x", 1022-len("assign A=")))}},
	{name: "line of 1023 characters fails", in: longLine(1023) + "\n", fail: 1, why: "longer than 1022"},
	{name: "long line after good lines", in: "\nassign B=2\n" + longLine(2000) + "\nassign C=3\n", want: []Stmt{assign(2, "B=2", "B", "2")}, fail: 3, why: "longer than 1022"},
	{name: "long comment line fails too", in: "#" + strings.Repeat("c", 1500) + "\n", fail: 1, why: "longer than 1022"},
	{name: "NUL byte fails the line", in: "assign A=1\nassign B=\x002\n", want: []Stmt{assign(1, "A=1", "A", "1")}, fail: 2, why: "NUL"},
	{name: "NUL byte in a comment fails the line", in: "# \x00\n", fail: 1, why: "NUL"},
	{name: "line numbers count blank and comment lines", in: "\n# c\nassign A=1\n\nbogus\nassign B=2\n", want: []Stmt{assign(3, "A=1", "A", "1")}, fail: 5, why: `unknown keyword "bogus"`},
	{name: "stops at the first failing line", in: "bogus\nassign A=1\n", fail: 1},
	{name: "keyword upper case", in: "ASSIGN A=1\n", fail: 1, why: `unknown keyword "ASSIGN"`},
	{name: "keyword capitalised", in: "Assign A=1\n", fail: 1, why: "unknown keyword"},
	{name: "PUSH", in: "PUSH ldterm\n", fail: 1, why: "unknown keyword"},
	{name: "Pop", in: "Pop\n", fail: 1, why: "unknown keyword"},
	{name: "RUN", in: "RUN ls\n", fail: 1, why: "unknown keyword"},
	{name: "RunWait", in: "RunWait ls\n", fail: 1, why: "unknown keyword"},
	{name: "keyword glued to argument", in: "assignA=1\n", fail: 1, why: `unknown keyword "assignA=1"`},
	{name: "unknown keyword", in: "export A=1\n", fail: 1, why: `unknown keyword "export"`},

	// assign. The forms the original documents first.
	{name: "assign A=1", in: "assign A=1\n", want: []Stmt{assign(1, "A=1", "A", "1")}},
	{name: "assign A = 1", in: "assign A = 1\n", want: []Stmt{assign(1, "A = 1", "A", "1")}},
	{name: "assign A= 1", in: "assign A= 1\n", want: []Stmt{assign(1, "A= 1", "A", "1")}},
	{name: "assign A =1", in: "assign A =1\n", want: []Stmt{assign(1, "A =1", "A", "1")}},
	{name: "assign double quoted", in: "assign A=\"two words\"\n", want: []Stmt{assign(1, `A="two words"`, "A", "two words")}},
	{name: "assign single quoted with escaped quote", in: `assign A='it\'s'` + "\n", want: []Stmt{assign(1, `A='it\'s'`, "A", "it's")}},
	{name: "assign tabs around =", in: "assign A\t=\t1\n", want: []Stmt{assign(1, "A\t=\t1", "A", "1")}},
	{name: "assign empty value", in: "assign X=\n", want: []Stmt{assign(1, "X=", "X", "")}},
	{name: "assign empty value, trailing blanks", in: "assign X=  \t\n", want: []Stmt{assign(1, "X=", "X", "")}},
	{name: "assign empty value, spaced =", in: "assign X =\n", want: []Stmt{assign(1, "X =", "X", "")}},
	{name: "assign empty quotes", in: "assign X=\"\"\n", want: []Stmt{assign(1, `X=""`, "X", "")}},
	{name: "assign empty single quotes", in: "assign X=''\n", want: []Stmt{assign(1, `X=''`, "X", "")}},
	{name: "assign no substitution", in: "assign A=$HOME\n", want: []Stmt{assign(1, "A=$HOME", "A", "$HOME")}},
	{name: "assign no substitution in quotes", in: "assign A=\"${HOME}/x\"\n", want: []Stmt{assign(1, `A="${HOME}/x"`, "A", "${HOME}/x")}},
	{name: "assign escaped double quote", in: `assign A="a\"b"` + "\n", want: []Stmt{assign(1, `A="a\"b"`, "A", `a"b`)}},
	{name: "assign backslash before the other quote is literal", in: `assign A="a\'b"` + "\n", want: []Stmt{assign(1, `A="a\'b"`, "A", `a\'b`)}},
	{name: "assign backslash before other quote, single", in: `assign A='a\"b'` + "\n", want: []Stmt{assign(1, `A='a\"b'`, "A", `a\"b`)}},
	{name: "assign other backslashes are literal", in: `assign A="a\b\\c"` + "\n", want: []Stmt{assign(1, `A="a\b\\c"`, "A", `a\b\\c`)}},
	{name: "assign other quote inside quotes", in: `assign A="it's"` + "\n", want: []Stmt{assign(1, `A="it's"`, "A", "it's")}},
	{name: "assign quotes keep blanks", in: "assign A=\"  padded \t \"\n", want: []Stmt{assign(1, "A=\"  padded \t \"", "A", "  padded \t ")}},
	{name: "assign quote inside an unquoted value", in: "assign A=a\"b\n", want: []Stmt{assign(1, `A=a"b`, "A", `a"b`)}},
	{name: "assign = in the value", in: "assign A=x=y\n", want: []Stmt{assign(1, "A=x=y", "A", "x=y")}},
	{name: "assign PATH", in: "assign PATH=/usr/sbin:/usr/bin\n", want: []Stmt{assign(1, "PATH=/usr/sbin:/usr/bin", "PATH", "/usr/sbin:/usr/bin")}},
	{name: "assign name not validated", in: "assign 1-x.y=z\n", want: []Stmt{assign(1, "1-x.y=z", "1-x.y", "z")}},
	{name: "assign overrides", in: "assign A=1\nassign A=2\n", want: []Stmt{assign(1, "A=1", "A", "1"), assign(2, "A=2", "A", "2")}},
	{name: "assign without argument", in: "assign\n", fail: 1, why: "assign: no variable"},
	{name: "assign blanks only", in: "assign   \n", fail: 1, why: "assign: no variable"},
	{name: "assign without =", in: "assign A\n", fail: 1, why: "missing '='"},
	{name: "assign without = after blank", in: "assign A  \n", fail: 1, why: "missing '='"},
	{name: "assign two names", in: "assign A B=1\n", fail: 1, why: "missing '='"},
	{name: "assign two words", in: "assign X=a b\n", fail: 1, why: `text after the value: "b"`},
	{name: "assign two words after spaced =", in: "assign X = a b\n", fail: 1, why: "text after the value"},
	{name: "assign text after closing quote", in: "assign A=\"a\" b\n", fail: 1, why: "text after the closing"},
	{name: "assign text glued to closing quote", in: "assign A=\"a\"b\n", fail: 1, why: "text after the closing"},
	{name: "assign unterminated double quote", in: "assign A=\"abc\n", fail: 1, why: "missing closing \""},
	{name: "assign unterminated single quote", in: "assign A='abc\n", fail: 1, why: "missing closing '"},
	{name: "assign mismatched quotes", in: "assign A='abc\"\n", fail: 1, why: "missing closing '"},
	{name: "assign escaped closing quote", in: `assign A="abc\"` + "\n", fail: 1, why: "missing closing"},
	{name: "assign double backslash then quote", in: `assign A="a\\"` + "\n", fail: 1, why: "missing closing"},
	{name: "assign empty name (deviation)", in: "assign =1\n", fail: 1, why: "empty variable name"},

	// push.
	{name: "push one", in: "push ldterm\n", want: []Stmt{push(1, "ldterm", "ldterm")}},
	{name: "push commas", in: "push ldterm,ttcompat\n", want: []Stmt{push(1, "ldterm,ttcompat", "ldterm", "ttcompat")}},
	{name: "push blanks", in: "push ldterm \t ttcompat\n", want: []Stmt{push(1, "ldterm \t ttcompat", "ldterm", "ttcompat")}},
	{name: "push comma blank", in: "push ldterm, ttcompat\n", want: []Stmt{push(1, "ldterm, ttcompat", "ldterm", "ttcompat")}},
	{name: "push blank comma", in: "push ldterm ,ttcompat\n", want: []Stmt{push(1, "ldterm ,ttcompat", "ldterm", "ttcompat")}},
	{name: "push blank comma blank", in: "push a , b,c d\n", want: []Stmt{push(1, "a , b,c d", "a", "b", "c", "d")}},
	{name: "push names not validated when parsing", in: "push anything\n", want: []Stmt{push(1, "anything", "anything")}},
	{name: "push without argument", in: "push\n", fail: 1, why: "push: no module"},
	{name: "push empty name between commas", in: "push a,,b\n", fail: 1, why: "empty module name"},
	{name: "push empty name between blanked commas", in: "push a, ,b\n", fail: 1, why: "empty module name"},
	{name: "push leading comma", in: "push ,a\n", fail: 1, why: "empty module name"},
	{name: "push trailing comma", in: "push a,\n", fail: 1, why: "empty module name"},
	{name: "push comma only", in: "push ,\n", fail: 1, why: "empty module name"},

	// pop.
	{name: "pop", in: "pop\n", want: []Stmt{pop(1, "")}},
	{name: "pop blanks", in: "pop  \t\n", want: []Stmt{pop(1, "")}},
	{name: "pop ALL", in: "pop ALL\n", want: []Stmt{pop(1, "ALL")}},
	{name: "pop all is a module name", in: "pop all\n", want: []Stmt{pop(1, "all")}},
	{name: "pop module", in: "pop ldterm\n", want: []Stmt{pop(1, "ldterm")}},
	{name: "pop two words", in: "pop ldterm ttcompat\n", fail: 1, why: "more than one word"},
	{name: "pop ALL and more", in: "pop ALL x\n", fail: 1, why: "more than one word"},

	// run and runwait.
	{name: "run command", in: "run ls -l /tmp\n", want: []Stmt{run(1, "ls -l /tmp")}},
	{name: "runwait command", in: "runwait  echo  'a  b'\n", want: []Stmt{runwait(1, "echo  'a  b'")}},
	{name: "run without command", in: "run\n", fail: 1, why: "run: no command"},
	{name: "runwait without command", in: "runwait \t \n", fail: 1, why: "runwait: no command"},
	{name: "run cd", in: "run cd /tmp\n", want: []Stmt{cd(OpRun, 1, "cd /tmp", "/tmp")}},
	{name: "runwait cd is a built-in too", in: "runwait cd /tmp\n", want: []Stmt{cd(OpRunwait, 1, "cd /tmp", "/tmp")}},
	{name: "run cd without argument", in: "run cd\n", want: []Stmt{cd(OpRun, 1, "cd", "")}},
	{name: "run cd verbatim with spaces", in: "run cd   /a dir/b  c \n", want: []Stmt{cd(OpRun, 1, "cd   /a dir/b  c", "/a dir/b  c")}},
	{name: "run cd glued is a command", in: "run cd;ls\n", want: []Stmt{run(1, "cd;ls")}},
	{name: "run CD is a command", in: "run CD /tmp\n", want: []Stmt{run(1, "CD /tmp")}},
	{name: "run ulimit", in: "run ulimit 2048\n", want: []Stmt{ulimit(1, "ulimit 2048", 2048)}},
	{name: "run ulimit digits prefix", in: "run ulimit 12abc\n", want: []Stmt{ulimit(1, "ulimit 12abc", 12)}},
	{name: "run ulimit saturates", in: "run ulimit 99999999999999999999999\n", want: []Stmt{ulimit(1, "ulimit 99999999999999999999999", math.MaxInt64)}},
	{name: "run ulimit without argument", in: "run ulimit\n", fail: 1, why: "ulimit: want one number"},
	{name: "run ulimit x", in: "run ulimit x\n", fail: 1, why: "ulimit: want one number"},
	{name: "run ulimit negative", in: "run ulimit -1\n", fail: 1, why: "ulimit: want one number"},
	{name: "run ulimit two arguments", in: "run ulimit 1 2\n", fail: 1, why: "ulimit: want one number"},
	{name: "run umask", in: "run umask 022\n", want: []Stmt{umask(OpRun, 1, "umask 022", 0o22)}},
	{name: "runwait umask", in: "runwait umask 077\n", want: []Stmt{umask(OpRunwait, 1, "umask 077", 0o77)}},
	{name: "run umask 9 is 0", in: "run umask 9\n", want: []Stmt{umask(OpRun, 1, "umask 9", 0)}},
	{name: "run umask stops at non-octal digit", in: "run umask 78\n", want: []Stmt{umask(OpRun, 1, "umask 78", 0o7)}},
	{name: "run umask keeps permission bits", in: "run umask 1234\n", want: []Stmt{umask(OpRun, 1, "umask 1234", 0o234)}},
	{name: "run umask saturates", in: "run umask 7777777777777777777777777\n", want: []Stmt{umask(OpRun, 1, "umask 7777777777777777777777777", 0o777)}},
	{name: "run umask without argument", in: "run umask\n", fail: 1, why: "umask: want one octal"},
	{name: "run umask x", in: "run umask x\n", fail: 1, why: "umask: want one octal"},
	{name: "run umask two arguments", in: "run umask 022 033\n", fail: 1, why: "umask: want one octal"},
	{name: "run umask negative", in: "run umask -1\n", fail: 1, why: "umask: want one octal"},
}

func TestParse(t *testing.T) {
	for _, tt := range parseTests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(strings.NewReader(tt.in))
			if s == nil {
				t.Fatal("Parse returned a nil Script")
			}
			if err != s.Err {
				t.Errorf("Parse error %v, Script.Err %v: want the same", err, s.Err)
			}
			if !reflect.DeepEqual(s.Stmts, tt.want) && (len(s.Stmts) != 0 || len(tt.want) != 0) {
				t.Errorf("statements:\n got %#v\nwant %#v", s.Stmts, tt.want)
			}
			if tt.fail == 0 {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				return
			}
			var le *LineError
			if !errors.As(err, &le) {
				t.Fatalf("Parse error %v (%T): want a *LineError", err, err)
			}
			if le.Line != tt.fail {
				t.Errorf("failing line %d, want %d (%v)", le.Line, tt.fail, err)
			}
			if !strings.Contains(le.Reason, tt.why) {
				t.Errorf("reason %q does not contain %q", le.Reason, tt.why)
			}
			if !errors.Is(err, ErrSyntax) {
				t.Errorf("%v: not ErrSyntax", err)
			}
		})
	}
}

// A parsed statement printed with String parses back to itself.
func TestStmtStringRoundTrip(t *testing.T) {
	for _, tt := range parseTests {
		for _, st := range tt.want {
			checkRoundTrip(t, st)
		}
	}
}

func checkRoundTrip(t *testing.T, st Stmt) {
	t.Helper()
	line := st.String()
	s, err := Parse(strings.NewReader(line + "\n"))
	if err != nil {
		t.Fatalf("Parse(%q), from %#v: %v", line, st, err)
	}
	want := st
	want.Line = 1
	if len(s.Stmts) != 1 || !reflect.DeepEqual(s.Stmts[0], want) {
		t.Fatalf("Parse(%q) = %#v, want [%#v]", line, s.Stmts, want)
	}
}

// A read error is a system error, not a failing line.
func TestParseReadError(t *testing.T) {
	boom := errors.New("boom")
	r := &errReader{data: "assign A=1\nassign B=", err: boom}
	s, err := Parse(r)
	var se *SystemError
	if !errors.As(err, &se) || !errors.Is(err, boom) {
		t.Fatalf("Parse error %v (%T): want a *SystemError wrapping boom", err, err)
	}
	if len(s.Stmts) != 1 {
		t.Errorf("statements before the error: %v, want assign A=1", s.Stmts)
	}
	if line, err := s.Exec(&Recorder{}, 0); line != -1 || err != se {
		t.Errorf("Exec = %d, %v; want -1 and the system error", line, err)
	}
}

type errReader struct {
	data string
	err  error
}

func (r *errReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestOpString(t *testing.T) {
	for op, want := range map[Op]string{OpAssign: "assign", OpPush: "push", OpPop: "pop", OpRun: "run", OpRunwait: "runwait", 0: "Op(0)", 9: "Op(9)"} {
		if got := op.String(); got != want {
			t.Errorf("Op(%d).String() = %q, want %q", int(op), got, want)
		}
	}
}

func TestLineErrorText(t *testing.T) {
	_, err := Parse(strings.NewReader("\nfrob x\n"))
	if got, want := err.Error(), `doconfig: line 2: unknown keyword "frob"`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
