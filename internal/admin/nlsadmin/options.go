package nlsadmin

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/linux-saf/saf/saf/pmtab"
	"github.com/spf13/pflag"
)

// mode is the set of "mode" options met so far. The original keeps one
// such set while it walks the options; each option refuses to be combined
// with some modes and some earlier options (listen.md 4.4 step 1).
type mode uint16

const (
	modeAdd     mode = 1 << iota // -a
	modeCmd                      // -c
	modePipe                     // -o
	modeRemove                   // -r
	modeEnable                   // -e
	modeDisable                  // -d
	modeInit                     // -i
	modeStart                    // -s
	modeKill                     // -k
	modeLNet                     // -l
	modeTNet                     // -t
	modeVerbose                  // -v
	modeList                     // -x
	modeZ                        // -z
	modeVersion                  // -V

	// The "-c mode" of the rules: -a belongs to it, since -a needs -c
	// (-a code -c cmd -y cmt is the canonical order and -c must accept
	// the earlier -a).
	cFamily = modeAdd | modeCmd
	anyMode = ^mode(0)
)

// rule is one option's consistency check: the option is refused when a
// mode outside allow was already given, when a service code was already
// given (svc), or when any option in letters was already given.
type rule struct {
	allow   mode
	svc     bool
	letters string
}

// rules is listen.md 4.4 step 1, option by option.
var rules = map[byte]rule{
	'a': {allow: cFamily, svc: true, letters: "qARD"},
	'c': {allow: cFamily, letters: "cq"},
	'd': {svc: true, letters: "qyARcwD"},
	'e': {svc: true, letters: "qyARcwD"},
	'i': {svc: true, letters: "qyARcwD"},
	'k': {svc: true, letters: "qyARcwD"},
	'r': {svc: true, letters: "qyARcwD"},
	's': {svc: true, letters: "qyARcwD"},
	'l': {allow: modeLNet | modeTNet, svc: true, letters: "lqyARcwD"},
	't': {allow: modeLNet | modeTNet, svc: true, letters: "tqyARcwD"},
	'm': {allow: cFamily, letters: "qRD"},
	'o': {svc: true, letters: "qywN"},
	'p': {allow: cFamily | modePipe, letters: "q"},
	'q': {allow: modeZ, letters: "qyRDw"},
	'v': {svc: true, letters: "qyRAwD"},
	'w': {allow: cFamily, letters: "qwRAD"},
	'x': {svc: true, letters: "qNyRADw"},
	'y': {allow: cFamily, letters: "qyRAD"},
	'z': {svc: true, letters: "yARwD"},
	// [LINUX] -A refuses an earlier -D too: the original accepted
	// "-D -A addr" (flags cd with an address, which the listener then
	// drops) and refused only "-A addr -D" (listen.md 10).
	'A': {allow: modeCmd | modePipe, svc: true, letters: "NwyD"},
	'D': {allow: modeCmd | modePipe, svc: true, letters: "NwyAD"},
	'N': {allow: anyMode, letters: "N"},
	'R': {allow: modeCmd | modePipe, svc: true, letters: "Nwy"},
	'V': {svc: true, letters: "qyNRAwD"},
}

// modeOf is the mode each mode option sets.
var modeOf = map[byte]mode{
	'a': modeAdd, 'c': modeCmd, 'o': modePipe, 'r': modeRemove, 'e': modeEnable,
	'd': modeDisable, 'i': modeInit, 's': modeStart, 'k': modeKill, 'l': modeLNet,
	't': modeTNet, 'v': modeVerbose, 'x': modeList, 'z': modeZ, 'V': modeVersion,
}

// switches take no argument (the getopt string of listen.md 4.1:
// "a: c: d: e: i k l: m o: p: q r: s t: v w: x y: z: A: N: V D R:").
const switches = "ikmqsvxVD"

// options is what the command line asked for.
type options struct {
	modes  mode
	hasSvc bool
	seen   map[byte]bool

	svc     string // -a, -d, -e, -r, -z
	cmd     string // -c
	pipe    string // -o
	modules string // -p
	addr    string // -A
	rpc     rpcSpec
	comment string // -y
	id      string // -w
	lAddr   string // -l
	tAddr   string // -t
	net     string // net_spec or -N
	hasNet  bool
	help    bool // --help

	// Service options (issue 6): the long options that set pmtab's
	// ListenOptions, in the order given ("--max", "--option max", ...).
	svcOpts pmtab.ListenOptions
	svcKeys []string
	svcSeen map[string]bool

	importFile string // --import-inetd
	hasImport  bool

	refused error // the first option check that failed
}

// hasSvcOpts reports whether any service option was given.
func (o *options) hasSvcOpts() bool { return len(o.svcKeys) > 0 }

// internal is the --internal service, "" for none.
func (o *options) internal() string { return o.svcOpts.Internal }

type rpcSpec struct{ prog, vers uint32 }

func (o *options) has(letter byte) bool { return o.seen[letter] }

// usageError asks Main to print line (if any) and the usage, exit 5.
type usageError struct{ line string }

func (u *usageError) Error() string { return u.line }

// errInconsistent is the refusal of a consistency rule.
var errInconsistent = &usageError{line: prog + ": error: Inconsistent options"}

// errStop ends pflag's walk after a check failed; the check's own error is
// kept in options.refused (pflag flattens the errors of Value.Set).
var errStop = errors.New("option check failed")

// switchValue is what pflag hands a switch's Set; anything else means the
// switch was written "-q=x", which getopt would read as "-q -= -x".
const switchValue = "\x00switch"

// optValue is the pflag.Value of one option letter. Set runs the option's
// consistency rule against what came before, in command-line order, as the
// original's getopt loop does.
type optValue struct {
	o      *options
	letter byte
}

func (v *optValue) String() string { return "" }
func (v *optValue) Type() string   { return "string" }

func (v *optValue) Set(s string) error {
	if err := v.o.take(v.letter, s); err != nil {
		if v.o.refused == nil {
			v.o.refused = err
		}
		return errStop
	}
	return nil
}

// take applies one option.
func (o *options) take(letter byte, arg string) error {
	if strings.IndexByte(switches, letter) >= 0 && arg != switchValue {
		return &usageError{line: prog + ": illegal option -- ="}
	}
	r := rules[letter]
	if o.modes&^r.allow != 0 || (r.svc && o.hasSvc) || strings.ContainsFunc(r.letters, func(c rune) bool { return o.seen[byte(c)] }) {
		return errInconsistent
	}
	o.seen[letter] = true
	o.modes |= modeOf[letter]
	switch letter {
	case 'a', 'd', 'e', 'r', 'z':
		o.svc, o.hasSvc = arg, true
	case 'c':
		o.cmd = arg
	case 'o':
		o.pipe = arg
	case 'p':
		o.modules = arg
	case 'A':
		o.addr = arg
	case 'y':
		o.comment = arg
	case 'w':
		o.id = arg
	case 'l':
		o.lAddr = arg
	case 't':
		o.tAddr = arg
	case 'N':
		o.net, o.hasNet = arg, true
	case 'R':
		rpc, err := parseRPCArg(arg)
		if err != nil {
			return &usageError{line: prog + ": error: " + err.Error()}
		}
		o.rpc = rpc
	}
	return nil
}

// serviceOptions are nlsadmin's long options for the keys of the OPTIONS
// field (pmtab.ListenOptions, listenopts.go), each named after its key.
var serviceOptions = []string{
	"proto", "wait", "internal", "max", "rate", "pause", "pausemax",
	"persource", "v4prefix", "v6prefix", "timeout", "allow", "deny", "wrap",
}

// svcOptValue is the pflag.Value of one service option; key is "" for the
// generic --option key=value.
type svcOptValue struct {
	o   *options
	key string
}

func (v *svcOptValue) String() string { return "" }
func (v *svcOptValue) Type() string   { return "string" }

func (v *svcOptValue) Set(s string) error {
	if err := v.o.takeService(v.key, s); err != nil {
		if v.o.refused == nil {
			v.o.refused = err
		}
		return errStop
	}
	return nil
}

// takeService applies one service option. Each key may be given once,
// whichever spelling sets it; the value is checked at once, and the
// options together (Check) once the command line is read.
func (o *options) takeService(key, arg string) error {
	name := "--" + key
	if key == "" {
		k, val, ok := strings.Cut(arg, "=")
		if !ok || k == "" {
			return fail(exitUsage, "--option %q is not key=value", arg)
		}
		key, arg, name = k, val, "--option "+k
	}
	if o.svcSeen[key] {
		return fail(exitUsage, "%s: service option %s given twice", name, key)
	}
	o.svcSeen[key] = true
	if err := o.svcOpts.Set(key, arg); err != nil {
		// Set's error reads "bad service options: KEY=VALUE: why".
		why := strings.TrimPrefix(err.Error(), pmtab.ErrListenOptions.Error()+": ")
		why = strings.TrimPrefix(why, key+"="+arg+": ")
		return fail(exitUsage, "%s=%s: %s", name, arg, why)
	}
	o.svcKeys = append(o.svcKeys, name)
	return nil
}

// parseRPCArg reads -R prognum:versnum. The original wanted only digits and
// exactly one ':'; [LINUX] we also want digits on both sides, and numbers
// that fit RPC's 32 bits, since the listener refuses the whole table
// otherwise.
func parseRPCArg(s string) (rpcSpec, error) {
	bad := fmt.Errorf("-R argument %q is not prognum:versnum (two decimal numbers below 2^32)", s)
	p, v, ok := strings.Cut(s, ":")
	if !ok {
		return rpcSpec{}, bad
	}
	var nums [2]uint32
	for i, t := range []string{p, v} {
		if t == "" {
			return rpcSpec{}, bad
		}
		var n uint64
		for _, c := range []byte(t) {
			if c < '0' || c > '9' {
				return rpcSpec{}, bad
			}
			n = n*10 + uint64(c-'0')
			if n > 1<<32-1 {
				return rpcSpec{}, bad
			}
		}
		nums[i] = uint32(n)
	}
	return rpcSpec{prog: nums[0], vers: nums[1]}, nil
}

// parseArgs reads the command line as the original's getopt loop does:
// options in order, each checked as it comes; the first operand ends the
// options (POSIX getopt, not GNU permutation) and becomes net_spec.
func parseArgs(args []string) (*options, error) {
	o := &options{seen: map[byte]bool{}, svcSeen: map[string]bool{}}
	fs := pflag.NewFlagSet(prog, pflag.ContinueOnError)
	fs.SetOutput(io.Discard) // every message is ours (getoptError, usageError)
	fs.Usage = func() {}
	fs.SetInterspersed(false)
	const getopt = "a:c:d:e:ikl:mo:p:qr:st:vw:xy:z:A:N:VDR:"
	for i := 0; i < len(getopt); i++ {
		letter := getopt[i]
		if letter == ':' {
			continue
		}
		// pflag wants a long name for every flag. A name ending in '='
		// can never be matched ("--a=" splits into name "a" and a value),
		// so the options exist only as the getopt letters.
		f := fs.VarPF(&optValue{o: o, letter: letter}, string(letter)+"=", string(letter), "")
		if strings.IndexByte(switches, letter) >= 0 {
			f.NoOptDefVal = switchValue
		}
	}
	fs.BoolVar(&o.help, "help", false, "")
	for _, k := range serviceOptions {
		f := fs.VarPF(&svcOptValue{o: o, key: k}, k, "", "")
		if k == "wait" {
			f.NoOptDefVal = "yes"
		}
	}
	fs.Var(&svcOptValue{o: o}, "option", "")
	fs.Func("import-inetd", "", func(s string) error {
		if o.hasImport {
			o.refused = &usageError{line: prog + ": error: --import-inetd given twice"}
			return errStop
		}
		o.importFile, o.hasImport = s, true
		return nil
	})

	err := fs.Parse(args)
	if o.refused != nil {
		return nil, o.refused
	}
	if err != nil {
		return nil, getoptError(err)
	}
	if o.help {
		return o, nil
	}
	rest := fs.Args()
	switch {
	case len(rest) > 0 && o.hasNet:
		return nil, &usageError{line: fmt.Sprintf("%s: error: net_spec %q given twice (operand and -N)", prog, rest[0])}
	case len(rest) > 1:
		return nil, &usageError{line: fmt.Sprintf("%s: error: unexpected argument %q", prog, rest[1])}
	case len(rest) == 1:
		o.net, o.hasNet = rest[0], true
	}
	return o, nil
}

// getoptError turns pflag's parse errors into the words of the getopt the
// original used.
func getoptError(err error) error {
	var missing *pflag.ValueRequiredError
	var unknown *pflag.NotExistError
	switch {
	case errors.Is(err, pflag.ErrHelp):
		// pflag's own answer to an undefined -h.
		return &usageError{line: prog + ": illegal option -- h"}
	case errors.As(err, &missing):
		if f := missing.GetFlag(); f.Shorthand == "" {
			// One of our long options.
			return &usageError{line: prog + ": option requires an argument --" + f.Name}
		}
		return &usageError{line: prog + ": option requires an argument -- " + missing.GetFlag().Shorthand}
	case errors.As(err, &unknown):
		if unknown.GetSpecifiedShortnames() != "" {
			return &usageError{line: prog + ": illegal option -- " + unknown.GetSpecifiedName()}
		}
		return &usageError{line: prog + ": illegal option --" + unknown.GetSpecifiedName()}
	}
	return &usageError{line: prog + ": " + err.Error()}
}
