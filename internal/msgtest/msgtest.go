// Package msgtest checks a package's message catalogue: the file
// messages.go that holds every user-visible text of the package as named
// string constants, each marked on its line with a comment, "original"
// (the original system's text, byte for byte) or "ours" (a message the
// original did not have), optionally followed by ": " and a remark. A constant named detail... is text of ours that
// follows an original text: it starts with ": " or " (", so that the
// original's words come first and whole.
//
// A package's messages_test.go calls Original with a table that pins each
// original constant to the original's text, written out literally in the
// test, and Golden, which compares the whole catalogue with
// testdata/messages.golden (rewritten by "go test -update"), so that any
// change to a message shows in review.
package msgtest

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Update is the -update flag: rewrite testdata/messages.golden from
// messages.go. Exported for a package test that writes its golden file
// itself.
var Update = flag.Bool("update", false, "rewrite testdata/messages.golden from messages.go")

// Kinds of message, as marked in messages.go.
const (
	Original = "original"
	Ours     = "ours"
)

// Message is one constant of the catalogue.
type Message struct {
	Name string
	Kind string // Original or Ours
	Text string
}

// Catalogue reads the constants of the file at path (messages.go) in
// source order. Every constant must be a string built from literals and
// earlier constants of the file with "+", and carry its kind as the
// comment on its line.
func Catalogue(t testing.TB, path string) []Message {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]string{}
	var out []Message
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			kind := ""
			if vs.Comment != nil {
				// "// ours" or "// ours: why", and the same for original.
				kind, _, _ = strings.Cut(strings.TrimSpace(vs.Comment.Text()), ":")
			}
			for i, name := range vs.Names {
				if i >= len(vs.Values) {
					t.Fatalf("%s: %s has no value of its own", fset.Position(name.Pos()), name.Name)
				}
				text, err := eval(vs.Values[i], values)
				if err != nil {
					t.Fatalf("%s: %s: %v", fset.Position(name.Pos()), name.Name, err)
				}
				if kind != Original && kind != Ours {
					t.Errorf("%s: %s is marked %q: mark it // %s or // %s", fset.Position(name.Pos()), name.Name, kind, Original, Ours)
				}
				// Detail may follow an original text only after ": " or
				// " (", never inside it or instead of it.
				if strings.HasPrefix(name.Name, "detail") || strings.HasPrefix(name.Name, "Detail") {
					if kind != Ours || !strings.HasPrefix(text, ": ") && !strings.HasPrefix(text, " (") {
						t.Errorf("%s: %s = %q: a detail is ours and starts with \": \" or \" (\"", fset.Position(name.Pos()), name.Name, text)
					}
				}
				values[name.Name] = text
				out = append(out, Message{Name: name.Name, Kind: kind, Text: text})
			}
		}
	}
	return out
}

// eval computes a constant string expression of the catalogue.
func eval(e ast.Expr, values map[string]string) (string, error) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", fmt.Errorf("not a string: %s", e.Value)
		}
		return strconv.Unquote(e.Value)
	case *ast.ParenExpr:
		return eval(e.X, values)
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", fmt.Errorf("operator %s in a message", e.Op)
		}
		x, err := eval(e.X, values)
		if err != nil {
			return "", err
		}
		y, err := eval(e.Y, values)
		return x + y, err
	case *ast.Ident:
		v, ok := values[e.Name]
		if !ok {
			return "", fmt.Errorf("%s is not an earlier message of the file", e.Name)
		}
		return v, nil
	}
	return "", fmt.Errorf("unsupported expression %T", e)
}

// Pin is one row of a package's table of original texts: the constant's
// name, the constant rendered with sample values (or the constant itself
// when it takes none), and the original's text with the same values,
// written out as the original printed it.
type Pin [3]string

// CheckOriginal compares each pin, and checks that the table pins every
// constant marked original and nothing else.
func CheckOriginal(t *testing.T, msgs []Message, pins []Pin) {
	t.Helper()
	kinds := map[string]string{}
	for _, m := range msgs {
		kinds[m.Name] = m.Kind
	}
	pinned := map[string]bool{}
	for _, p := range pins {
		name, got, want := p[0], p[1], p[2]
		pinned[name] = true
		switch kinds[name] {
		case Original:
		case "":
			t.Errorf("%s is not a constant of messages.go", name)
		default:
			t.Errorf("%s is pinned to an original text but marked %q", name, kinds[name])
		}
		if got != want {
			t.Errorf("%s renders\n\t%q\nthe original's text is\n\t%q", name, got, want)
		}
	}
	for _, m := range msgs {
		if m.Kind == Original && !pinned[m.Name] {
			t.Errorf("%s is marked original but the table does not pin it", m.Name)
		}
	}
}

// Golden compares the catalogue with testdata/messages.golden, or rewrites
// that file with -update.
func Golden(t *testing.T, msgs []Message) {
	t.Helper()
	var b strings.Builder
	b.WriteString("# Every message of the package (messages.go), in source order:\n")
	b.WriteString("# name [original|ours] then the text, quoted. Regenerate with go test -update.\n")
	for _, m := range msgs {
		fmt.Fprintf(&b, "%s [%s]\n\t%s\n", m.Name, m.Kind, strconv.Quote(m.Text))
	}
	path := filepath.Join("testdata", "messages.golden")
	if *Update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (create it with go test -update)", err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("the messages differ from %s (go test -update rewrites it; review the diff):\n%s", path, diff(string(want), got))
	}
}

// diff lists the lines of want missing from got and those of got new.
func diff(want, got string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	w, g := in(want), in(got)
	var b strings.Builder
	for _, l := range strings.Split(want, "\n") {
		if !g[l] {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range strings.Split(got, "\n") {
		if !w[l] {
			b.WriteString("+ " + l + "\n")
		}
	}
	return b.String()
}

// NoLiterals keeps message text out of every file of the package in the
// current directory but messages.go: a string literal with a blank and a
// letter in it, or any literal with a letter given as the text argument
// of a call named in textArg (function name -> argument index: log
// lines, errors, console lines), is a message that belongs in the
// catalogue. Formatting verbs are not text.
func NoLiterals(t *testing.T, textArg map[string]int) {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	verb := regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)
	hasLetter := func(s string) bool {
		s = verb.ReplaceAllString(s, "")
		return strings.IndexFunc(s, func(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }) >= 0
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || name == "messages.go" {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ImportSpec:
				return false
			case *ast.BasicLit:
				if s, _ := strconv.Unquote(n.Value); n.Kind == token.STRING && strings.Contains(s, " ") && hasLetter(s) {
					t.Errorf("%s: message text %s outside messages.go", fset.Position(n.Pos()), n.Value)
				}
			case *ast.CallExpr:
				fn := ""
				switch f := n.Fun.(type) {
				case *ast.Ident:
					fn = f.Name
				case *ast.SelectorExpr:
					fn = f.Sel.Name
				}
				i, ok := textArg[fn]
				if !ok || i >= len(n.Args) {
					return true
				}
				ast.Inspect(n.Args[i], func(m ast.Node) bool {
					if lit, ok := m.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						if s, _ := strconv.Unquote(lit.Value); hasLetter(s) {
							t.Errorf("%s: %s(%s): message text outside messages.go", fset.Position(lit.Pos()), fn, lit.Value)
						}
					}
					return true
				})
			}
			return true
		})
	}
}
