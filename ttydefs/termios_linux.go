package ttydefs

import (
	"strconv"

	"github.com/linux-saf/saf/internal/termios"
	"golang.org/x/sys/unix"
)

// This file gives the words of words.go their GNU/Linux meaning
// (docs/linux.md#stty-words). It only fills in a unix.Termios; setting it
// on a line is the caller's business.

// Report says what Apply accepted but did not carry out.
type Report struct {
	// Ignored holds the words (with their value, for control characters
	// and window size words) that name something Linux termios lacks.
	Ignored []string
	// Unsupported holds the speeds that have no Linux Bxxx constant; the
	// speed was left as it was.
	Unsupported []string
}

// Apply applies the stty words of flags (blank-separated, as in a ttydefs
// field) to t. Either every word is accepted and t is updated, or t is left
// alone and the error is a *ModeError naming the first word the parser
// rejects (Validate lists all of them).
func Apply(t *unix.Termios, flags string) (Report, error) {
	return ApplyWords(t, Fields(flags))
}

// ApplyWords is Apply on words already split.
func ApplyWords(t *unix.Termios, words []string) (Report, error) {
	n := *t
	var rep Report
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch wordClasses[w] {
		case classMode:
			m := modes[w]
			if m.ignored {
				rep.Ignored = append(rep.Ignored, w)
				continue
			}
			m.apply(&n)
		case classSpeed:
			b, ok := speedCode(w)
			if !ok {
				rep.Unsupported = append(rep.Unsupported, w)
				continue
			}
			n.Cflag = n.Cflag&^(unix.CBAUD|unix.CIBAUD) | b
		case classSpeedArg:
			if i+1 == len(words) {
				continue // a trailing keyword is accepted and ignored
			}
			i++
			s := words[i]
			if wordClasses[s] != classSpeed {
				return Report{}, &ModeError{Word: s}
			}
			b, ok := speedCode(s)
			switch {
			case !ok:
				rep.Unsupported = append(rep.Unsupported, w+" "+s)
			case w == "ispeed":
				// 0 is "same as output speed" on Linux as on Solaris.
				n.Cflag = n.Cflag&^unix.CIBAUD | b<<unix.IBSHIFT
			default:
				n.Cflag = n.Cflag&^unix.CBAUD | b
			}
		case classChar:
			if i+1 == len(words) {
				continue
			}
			i++
			idx, ok := ccIndex[w]
			if !ok {
				rep.Ignored = append(rep.Ignored, w+" "+words[i])
				continue
			}
			n.Cc[idx] = charValue(w, words[i])
		case classValue:
			if i+1 < len(words) {
				i++
				rep.Ignored = append(rep.Ignored, w+" "+words[i])
			}
		default:
			vals, ok := parseEncoded(w)
			if !ok {
				return Report{}, &ModeError{Word: w}
			}
			if len(vals) == gnuEncoded {
				applyGNU(&n, vals)
			} else if s := applySolaris(&n, vals); s != "" {
				rep.Unsupported = append(rep.Unsupported, s)
			}
		}
	}
	*t = n
	return rep, nil
}

// charValue decodes the value of a control character word as Solaris did:
// ^c is c&0x1f, ^? is DEL, ^- and undef disable it, min and time take a
// decimal number, anything else its first byte.
func charValue(name, v string) uint8 {
	switch {
	case (name == "min" || name == "time") && v[0] >= '0' && v[0] <= '9':
		n := 0
		for i := 0; i < len(v) && v[i] >= '0' && v[i] <= '9'; i++ {
			n = (n*10 + int(v[i]-'0')) & 0xff // stored in a cc_t
		}
		return uint8(n)
	case v == "^-" || v == "undef":
		return 0 // _POSIX_VDISABLE
	case v == "^?":
		return 0x7f
	case len(v) >= 2 && v[0] == '^':
		return v[1] & 0x1f
	}
	return v[0]
}

// Flag word fields, indices into mode.set and mode.clr.
const (
	fIflag = iota
	fOflag
	fCflag
	fLflag
)

// mode is what a mode word does: clear then set bits in each flag word,
// then set control characters.
type mode struct {
	clr, set [4]uint32
	cc       []ccValue
	ignored  bool // accepted, but Linux has no such setting
}

type ccValue struct {
	idx int
	val uint8
}

func (m mode) apply(t *unix.Termios) {
	for k, p := range [4]*uint32{&t.Iflag, &t.Oflag, &t.Cflag, &t.Lflag} {
		*p = *p&^m.clr[k] | m.set[k]
	}
	for _, c := range m.cc {
		t.Cc[c.idx] = c.val
	}
}

// bitWord is a flag bit with a name; it is also how Words renders it.
type bitWord struct {
	name  string
	field int
	bit   uint32
}

var bitWords = []bitWord{
	{"parenb", fCflag, unix.PARENB},
	{"parodd", fCflag, unix.PARODD},
	{"parext", fCflag, unix.CMSPAR}, // Solaris PAREXT
	{"cstopb", fCflag, unix.CSTOPB},
	{"hupcl", fCflag, unix.HUPCL},
	{"cread", fCflag, unix.CREAD},
	{"clocal", fCflag, unix.CLOCAL},
	{"crtscts", fCflag, unix.CRTSCTS},

	{"ignbrk", fIflag, unix.IGNBRK},
	{"brkint", fIflag, unix.BRKINT},
	{"ignpar", fIflag, unix.IGNPAR},
	{"parmrk", fIflag, unix.PARMRK},
	{"inpck", fIflag, unix.INPCK},
	{"istrip", fIflag, unix.ISTRIP},
	{"inlcr", fIflag, unix.INLCR},
	{"igncr", fIflag, unix.IGNCR},
	{"icrnl", fIflag, unix.ICRNL},
	{"iuclc", fIflag, unix.IUCLC},
	{"ixon", fIflag, unix.IXON},
	{"ixany", fIflag, unix.IXANY},
	{"ixoff", fIflag, unix.IXOFF},
	{"imaxbel", fIflag, unix.IMAXBEL},

	{"opost", fOflag, unix.OPOST},
	{"olcuc", fOflag, unix.OLCUC},
	{"onlcr", fOflag, unix.ONLCR},
	{"ocrnl", fOflag, unix.OCRNL},
	{"onocr", fOflag, unix.ONOCR},
	{"onlret", fOflag, unix.ONLRET},
	{"ofill", fOflag, unix.OFILL},
	{"ofdel", fOflag, unix.OFDEL},

	{"isig", fLflag, unix.ISIG},
	{"icanon", fLflag, unix.ICANON},
	{"iexten", fLflag, unix.IEXTEN},
	{"echo", fLflag, unix.ECHO},
	{"echoe", fLflag, unix.ECHOE},
	{"echok", fLflag, unix.ECHOK},
	{"echonl", fLflag, unix.ECHONL},
	{"noflsh", fLflag, unix.NOFLSH},
	{"xcase", fLflag, unix.XCASE},
	{"tostop", fLflag, unix.TOSTOP},
	{"echoprt", fLflag, unix.ECHOPRT},
	{"echoctl", fLflag, unix.ECHOCTL},
	{"echoke", fLflag, unix.ECHOKE},
	{"flusho", fLflag, unix.FLUSHO},
	{"pendin", fLflag, unix.PENDIN},
}

// fieldWord sets a multi-bit field (character size, delays) to a value.
type fieldWord struct {
	name  string
	field int
	mask  uint32
	val   uint32
}

var fieldWords = []fieldWord{
	{"cs5", fCflag, unix.CSIZE, unix.CS5},
	{"cs6", fCflag, unix.CSIZE, unix.CS6},
	{"cs7", fCflag, unix.CSIZE, unix.CS7},
	{"cs8", fCflag, unix.CSIZE, unix.CS8},
	{"nl0", fOflag, unix.NLDLY, unix.NL0},
	{"nl1", fOflag, unix.NLDLY, unix.NL1},
	{"cr0", fOflag, unix.CRDLY, unix.CR0},
	{"cr1", fOflag, unix.CRDLY, unix.CR1},
	{"cr2", fOflag, unix.CRDLY, unix.CR2},
	{"cr3", fOflag, unix.CRDLY, unix.CR3},
	{"tab0", fOflag, unix.TABDLY, unix.TAB0},
	{"tab1", fOflag, unix.TABDLY, unix.TAB1},
	{"tab2", fOflag, unix.TABDLY, unix.TAB2},
	{"tab3", fOflag, unix.TABDLY, unix.TAB3},
	{"bs0", fOflag, unix.BSDLY, unix.BS0},
	{"bs1", fOflag, unix.BSDLY, unix.BS1},
	{"vt0", fOflag, unix.VTDLY, unix.VT0},
	{"vt1", fOflag, unix.VTDLY, unix.VT1},
	{"ff0", fOflag, unix.FFDLY, unix.FF0},
	{"ff1", fOflag, unix.FFDLY, unix.FF1},
}

// charWord is a control character name and its Linux c_cc index.
type charWord struct {
	name string
	idx  int
}

// charWordList holds the control characters Linux has, in the order
// Words renders them.
var charWordList = []charWord{
	{"intr", unix.VINTR}, {"quit", unix.VQUIT}, {"erase", unix.VERASE},
	{"kill", unix.VKILL}, {"eof", unix.VEOF}, {"eol", unix.VEOL},
	{"eol2", unix.VEOL2}, {"swtch", unix.VSWTC}, {"start", unix.VSTART},
	{"stop", unix.VSTOP}, {"susp", unix.VSUSP}, {"rprnt", unix.VREPRINT},
	{"werase", unix.VWERASE}, {"lnext", unix.VLNEXT}, {"discard", unix.VDISCARD},
	{"min", unix.VMIN}, {"time", unix.VTIME},
}

// ccIndex maps every control character word Linux has to its slot; dsusp
// and status are Solaris-only and absent.
var ccIndex = func() map[string]int {
	m := map[string]int{"reprint": unix.VREPRINT, "flush": unix.VDISCARD}
	for _, c := range charWordList {
		m[c.name] = c.idx
	}
	return m
}()

// Control characters as GNU stty's "sane" and "ek" set them.
const (
	ctrlC, ctrlD, ctrlO, ctrlQ, ctrlR = 0x03, 0x04, 0x0f, 0x11, 0x12
	ctrlS, ctrlU, ctrlV, ctrlW, ctrlZ = 0x13, 0x15, 0x16, 0x17, 0x1a
	ctrlBackslash, del                = 0x1c, 0x7f
)

var modes = func() map[string]mode {
	m := map[string]mode{}
	bits := func(set bool, f int, b uint32) mode {
		var md mode
		if set {
			md.set[f] = b
		} else {
			md.clr[f] = b
		}
		return md
	}
	for _, w := range bitWords {
		m[w.name] = bits(true, w.field, w.bit)
		m["-"+w.name] = bits(false, w.field, w.bit)
	}
	for _, w := range fieldWords {
		var md mode
		md.clr[w.field], md.set[w.field] = w.mask, w.val
		m[w.name] = md
	}
	// Synonyms Linux can carry out.
	m["hup"], m["-hup"] = m["hupcl"], m["-hupcl"]
	m["lfkc"], m["-lfkc"] = m["echok"], m["-echok"]
	m["tabs"], m["-tabs"] = m["tab0"], m["tab3"]
	addComposites(m)
	addGNU(m)
	m["sane"] = saneMode()

	// Accepted for validation, nothing to do on Linux.
	for _, w := range []string{
		"loblk", "-loblk", "crtsxoff", "-crtsxoff",
		"defecho", "-defecho", "stflush", "-stflush", "stwrap", "-stwrap", "stappl", "-stappl",
		"-cs5", "-cs6", "-cs7", "-cs8", // no meaning in GNU stty, none known from Solaris
		"tab8", "tty33", "tn300", "ti700", "vt05", "tek", "tty37",
	} {
		m[w] = mode{ignored: true}
	}
	for _, list := range []string{negTermiox, plainTermiox} {
		for _, w := range Fields(list) {
			m[w] = mode{ignored: true}
			if list == negTermiox {
				m["-"+w] = mode{ignored: true}
			}
		}
	}
	return m
}()

// addComposites adds the words that set several fields at once: parity,
// fill, nl, lcase, ek, raw and cooked (GNU stty's meaning).
func addComposites(m map[string]mode) {
	// Character size and parity composites (GNU stty; Solaris alike).
	var md mode
	md.clr[fCflag], md.set[fCflag] = unix.CSIZE|unix.PARODD, unix.PARENB|unix.CS7
	m["parity"], m["evenp"] = md, md
	md = mode{}
	md.clr[fCflag], md.set[fCflag] = unix.CSIZE, unix.PARENB|unix.PARODD|unix.CS7
	m["oddp"] = md
	md = mode{}
	md.clr[fCflag], md.set[fCflag] = unix.CSIZE|unix.PARENB, unix.CS8
	m["-parity"], m["-evenp"], m["-oddp"] = md, md, md
	// Mark and space parity: Solaris words, Linux CMSPAR.
	md = mode{}
	md.clr[fCflag], md.set[fCflag] = unix.CSIZE, unix.PARENB|unix.PARODD|unix.CMSPAR|unix.CS7
	m["markp"] = md
	md = mode{}
	md.clr[fCflag], md.set[fCflag] = unix.CSIZE|unix.PARENB|unix.PARODD|unix.CMSPAR, unix.CS8
	m["-markp"] = md
	md = mode{}
	md.clr[fCflag], md.set[fCflag] = unix.CSIZE|unix.PARODD, unix.PARENB|unix.CMSPAR|unix.CS7
	m["spacep"] = md
	md = mode{}
	md.clr[fCflag], md.set[fCflag] = unix.CSIZE|unix.PARENB|unix.CMSPAR, unix.CS8
	m["-spacep"] = md

	// Fill characters: Solaris words over the Linux bits.
	md = mode{}
	md.clr[fOflag], md.set[fOflag] = unix.OFDEL, unix.OFILL
	m["fill"], m["nul-fill"] = md, md
	md = mode{}
	md.clr[fOflag] = unix.OFILL | unix.OFDEL
	m["-fill"] = md
	md = mode{}
	md.set[fOflag] = unix.OFILL | unix.OFDEL
	m["del-fill"] = md

	// nl and lcase, GNU meaning.
	md = mode{}
	md.clr[fIflag], md.clr[fOflag] = unix.ICRNL, unix.ONLCR
	m["nl"] = md
	md = mode{}
	md.set[fIflag], md.clr[fIflag] = unix.ICRNL, unix.INLCR|unix.IGNCR
	md.set[fOflag], md.clr[fOflag] = unix.ONLCR, unix.OCRNL|unix.ONLRET
	m["-nl"] = md
	md = mode{}
	md.set[fIflag], md.set[fOflag], md.set[fLflag] = unix.IUCLC, unix.OLCUC, unix.XCASE
	m["lcase"], m["LCASE"] = md, md
	md = mode{}
	md.clr[fIflag], md.clr[fOflag], md.clr[fLflag] = unix.IUCLC, unix.OLCUC, unix.XCASE
	m["-lcase"], m["-LCASE"] = md, md

	m["ek"] = mode{cc: []ccValue{{unix.VERASE, del}, {unix.VKILL, ctrlU}}}

	// raw, -raw/cooked, sane: GNU stty. Unlike Solaris they leave character
	// size and parity alone; cooked sets no control characters on Linux,
	// where VMIN/VTIME have slots of their own.
	md = mode{cc: []ccValue{{unix.VMIN, 1}, {unix.VTIME, 0}}}
	md.clr[fIflag] = ^uint32(0) // GNU clears every input flag, IUTF8 included
	md.clr[fOflag] = unix.OPOST
	md.clr[fLflag] = unix.ISIG | unix.ICANON | unix.XCASE
	m["raw"] = md
	md = mode{}
	md.set[fIflag] = unix.BRKINT | unix.IGNPAR | unix.ISTRIP | unix.ICRNL | unix.IXON
	md.set[fOflag] = unix.OPOST
	md.set[fLflag] = unix.ISIG | unix.ICANON
	m["-raw"], m["cooked"] = md, md
}

// addGNU adds the words only GNU stty knows (words.go), with its
// meaning (coreutils stty.c): single flags, their synonyms, and the
// combinations.
func addGNU(m map[string]mode) {
	bit := func(name string, f int, b uint32) {
		var on, off mode
		on.set[f], off.clr[f] = b, b
		m[name], m["-"+name] = on, off
	}
	bit("iutf8", fIflag, unix.IUTF8)
	bit("cmspar", fCflag, unix.CMSPAR)
	bit("extproc", fLflag, unix.EXTPROC)
	for gnu, same := range map[string]string{
		"tandem": "ixoff", "crterase": "echoe", "prterase": "echoprt", "ctlecho": "echoctl", "crtkill": "echoke",
		"cbreak": "-icanon", "-cbreak": "icanon", "decctlq": "-ixany", "-decctlq": "ixany",
	} {
		m[gnu] = m[same]
		if gnu[0] != '-' && same[0] != '-' {
			m["-"+gnu] = m["-"+same]
		}
	}
	var md mode
	md.clr[fCflag], md.set[fCflag], md.clr[fIflag] = unix.CSIZE|unix.PARENB, unix.CS8, unix.ISTRIP
	m["pass8"] = md
	md.clr[fOflag] = unix.OPOST
	m["litout"] = md
	md = mode{}
	md.clr[fCflag], md.set[fCflag], md.set[fIflag] = unix.CSIZE, unix.CS7|unix.PARENB, unix.ISTRIP
	m["-pass8"] = md
	md.set[fOflag] = unix.OPOST
	m["-litout"] = md
	md = mode{}
	md.set[fLflag] = unix.ECHOE | unix.ECHOCTL | unix.ECHOKE
	m["crt"] = md
	md.clr[fIflag] = unix.IXANY
	md.cc = []ccValue{{unix.VINTR, ctrlC}, {unix.VERASE, del}, {unix.VKILL, ctrlU}}
	m["dec"] = md
	m["-cooked"] = m["raw"]
	// How GNU stty applies the settings (waiting for output to drain or
	// not): ttymon always waits, so nothing to do.
	m["drain"], m["-drain"] = mode{}, mode{}
}

// saneMode is GNU stty's "sane": it resets the line discipline settings and
// every control character, and of the control flags only turns on cread.
func saneMode() mode {
	var md mode
	md.set[fIflag] = unix.BRKINT | unix.ICRNL | unix.IMAXBEL
	md.clr[fIflag] = unix.IGNBRK | unix.INLCR | unix.IGNCR | unix.IXOFF | unix.IUCLC | unix.IXANY | unix.IUTF8
	md.set[fOflag] = unix.OPOST | unix.ONLCR
	md.clr[fOflag] = unix.OLCUC | unix.OCRNL | unix.ONOCR | unix.ONLRET | unix.OFILL | unix.OFDEL |
		unix.NLDLY | unix.CRDLY | unix.TABDLY | unix.BSDLY | unix.VTDLY | unix.FFDLY
	md.set[fCflag] = unix.CREAD
	md.set[fLflag] = unix.ISIG | unix.ICANON | unix.IEXTEN | unix.ECHO | unix.ECHOE | unix.ECHOK |
		unix.ECHOCTL | unix.ECHOKE
	md.clr[fLflag] = unix.ECHONL | unix.NOFLSH | unix.XCASE | unix.TOSTOP | unix.ECHOPRT |
		unix.EXTPROC | unix.FLUSHO
	md.cc = []ccValue{
		{unix.VINTR, ctrlC}, {unix.VQUIT, ctrlBackslash}, {unix.VERASE, del},
		{unix.VKILL, ctrlU}, {unix.VEOF, ctrlD}, {unix.VEOL, 0}, {unix.VEOL2, 0},
		{unix.VSWTC, 0}, {unix.VSTART, ctrlQ}, {unix.VSTOP, ctrlS},
		{unix.VSUSP, ctrlZ}, {unix.VREPRINT, ctrlR}, {unix.VWERASE, ctrlW},
		{unix.VLNEXT, ctrlV}, {unix.VDISCARD, ctrlO}, {unix.VMIN, 1}, {unix.VTIME, 0},
	}
	return md
}

// shortSpeeds are the speed words that are not their rate in digits (in
// thousands, 134.5, GNU's exta and extb), with their rates.
var shortSpeeds = map[string]int{
	"134.5": 134, "19.2": 19200, "38.4": 38400, "57.6": 57600, "76.8": 76800,
	"115.2": 115200, "153.6": 153600, "230.4": 230400, "307.2": 307200, "460.8": 460800,
	"exta": 19200, "extb": 38400, // GNU's names of B19200 and B38400
}

// speedCode returns the Linux Bxxx code of a speed word, from the one
// speed table (internal/termios): false for the Solaris speeds Linux
// lacks (76800, 153600, 307200) and for words that are not speeds.
func speedCode(word string) (uint32, bool) {
	if wordClasses[word] != classSpeed {
		return 0, false
	}
	baud, ok := shortSpeeds[word]
	if !ok {
		var err error
		if baud, err = strconv.Atoi(word); err != nil {
			return 0, false
		}
	}
	return termios.BaudCode(baud)
}

// speedWord is the word Words prints for a Bxxx code: its rate, when
// that is a speed word (the Linux rates above 460800 are not).
func speedWord(code uint32) (string, bool) {
	baud, ok := termios.CodeBaud(code)
	w := strconv.Itoa(baud)
	return w, ok && wordClasses[w] == classSpeed
}

// applyGNU sets t from the numbers of a GNU "stty -g" word.
func applyGNU(t *unix.Termios, v []uint32) {
	t.Iflag, t.Oflag, t.Cflag, t.Lflag = v[0], v[1], v[2], v[3]
	for i := range t.Cc {
		t.Cc[i] = uint8(v[4+i])
	}
}

// Solaris termios bit values, for the Solaris encoded form.
const (
	solCBAUD     = 0o17
	solCSIZE     = 0o60
	solCIBAUD    = 0o3600000
	solIBSHIFT   = 16
	solPAREXT    = 0o4000000
	solCBAUDEXT  = 0o10000000
	solCIBAUDEXT = 0o20000000
	solCRTSCTS   = 0o20000000000
	solCRDLY     = 0o3000
	solTABDLY    = 0o14000
)

// solarisBits maps the Solaris bits whose Linux counterpart is a single
// bit; fields (speed, size, delays) are translated separately.
var solarisBits = [4][]struct{ sol, linux uint32 }{
	fIflag: {{0o1, unix.IGNBRK}, {0o2, unix.BRKINT}, {0o4, unix.IGNPAR}, {0o10, unix.PARMRK},
		{0o20, unix.INPCK}, {0o40, unix.ISTRIP}, {0o100, unix.INLCR}, {0o200, unix.IGNCR},
		{0o400, unix.ICRNL}, {0o1000, unix.IUCLC}, {0o2000, unix.IXON}, {0o4000, unix.IXANY},
		{0o10000, unix.IXOFF}, {0o20000, unix.IMAXBEL}},
	fOflag: {{0o1, unix.OPOST}, {0o2, unix.OLCUC}, {0o4, unix.ONLCR}, {0o10, unix.OCRNL},
		{0o20, unix.ONOCR}, {0o40, unix.ONLRET}, {0o100, unix.OFILL}, {0o200, unix.OFDEL},
		{0o400, unix.NL1}, {0o20000, unix.BS1}, {0o40000, unix.VT1}, {0o100000, unix.FF1}},
	fCflag: {{0o100, unix.CSTOPB}, {0o200, unix.CREAD}, {0o400, unix.PARENB}, {0o1000, unix.PARODD},
		{0o2000, unix.HUPCL}, {0o4000, unix.CLOCAL}, {solPAREXT, unix.CMSPAR}, {solCRTSCTS, unix.CRTSCTS}},
	fLflag: {{0o1, unix.ISIG}, {0o2, unix.ICANON}, {0o4, unix.XCASE}, {0o10, unix.ECHO},
		{0o20, unix.ECHOE}, {0o40, unix.ECHOK}, {0o100, unix.ECHONL}, {0o200, unix.NOFLSH},
		{0o400, unix.TOSTOP}, {0o1000, unix.ECHOCTL}, {0o2000, unix.ECHOPRT}, {0o4000, unix.ECHOKE},
		{0o20000, unix.FLUSHO}, {0o40000, unix.PENDIN}, {0o100000, unix.IEXTEN}},
}

// solarisBauds lists the rates by Solaris speed code (CBAUD, plus 16 with
// CBAUDEXT).
var solarisBauds = [...]int{
	0, 50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600, 19200, 38400,
	57600, 76800, 115200, 153600, 230400, 307200, 460800,
}

// solarisCC maps Solaris c_cc indices to Linux ones; -1 is a slot Linux
// lacks (VDSUSP 11, VSTATUS 16, the reserved ones). Slots 4 and 5 are
// VEOF/VEOL or VMIN/VTIME, decided by ICANON.
var solarisCC = [...]int{
	unix.VINTR, unix.VQUIT, unix.VERASE, unix.VKILL, -4, -5, unix.VEOL2, unix.VSWTC,
	unix.VSTART, unix.VSTOP, unix.VSUSP, -1, unix.VREPRINT, unix.VDISCARD, unix.VWERASE, unix.VLNEXT,
}

// applySolaris sets t from the numbers of a Solaris "stty -g" word. It
// returns the speed word when the encoded speed has no Linux constant (the
// speed is then left alone).
func applySolaris(t *unix.Termios, v []uint32) (unsupported string) {
	var f [4]uint32
	for k := range f {
		for _, b := range solarisBits[k] {
			if v[k]&b.sol != 0 {
				f[k] |= b.linux
			}
		}
	}
	f[fOflag] |= [...]uint32{unix.CR0, unix.CR1, unix.CR2, unix.CR3}[(v[fOflag]&solCRDLY)>>9]
	f[fOflag] |= [...]uint32{unix.TAB0, unix.TAB1, unix.TAB2, unix.TAB3}[(v[fOflag]&solTABDLY)>>11]
	f[fCflag] |= [...]uint32{unix.CS5, unix.CS6, unix.CS7, unix.CS8}[(v[fCflag]&solCSIZE)>>4]

	c := v[fCflag]
	ospeed := c & solCBAUD
	if c&solCBAUDEXT != 0 {
		ospeed += 16
	}
	ispeed := (c & solCIBAUD) >> solIBSHIFT
	if c&solCIBAUDEXT != 0 {
		ispeed += 16
	}
	ob, ok1 := solarisSpeed(ospeed)
	ib, ok2 := solarisSpeed(ispeed)
	if ok1 && ok2 {
		f[fCflag] |= ob | ib<<unix.IBSHIFT
	} else {
		f[fCflag] |= t.Cflag & (unix.CBAUD | unix.CIBAUD)
		bad := ospeed
		if ok1 {
			bad = ispeed
		}
		unsupported = strconv.Itoa(int(bad))
		if int(bad) < len(solarisBauds) {
			unsupported = strconv.Itoa(solarisBauds[bad])
		}
	}
	t.Iflag, t.Oflag, t.Cflag, t.Lflag = f[fIflag], f[fOflag], f[fCflag], f[fLflag]

	canon := v[fLflag]&0o2 != 0
	for i, val := range v[4:] {
		if i >= len(solarisCC) {
			break
		}
		idx := solarisCC[i]
		switch {
		case idx == -4 && canon:
			idx = unix.VEOF
		case idx == -4:
			idx = unix.VMIN
		case idx == -5 && canon:
			idx = unix.VEOL
		case idx == -5:
			idx = unix.VTIME
		case idx < 0:
			continue
		}
		t.Cc[idx] = uint8(val)
	}
	return unsupported
}

// solarisSpeed returns the Linux constant for a Solaris speed code.
func solarisSpeed(code uint32) (uint32, bool) {
	if int(code) >= len(solarisBauds) {
		return 0, false
	}
	return termios.BaudCode(solarisBauds[code])
}

// delayGroups are the output delay fields Words renders, with their values'
// words in order.
var delayGroups = [][]string{
	{"nl0", "nl1"}, {"cr0", "cr1", "cr2", "cr3"}, {"tab0", "tab1", "tab2", "tab3"},
	{"bs0", "bs1"}, {"vt0", "vt1"}, {"ff0", "ff1"},
}

// Words renders t as stty words: speed, character size, every flag bit this
// package has a word for (as "name" or "-name"), the output delays, then
// every Linux control character. Applying the words to a zero Termios gives
// back t's covered settings: IUTF8, EXTPROC, speeds without a word and the
// line discipline are not rendered, nor a control character whose value is
// a space (no word can carry it), nor an output delay without a word (NL2
// and NL3, which only powerpc's two-bit NLDLY has).
func Words(t unix.Termios) []string {
	var out []string
	o, i := t.Cflag&unix.CBAUD, (t.Cflag&unix.CIBAUD)>>unix.IBSHIFT
	so, okO := speedWord(o)
	si, okI := speedWord(i)
	switch {
	case i == 0 && okO:
		out = append(out, so)
	case okO && okI:
		out = append(out, "ispeed", si, "ospeed", so)
	}
	fields := [4]uint32{t.Iflag, t.Oflag, t.Cflag, t.Lflag}
	for _, w := range fieldWords[:4] { // cs5..cs8
		if t.Cflag&unix.CSIZE == w.val {
			out = append(out, w.name)
		}
	}
	for _, w := range bitWords {
		if fields[w.field]&w.bit != 0 {
			out = append(out, w.name)
		} else {
			out = append(out, "-"+w.name)
		}
	}
	for _, g := range delayGroups {
		for _, name := range g {
			fw := fieldWordByName[name]
			if t.Oflag&fw.mask == fw.val {
				out = append(out, name)
			}
		}
	}
	for _, c := range charWordList {
		if v, ok := charWordValue(c.name, t.Cc[c.idx]); ok {
			out = append(out, c.name, v)
		}
	}
	return out
}

var fieldWordByName = func() map[string]fieldWord {
	m := map[string]fieldWord{}
	for _, w := range fieldWords {
		m[w.name] = w
	}
	return m
}()

// charWordValue renders a control character value in the syntax charValue reads.
func charWordValue(name string, v uint8) (string, bool) {
	switch {
	case name == "min" || name == "time":
		return strconv.Itoa(int(v)), true
	case v == 0:
		return "^-", true
	case v == del:
		return "^?", true
	case v < 0x20:
		return string([]byte{'^', v | 0x40}), true
	case v == ' ':
		return "", false
	}
	return string([]byte{v}), true
}
