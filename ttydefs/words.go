package ttydefs

import (
	"strconv"
	"strings"
)

// wordClass says how the stty parser treats a word.
type wordClass uint8

const (
	classNone     wordClass = iota
	classMode               // a mode word: flags, composites, ignored Solaris-only words
	classSpeed              // a speed: sets input and output speed
	classChar               // a control character: takes the next word as its value
	classValue              // rows, columns ...: takes the next word, not termios state
	classSpeedArg           // ispeed, ospeed: takes the next word, which must be a speed
)

// speedWords are the Solaris speed words, in the Solaris parser's order.
var speedWords = []string{
	"0", "50", "75", "110", "134", "134.5", "150", "200", "300", "600",
	"1200", "1800", "2400", "4800", "9600", "19200", "19.2", "38400", "38.4",
	"57600", "57.6", "76800", "76.8", "115200", "115.2", "153600", "153.6",
	"230400", "230.4", "307200", "307.2", "460800", "460.8",
}

// Word lists of the Solaris stty parser. Negatable words are accepted with
// and without a leading '-'.
const (
	charWords  = "erase intr quit eof min eol eol2 time kill swtch start stop susp dsusp rprnt reprint discard flush werase lnext status"
	valueWords = "rows columns cols xpixels ypixels"

	negIflag   = "ignbrk brkint ignpar parmrk inpck istrip inlcr igncr icrnl iuclc ixon ixany ixoff imaxbel lcase LCASE nl"
	negOflag   = "opost olcuc onlcr ocrnl onocr onlret ofill ofdel fill tabs"
	negCflag   = "parenb parodd cs5 cs6 cs7 cs8 cstopb hupcl hup clocal loblk cread crtscts crtsxoff parity evenp oddp parext markp spacep"
	negLflag   = "isig icanon xcase echo echoe echok lfkc echonl noflsh tostop echoctl echoprt echoke defecho flusho pendin iexten stflush stwrap stappl"
	negTermiox = "rtsxoff ctsxon dtrxoff cdxon isxoff"
	negOther   = "raw"

	plainOflag   = "nul-fill del-fill cr0 cr1 cr2 cr3 nl0 nl1 tab0 tab1 tab2 tab3 tab8 ff0 ff1 vt0 vt1 bs0 bs1 tty33 tn300 ti700 vt05 tek tty37"
	plainTermiox = "xcibrg xctset xcrset rcibrg rctset rcrset tsetcoff tsetcrbrg tsetctbrg tsetctset tsetcrset rsetcoff rsetcrbrg rsetctbrg rsetctset rsetcrset async"
	plainOther   = "ek cooked sane"
)

// The words GNU stty 9.1 knows on Linux that the Solaris parser did not:
// flags
// (iutf8, cmspar and extproc are in "stty -a"), their synonyms and
// combinations, the window size's "line" and the speeds above 460800.
// "-cooked" (raw) is GNU's too. Neither list has "size" or "speed", which
// only print.
const (
	negGNU    = "iutf8 cmspar extproc tandem crterase prterase ctlecho crtkill cbreak pass8 litout decctlq drain"
	plainGNU  = "crt dec -cooked"
	valueGNU  = "line"
	gnuSpeeds = "exta extb 500000 576000 921600 1000000 1152000 1500000 2000000 2500000 3000000 3500000 4000000"
)

var wordClasses = func() map[string]wordClass {
	m := map[string]wordClass{"ispeed": classSpeedArg, "ospeed": classSpeedArg}
	for _, w := range speedWords {
		m[w] = classSpeed
	}
	for _, w := range strings.Fields(gnuSpeeds) {
		m[w] = classSpeed
	}
	for _, w := range strings.Fields(charWords) {
		m[w] = classChar
	}
	for _, w := range strings.Fields(valueWords + " " + valueGNU) {
		m[w] = classValue
	}
	for _, list := range []string{negIflag, negOflag, negCflag, negLflag, negTermiox, negOther, negGNU} {
		for _, w := range strings.Fields(list) {
			m[w] = classMode
			m["-"+w] = classMode
		}
	}
	for _, list := range []string{plainOflag, plainTermiox, plainOther, plainGNU} {
		for _, w := range strings.Fields(list) {
			m[w] = classMode
		}
	}
	return m
}()

// Fields splits a flags field into words: they are separated by blanks and
// tabs.
func Fields(flags string) []string {
	return strings.FieldsFunc(flags, func(r rune) bool { return r == ' ' || r == '\t' })
}

// Validate returns the words of flags that the Solaris stty parser rejects
// and GNU stty does not know either, in order; nil when every word is accepted. A control
// character, ispeed/ospeed or window size word takes the next word as its
// value; one at the very end with no value is accepted. For ispeed/ospeed
// the value must be a speed word, else the value is the invalid word.
func Validate(flags string) []string {
	var bad []string
	words := Fields(flags)
	for i := 0; i < len(words); i++ {
		switch wordClasses[words[i]] {
		case classNone:
			if _, ok := parseEncoded(words[i]); !ok {
				bad = append(bad, words[i])
			}
		case classChar, classValue:
			i++
		case classSpeedArg:
			if i+1 < len(words) {
				i++
				if wordClasses[words[i]] != classSpeed {
					bad = append(bad, words[i])
				}
			}
		}
	}
	return bad
}

// ModeError is a flag word the parser does not accept.
type ModeError struct{ Word string }

func (e *ModeError) Error() string { return InvalidModeMessage(e.Word) }

// minEncoded is the fewest fields of an encoded (stty -g) word the Solaris
// parser accepts; gnuEncoded is what GNU stty prints on Linux: four flag
// words and glibc's NCCS (32) control characters.
const (
	minEncoded = 12
	gnuEncoded = 4 + 32
)

// parseEncoded splits an encoded word into its numbers: at least minEncoded
// colon-separated hex numbers of up to 32 bits, digits only.
func parseEncoded(w string) ([]uint32, bool) {
	if strings.Count(w, ":")+1 < minEncoded {
		return nil, false
	}
	parts := strings.Split(w, ":")
	vals := make([]uint32, len(parts))
	for i, p := range parts {
		v, err := strconv.ParseUint(p, 16, 32) // base 16: no 0x prefix, no sign
		if err != nil {
			return nil, false
		}
		vals[i] = uint32(v)
	}
	return vals, true
}
