package sac

import (
	"errors"
	"strings"
)

// MaxArgs is the most words sac builds from a _sactab command (NARGS).
const MaxArgs = 50

var (
	errUnterminated = errors.New(msgErrUnterminated)
	errTooManyArgs  = errors.New(msgErrTooManyArgs)
)

// splitCommand splits a _sactab command into argv the way sac's mkargv
// does: words separated by blanks and tabs; a ' or " starts a quoted word
// that ends at the next matching quote not preceded by a backslash, where
// backslash-quote yields the quote; no other escapes and no expansion. As
// in the original, text right before an opening quote in the same word is
// dropped ("ab'c d'" gives "c d"), and a leading blank gives an empty
// argv[0]. The original had no bound; we refuse more than MaxArgs words.
func splitCommand(cmd string) ([]string, error) {
	var argv []string
	i := 0
	// A leading separator yields an empty first word, as in the original.
	if i < len(cmd) && (cmd[i] == ' ' || cmd[i] == '\t') {
		argv = append(argv, "")
		for i < len(cmd) && (cmd[i] == ' ' || cmd[i] == '\t') {
			i++
		}
	}
	for i < len(cmd) {
		var word strings.Builder
		for i < len(cmd) && cmd[i] != ' ' && cmd[i] != '\t' {
			c := cmd[i]
			if c == '\'' || c == '"' {
				// Quoted word: whatever came before the quote is dropped.
				word.Reset()
				i++
				closed := false
				for i < len(cmd) {
					if cmd[i] == '\\' && i+1 < len(cmd) && cmd[i+1] == c {
						word.WriteByte(c)
						i += 2
						continue
					}
					if cmd[i] == c {
						closed = true
						i++
						break
					}
					word.WriteByte(cmd[i])
					i++
				}
				if !closed {
					return nil, errUnterminated
				}
				// The word ends at the closing quote.
				break
			}
			word.WriteByte(c)
			i++
		}
		argv = append(argv, word.String())
		if len(argv) > MaxArgs {
			return nil, errTooManyArgs
		}
		for i < len(cmd) && (cmd[i] == ' ' || cmd[i] == '\t') {
			i++
		}
	}
	return argv, nil
}
