package nlsadmin

import (
	"fmt"
	"strings"

	"github.com/linux-saf/saf/internal/admin/adm"
	"github.com/linux-saf/saf/saf/pmtab"
)

// mode is the set of "mode" options met so far. The original keeps one
// such set while it walks the options; each option refuses to be combined
// with some modes and some earlier options.
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

// rules holds the original's consistency checks, option by option.
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
	// Ours: -A refuses an earlier -D too. The original accepted
	// "-D -A addr" (flags cd with an address, which the listener then
	// drops) and refused only "-A addr -D".
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

	// Service options (our extension): the long options that set pmtab's
	// ListenOptions, in the order given ("--max", "--option max", ...).
	svcOpts pmtab.ListenOptions
	svcKeys []string
	svcSeen map[string]bool

	importFile string // --import-inetd
	hasImport  bool
}

// hasSvcOpts reports whether any service option was given.
func (o *options) hasSvcOpts() bool { return len(o.svcKeys) > 0 }

// internal is the --internal service, "" for none.
func (o *options) internal() string { return o.svcOpts.Internal }

type rpcSpec struct{ prog, vers uint32 }

func (o *options) has(letter byte) bool { return o.seen[letter] }

// errInconsistent is the refusal of a consistency rule.
var errInconsistent = usageError(msgInconsistent)

// usageError is a usage error (exit 5) whose line is "nlsadmin: error:
// MSG", as every message of nlsadmin's own.
func usageError(format string, args ...any) error {
	return &adm.UsageError{Msg: fmt.Sprintf(msgErrorText, fmt.Sprintf(format, args...))}
}

// take applies one option.
func (o *options) take(letter byte, arg string) error {
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
			return usageError("%v", err)
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

// takeService applies one service option. Each key may be given once,
// whichever spelling sets it; the value is checked at once, and the
// options together (Check) once the command line is read.
func (o *options) takeService(key, arg string) error {
	name := "--" + key
	if key == "" {
		k, val, ok := strings.Cut(arg, "=")
		if !ok || k == "" {
			return fail(exitUsage, msgOptionKV, arg)
		}
		key, arg, name = k, val, "--option "+k
	}
	if o.svcSeen[key] {
		return fail(exitUsage, msgOptionTwice, name, key)
	}
	o.svcSeen[key] = true
	if err := o.svcOpts.Set(key, arg); err != nil {
		// Set's error reads "bad service options: KEY=VALUE: why".
		why := strings.TrimPrefix(err.Error(), pmtab.ErrListenOptions.Error()+": ")
		why = strings.TrimPrefix(why, key+"="+arg+": ")
		return fail(exitUsage, msgOptionBad, name, arg, why)
	}
	o.svcKeys = append(o.svcKeys, name)
	return nil
}

// parseRPCArg reads -R prognum:versnum. The original wanted only digits and
// exactly one ':'; we also want digits on both sides, and numbers that fit
// RPC's 32 bits, since the listener refuses the whole table otherwise.
func parseRPCArg(s string) (rpcSpec, error) {
	bad := fmt.Errorf(msgRPCArg, s)
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
	long := []string{"option:", "import-inetd:", "wait::"}
	for _, k := range serviceOptions {
		if k != "wait" {
			long = append(long, k+":")
		}
	}
	g := adm.NewGetopt(args, "a:c:d:e:ikl:mo:p:qr:st:vw:xy:z:A:N:VDR:", long...)
	for g.Next() {
		var err error
		switch {
		case len(g.Opt) == 1:
			err = o.take(g.Opt[0], g.Arg)
		case g.Opt == "import-inetd":
			if o.hasImport {
				return nil, usageError(msgImportTwice)
			}
			o.importFile, o.hasImport = g.Arg, true
		case g.Opt == "option":
			err = o.takeService("", g.Arg)
		case g.Opt == "wait" && !g.HasArg:
			err = o.takeService("wait", "yes")
		default:
			err = o.takeService(g.Opt, g.Arg)
		}
		if err != nil {
			return nil, err
		}
	}
	if err := g.Err(); err != nil {
		return nil, err
	}
	rest := g.Operands()
	switch {
	case len(rest) > 0 && o.hasNet:
		return nil, usageError(msgNetTwice, rest[0])
	case len(rest) > 1:
		return nil, usageError(msgExtraArg, rest[1])
	case len(rest) == 1:
		o.net, o.hasNet = rest[0], true
	}
	return o, nil
}
