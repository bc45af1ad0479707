package admfile

import (
	"errors"
	"testing"
)

func TestVersion(t *testing.T) {
	tests := []struct {
		in   string
		want int
		err  error
	}{
		{"# VERSION=1\n", 1, nil},
		{"# VERSION=4\nx\n", 4, nil},
		{"comment\n# VERSION=2\n# VERSION=1\n", 2, nil}, // first stamp counts, anywhere
		{"# VERSION=\n", 0, nil},                        // atoi of nothing
		{"# VERSION=  7abc\n", 7, nil},                  // blanks skipped, junk ignored
		{"# VERSION=-3\n", -3, nil},
		{"# VERSION=1", 1, nil},          // last line without newline
		{"# VERSION=", 0, ErrNoStamp},    // prefix is the whole last line
		{"#VERSION=1\n", 0, ErrNoStamp},  // not a stamp
		{"# version=1\n", 0, ErrNoStamp}, // case matters
		{"#  VERSION=1\n", 0, ErrNoStamp},
		{" # VERSION=1\n", 0, ErrNoStamp},
		{"", 0, ErrNoStamp},
		{"# VERSION=99999999999999999999\n", 1<<31 - 1, nil},
	}
	for _, tt := range tests {
		got, err := Version([]byte(tt.in))
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("Version(%q) = %d, %v; want %d, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestLines(t *testing.T) {
	in := "# VERSION=1\n\n   \n# comment\na:b  \t#c1#c2\n  x:y\nlast#"
	got := Lines([]byte(in))
	want := []Line{
		{Num: 5, Body: "a:b", Comment: "c1#c2", HasComment: true, Raw: "a:b  \t#c1#c2"},
		{Num: 6, Body: "  x:y", Raw: "  x:y"},
		{Num: 7, Body: "last", Comment: "", HasComment: true, Raw: "last#"},
	}
	if len(got) != len(want) {
		t.Fatalf("Lines = %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestLinesTooLong(t *testing.T) {
	long := make([]byte, MaxLine) // MaxLine bytes + newline = too long
	for i := range long {
		long[i] = 'a'
	}
	ok := string(long[:MaxLine-1]) + "\n"
	l := Lines([]byte(ok))
	if len(l) != 1 || l[0].Err != nil {
		t.Fatalf("line of exactly %d bytes: %+v", MaxLine, l)
	}
	l = Lines(append(long, '\n'))
	if len(l) != 1 || !errors.Is(l[0].Err, ErrLineTooLong) {
		t.Fatalf("line of %d bytes: %+v", MaxLine+1, l)
	}
	// A long comment-only line is harmless.
	if l := Lines(append([]byte("#"), append(long, '\n')...)); len(l) != 0 {
		t.Fatalf("long comment line: %+v", l)
	}
}

func TestEditLines(t *testing.T) {
	data := []byte("# VERSION=1\na\nb\nc")
	if got := string(RemoveLine(data, 2)); got != "# VERSION=1\nb\nc" {
		t.Errorf("RemoveLine 2 = %q", got)
	}
	if got := string(RemoveLine(data, 4)); got != "# VERSION=1\na\nb\n" {
		t.Errorf("RemoveLine last = %q", got)
	}
	if got := string(ReplaceLine(data, 3, "B\n")); got != "# VERSION=1\na\nB\nc" {
		t.Errorf("ReplaceLine = %q", got)
	}
	if got := string(AppendLine(data, "d\n")); got != "# VERSION=1\na\nb\nc\nd\n" {
		t.Errorf("AppendLine repairs the missing newline: %q", got)
	}
	if got := string(AppendLine([]byte("x\n"), "d\n")); got != "x\nd\n" {
		t.Errorf("AppendLine = %q", got)
	}
}

func TestAtoi(t *testing.T) {
	for in, want := range map[string]int{"": 0, "10x": 10, " \t42": 42, "+5": 5, "-5": -5, "abc": 0, "0012": 12} {
		if got := Atoi(in); got != want {
			t.Errorf("Atoi(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestAtoiChecked(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int
		err  error
	}{
		{"", 0, nil}, {"abc", 0, nil}, {"12x", 12, nil}, {" +7", 7, nil}, {"-3", -3, nil},
		{"2147483647", MaxInt, nil},
		{"-2147483647", -MaxInt, nil},
		{"2147483648", MaxInt, ErrRange},
		{"99999999999999999999x", MaxInt, ErrRange},
		{"-99999999999", -MaxInt, ErrRange},
		{"000000000000000000002147483647", MaxInt, nil}, // leading zeros are no overflow
	} {
		got, err := AtoiChecked(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("AtoiChecked(%q) = %d, %v; want %d, %v", tt.in, got, err, tt.want, tt.err)
		}
		if a := Atoi(tt.in); a != tt.want {
			t.Errorf("Atoi(%q) = %d, want %d (saturated)", tt.in, a, tt.want)
		}
	}
}

func FuzzVersion(f *testing.F) {
	for _, s := range []string{"# VERSION=1\n", "# VERSION=", "x\n# VERSION=12abc\n", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Version(data)
		if err == nil && v == 0 && len(data) == 0 {
			t.Fatal("empty input has a version")
		}
		for _, l := range Lines(data) {
			if l.Num < 1 {
				t.Fatalf("line number %d", l.Num)
			}
		}
	})
}
