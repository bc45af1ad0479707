package nlsadmin

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/linux-saf/saf/internal/admin/adm"
	"github.com/linux-saf/saf/internal/admin/pmadm"
	"github.com/linux-saf/saf/saf/exitcode"
	"github.com/linux-saf/saf/saf/paths"
	"github.com/linux-saf/saf/saf/pmtab"
	"github.com/linux-saf/saf/saf/sacmsg"
	"github.com/linux-saf/saf/saf/sactab"
)

// reply is a canned answer of the fake sacadm/pmadm: for a listing, the
// lines sacadm -L or pmadm -L would print (a compact way to write the
// rows), and the exit status.
type reply struct {
	out  string
	code int
}

// fakeSAF answers the front end's sacadm and pmadm operations from a table
// keyed by the command line that does the same (arguments with blanks, or
// empty, in double quotes), and records every call that way. A key may
// have several replies, used in turn; the last one repeats. A call the
// table does not hold gets the reply of fallback for its program, or exit
// 4 and nothing.
type fakeSAF struct {
	replies  map[string][]reply
	fallback map[string]reply // by program
	calls    []string
}

func commandLine(prog string, args []string) string {
	parts := []string{prog}
	for _, a := range args {
		if a == "" || strings.ContainsAny(a, " \t") {
			a = `"` + a + `"`
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

func (f *fakeSAF) answer(prog string, args ...string) reply {
	key := commandLine(prog, args)
	f.calls = append(f.calls, key)
	rs, ok := f.replies[key]
	if !ok || len(rs) == 0 {
		if r, ok := f.fallback[prog]; ok {
			return r
		}
		return reply{code: exitcode.SysErr}
	}
	r := rs[0]
	if len(rs) > 1 {
		f.replies[key] = rs[1:]
	}
	return r
}

// lines splits a reply's output into its non-empty lines.
func lines(out string) []string {
	return strings.FieldsFunc(out, func(r rune) bool { return r == '\n' })
}

func (f *fakeSAF) portMonitors(tag, pmtype string) ([]sacmsg.StatusEntry, int) {
	args := []string{"-L"}
	if tag != "" {
		args = append(args, "-p", tag)
	}
	if pmtype != "" {
		args = append(args, "-t", pmtype)
	}
	r := f.answer("sacadm", args...)
	var pms []sacmsg.StatusEntry
	for _, l := range lines(r.out) {
		// TAG:TYPE:FLAGS:RCNT:STATE:COMMAND#COMMENT
		fields := strings.SplitN(l, ":", 6)
		state, err := sacmsg.ParseState(fields[4])
		if err != nil {
			panic(fmt.Sprintf("reply %q: %v", l, err))
		}
		pms = append(pms, sacmsg.StatusEntry{Tag: fields[0], Type: fields[1], State: state})
	}
	return pms, r.code
}

func (f *fakeSAF) services(tag, svc string) ([]pmadm.Service, int) {
	args := []string{"-L", "-p", tag}
	if svc != "" {
		args = append(args, "-s", svc)
	}
	r := f.answer("pmadm", args...)
	var svcs []pmadm.Service
	for _, l := range lines(r.out) {
		// PMTAG:PMTYPE: and the _pmtab line
		fields := strings.SplitN(l, ":", 3)
		e := pmtab.Parse([]byte(fields[2]))[0]
		svcs = append(svcs, pmadm.Service{PMTag: fields[0], PMType: fields[1], Entry: e})
	}
	return svcs, r.code
}

func (f *fakeSAF) addPortMonitor(e sactab.Entry, version int) int {
	args := []string{"-a", "-p", e.Tag, "-t", e.Type, "-c", e.Command, "-v", strconv.Itoa(version)}
	if e.Comment != adm.DefaultComment {
		args = append(args, "-y", e.Comment)
	}
	return f.answer("sacadm", args...).code
}

var requestOption = map[byte]string{sacmsg.ACStart: "-s", sacmsg.ACKill: "-k", sacmsg.ACEnable: "-e"}

func (f *fakeSAF) tell(req byte, tag string) int {
	return f.answer("sacadm", requestOption[req], "-p", tag).code
}

func (f *fakeSAF) addService(tag string, e pmtab.Entry, version int) int {
	args := []string{"-a", "-p", tag, "-s", e.Svc, "-i", e.Identity}
	if fl := e.Flags.String(); fl != "" {
		args = append(args, "-f", fl)
	}
	args = append(args, "-m", e.PMSpecific, "-v", strconv.Itoa(version), "-y", e.Comment)
	return f.answer("pmadm", args...).code
}

var changeOption = map[pmadm.Op]string{pmadm.Remove: "-r", pmadm.Enable: "-e", pmadm.Disable: "-d"}

func (f *fakeSAF) changeService(op pmadm.Op, tag, svc string) int {
	return f.answer("pmadm", changeOption[op], "-p", tag, "-s", svc).code
}

// existing pretends that only the named files exist.
func existing(names ...string) func(string) (fs.FileInfo, error) {
	return func(p string) (fs.FileInfo, error) {
		for _, n := range names {
			if n == p {
				return nil, nil
			}
		}
		return nil, &fs.PathError{Op: "stat", Path: p, Err: fs.ErrNotExist}
	}
}

const (
	sacTCP      = "sacadm -L -p tcp"
	pmTCP       = "pmadm -L -p tcp"
	nlpsLine    = `tcp:listen:0::root:reserved:reserved:reserved:\x00020ACE000000000000000000000000::c::/usr/lib/saf/nlps_server#NLPS server` + "\n"
	lpLine      = `tcp:listen:lp::root:reserved:reserved:reserved:::p::/var/spool/lp/fifos/listenS5#` + "\n"
	ruLine      = `tcp:listen:rusers:x:root:reserved:reserved:reserved::100002,3:cd::/usr/lib/netsvc/rusers/rpc.rusersd#rusers # daemon` + "\n"
	ttyLine     = `tcp:listen:tty:u:uucp:reserved:reserved:reserved:\x00020ACF810b8b6e0000000000000000::c:ntty,tirdwr:/usr/bin/shserv -x a:b#Server-side for cu` + "\n"
	loginLine   = `tcp:listen:1:ux:root:reserved:reserved:reserved:\x00020ACF810b8b6e0000000000000000:1,2:cd:ldterm:/usr/bin/login -p# ` + "\n"
	newHex      = `\x000252087F0000010000000000000000`
	badLine     = `tcp:listen:bad:x:root:reserved:reserved:reserved:\x0A::c#short` + "\n"
	nlpsRemoved = "pmadm -r -p tcp -s 0"
)

var (
	pmEnabled    = reply{out: "tcp:listen::0:ENABLED:/usr/lib/saf/listen tcp#\n"}
	pmStarting   = reply{out: "tcp:listen::0:STARTING:/usr/lib/saf/listen tcp#\n"}
	pmNotRunning = reply{out: "tcp:listen::0:NOTRUNNING:/usr/lib/saf/listen tcp#\n"}
	pmNoSac      = reply{out: "tcp:listen::0:NO_SAC:/usr/lib/saf/listen tcp#\n"}
	pmTTY        = reply{out: "tcp:ttymon::0:ENABLED:/usr/lib/saf/ttymon#\n"}
	noPM         = reply{code: 5}
)

const sysErrLine = "nlsadmin: error: System error in SAC command\n"

type frontEndTest struct {
	name    string
	args    string // split on blanks; use \x00 for an argument's inner blank
	replies map[string][]reply
	euid    int  // default 0
	sandbox bool // SAF_ROOT set
	exists  []string
	calls   []string // every sacadm/pmadm command line, in order
	stdout  string
	stderr  string // "" means none; usage is matched by prefix "usage:"
	code    int
}

func withTCP(extra map[string][]reply) map[string][]reply {
	m := map[string][]reply{sacTCP: {pmEnabled}}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

var frontEndTests = []frontEndTest{
	// -x.
	{
		name: "x lists listen port monitors",
		args: "-x",
		replies: map[string][]reply{"sacadm -L -t listen": {{out: "tcp:listen::0:ENABLED:/usr/lib/saf/listen tcp#\n" +
			"starlan:listen:d:2:NOTRUNNING:/usr/lib/saf/listen -m slan starlan#x:y\n" +
			"tcp6:listen::0:STARTING:/usr/lib/saf/listen tcp6#\n"}}},
		calls:  []string{"sacadm -L -t listen"},
		stdout: "tcp\tACTIVE\nstarlan\tINACTIVE\ntcp6\tACTIVE\n",
	},
	{
		name:    "x without listen port monitors",
		args:    "-x",
		replies: map[string][]reply{"sacadm -L -t listen": {{code: 5}}},
		calls:   []string{"sacadm -L -t listen"},
	},
	{
		name:    "x when sacadm fails",
		args:    "-x",
		replies: map[string][]reply{"sacadm -L -t listen": {{code: 4}}},
		calls:   []string{"sacadm -L -t listen"},
		stderr:  "nlsadmin: error: Could not list port monitors\n" + sysErrLine,
		code:    6,
	},
	// net_spec alone and -q.
	{name: "net_spec enabled", args: "tcp", replies: withTCP(nil), calls: []string{sacTCP}, stdout: "tcp\tACTIVE\n"},
	{name: "net_spec starting", args: "tcp", replies: map[string][]reply{sacTCP: {pmStarting}}, calls: []string{sacTCP}, stdout: "tcp\tACTIVE\n"},
	{name: "net_spec not running", args: "tcp", replies: map[string][]reply{sacTCP: {pmNotRunning}}, calls: []string{sacTCP}, stdout: "tcp\tINACTIVE\n", code: 1},
	{name: "net_spec no sac", args: "-N tcp", replies: map[string][]reply{sacTCP: {pmNoSac}}, calls: []string{sacTCP}, stdout: "tcp\tINACTIVE\n", code: 1},
	{name: "net_spec with -m", args: "-m tcp", replies: withTCP(nil), calls: []string{sacTCP}, stdout: "tcp\tACTIVE\n"},
	{name: "q active", args: "-q tcp", replies: withTCP(nil), calls: []string{sacTCP}},
	{name: "q inactive", args: "-q tcp", replies: map[string][]reply{sacTCP: {pmNotRunning}}, calls: []string{sacTCP}, code: 1},
	// net_spec validation.
	{
		name: "no such port monitor", args: "-v tcp", replies: map[string][]reply{sacTCP: {noPM}},
		calls: []string{sacTCP}, stderr: "nlsadmin: error: Invalid network specification\n", code: 7,
	},
	{
		name: "not of type listen", args: "tcp", replies: map[string][]reply{sacTCP: {pmTTY}},
		calls: []string{sacTCP}, stderr: "nlsadmin: error: Network specification \"tcp\" is not of type listen\n", code: 7,
	},
	{
		name: "net_spec not a tag", args: "tc/p",
		stderr: "nlsadmin: error: Invalid network specification: \"tc/p\" is not a port monitor tag (1-14 letters and digits)\n", code: 7,
	},
	// -v and -z.
	{
		name: "v lists services",
		args: "-v tcp",
		replies: withTCP(map[string][]reply{pmTCP: {{out: nlpsLine + lpLine + ruLine + badLine + ttyLine +
			"tcp:ttymon:x::root:reserved:reserved:reserved:a:b:c:d:e#other type\n"}}}),
		calls: []string{sacTCP, pmTCP},
		stdout: "0\t\\x00020ACE000000000000000000000000\tENABLED \tNORPC\troot\tNOMODULES\t/usr/lib/saf/nlps_server\t# NLPS server\n" +
			"lp\tNOADDR\tENABLED \tNORPC\troot\tNOMODULES\t/var/spool/lp/fifos/listenS5\t# \n" +
			"rusers\tDYNAMIC\tDISABLED\t100002:3\troot\tNOMODULES\t/usr/lib/netsvc/rusers/rpc.rusersd\t# rusers # daemon\n" +
			"tty\t\\x00020ACF810b8b6e0000000000000000\tENABLED \tNORPC\tuucp\tntty,tirdwr\t/usr/bin/shserv -x a:b\t# Server-side for cu\n",
		stderr: "nlsadmin: warning: Entry for code \"bad\" has incorrect format\n",
	},
	{
		name:    "v without services",
		args:    "-v tcp",
		replies: withTCP(map[string][]reply{pmTCP: {{code: 5}}}),
		calls:   []string{sacTCP, pmTCP},
	},
	{
		name:    "v when pmadm fails",
		args:    "-v tcp",
		replies: withTCP(map[string][]reply{pmTCP: {{code: 4}}}),
		calls:   []string{sacTCP, pmTCP},
		stderr:  "nlsadmin: error: Could not list services\n" + sysErrLine,
		code:    6,
	},
	{
		name:    "z one service",
		args:    "-z lp tcp",
		replies: withTCP(map[string][]reply{"pmadm -L -p tcp -s lp": {{out: lpLine}}}),
		calls:   []string{sacTCP, "pmadm -L -p tcp -s lp"},
		stdout:  "lp\tNOADDR\tENABLED \tNORPC\troot\tNOMODULES\t/var/spool/lp/fifos/listenS5\t# \n",
	},
	{
		name:    "z unknown",
		args:    "-z nope tcp",
		replies: withTCP(map[string][]reply{"pmadm -L -p tcp -s nope": {{code: 5}}}),
		calls:   []string{sacTCP, "pmadm -L -p tcp -s nope"},
		stderr:  "nlsadmin: error: Service \"nope\" unknown\n",
		code:    4,
	},
	{
		name:    "q z enabled",
		args:    "-q -z lp tcp",
		replies: withTCP(map[string][]reply{"pmadm -L -p tcp -s lp": {{out: lpLine}}}),
		calls:   []string{sacTCP, "pmadm -L -p tcp -s lp"},
	},
	{
		name:    "z q disabled",
		args:    "-z rusers -q tcp",
		replies: withTCP(map[string][]reply{"pmadm -L -p tcp -s rusers": {{out: ruLine}}}),
		calls:   []string{sacTCP, "pmadm -L -p tcp -s rusers"},
		code:    1,
	},
	{
		name:    "qz unknown is silent",
		args:    "-qz nope tcp",
		replies: withTCP(map[string][]reply{"pmadm -L -p tcp -s nope": {{code: 5}}}),
		calls:   []string{sacTCP, "pmadm -L -p tcp -s nope"},
		code:    4,
	},
	// Service code length: 13 is the longest.
	{
		name:    "z code of 13",
		args:    "-z abcdefghijklm tcp",
		replies: withTCP(map[string][]reply{"pmadm -L -p tcp -s abcdefghijklm": {{code: 5}}}),
		calls:   []string{sacTCP, "pmadm -L -p tcp -s abcdefghijklm"},
		stderr:  "nlsadmin: error: Service \"abcdefghijklm\" unknown\n",
		code:    4,
	},
	{
		name: "z code of 14", args: "-z abcdefghijklmn tcp", replies: withTCP(nil), calls: []string{sacTCP},
		stderr: "nlsadmin: error: Service code contains more than 14 characters\n", code: 4,
	},
	{
		name: "r empty code", args: "-r \"\" tcp", replies: withTCP(nil), calls: []string{sacTCP},
		stderr: "nlsadmin: error: Service code contains more than 14 characters\n", code: 4,
	},
	{
		name: "d code not alphanumeric", args: "-d a.b tcp", replies: withTCP(nil), calls: []string{sacTCP},
		stderr: "nlsadmin: error: Service code \"a.b\" must be letters and digits\n", code: 4,
	},
	// -a.
	{
		name:    "a adds",
		args:    "-a lp -c /bin/cat\x00-u -y a\x00comment tcp",
		replies: withTCP(map[string][]reply{`pmadm -a -p tcp -s lp -i listen -m "::c::/bin/cat -u" -v 4 -y "a comment"`: {{}}}),
		exists:  []string{"/bin/cat"},
		calls:   []string{sacTCP, `pmadm -a -p tcp -s lp -i listen -m "::c::/bin/cat -u" -v 4 -y "a comment"`},
	},
	{
		name:    "a adds with modules and identity, warns about a missing command",
		args:    "-y cmt -p timod,tirdwr -w lp -c /usr/lib/lp/lpsched -a lp tcp",
		replies: withTCP(map[string][]reply{`pmadm -a -p tcp -s lp -i lp -m ::c:timod,tirdwr:/usr/lib/lp/lpsched -v 4 -y cmt`: {{}}}),
		calls:   []string{sacTCP, `pmadm -a -p tcp -s lp -i lp -m ::c:timod,tirdwr:/usr/lib/lp/lpsched -v 4 -y cmt`},
		stderr:  "nlsadmin: warning: /usr/lib/lp/lpsched does not exist\n",
	},
	{
		name:    "a duplicate",
		args:    "-a lp -c /bin/cat -y x tcp",
		exists:  []string{"/bin/cat"},
		replies: withTCP(map[string][]reply{`pmadm -a -p tcp -s lp -i listen -m ::c::/bin/cat -v 4 -y x`: {{code: 6}}}),
		calls:   []string{sacTCP, `pmadm -a -p tcp -s lp -i listen -m ::c::/bin/cat -v 4 -y x`},
		stderr:  "nlsadmin: error: Service code already exists\n",
		code:    4,
	},
	{
		name:    "a pmadm not privileged",
		args:    "-a lp -c /bin/cat -y x tcp",
		exists:  []string{"/bin/cat"},
		replies: withTCP(map[string][]reply{`pmadm -a -p tcp -s lp -i listen -m ::c::/bin/cat -v 4 -y x`: {{code: 2}}}),
		calls:   []string{sacTCP, `pmadm -a -p tcp -s lp -i listen -m ::c::/bin/cat -v 4 -y x`},
		stderr:  "nlsadmin: error: Must be super user\n",
		code:    3,
	},
	{
		name:    "a other failure",
		args:    "-a lp -c /bin/cat -y x tcp",
		exists:  []string{"/bin/cat"},
		replies: withTCP(map[string][]reply{`pmadm -a -p tcp -s lp -i listen -m ::c::/bin/cat -v 4 -y x`: {{code: 10}}}),
		calls:   []string{sacTCP, `pmadm -a -p tcp -s lp -i listen -m ::c::/bin/cat -v 4 -y x`},
		stderr:  "nlsadmin: error: Could not add service\n" + sysErrLine,
		code:    6,
	},
	{
		name: "a relative command", args: "-a lp -c cat -y x tcp", replies: withTCP(nil), calls: []string{sacTCP},
		stderr: "nlsadmin: error: Must specify full path name\nnlsadmin: error: Could not add service\n", code: 5,
	},
	{
		name: "a command with #", args: "-a lp -c /bin/cat#x -y x tcp", replies: withTCP(nil), calls: []string{sacTCP},
		stderr: "nlsadmin: error: -c argument \"/bin/cat#x\" contains '#', which starts the comment of a _pmtab entry\n", code: 5,
	},
	{
		name: "a identity with :", args: "-a lp -c /bin/cat -y x -w a:b tcp", replies: withTCP(nil), calls: []string{sacTCP},
		stderr: "nlsadmin: error: -w argument \"a:b\" contains ':', which separates _pmtab fields\n", code: 5,
	},
	{
		name: "a comment with newline", args: "-a lp -c /bin/cat -y a\nb tcp", replies: withTCP(nil), calls: []string{sacTCP},
		stderr: "nlsadmin: error: -y argument \"a\\nb\" contains a newline, which ends a _pmtab entry\n", code: 5,
	},
	{
		name: "a not root", args: "-a lp -c /bin/cat -y x tcp", euid: 1000, replies: withTCP(nil), calls: []string{sacTCP},
		stderr: "nlsadmin: error: Must be super user\n", code: 3,
	},
	{
		name:    "a in a sandbox as anyone",
		args:    "-a lp -c /bin/cat -y x tcp",
		euid:    1000,
		sandbox: true,
		exists:  []string{"/bin/cat"},
		replies: withTCP(map[string][]reply{`pmadm -a -p tcp -s lp -i listen -m ::c::/bin/cat -v 4 -y x`: {{}}}),
		calls:   []string{sacTCP, `pmadm -a -p tcp -s lp -i listen -m ::c::/bin/cat -v 4 -y x`},
	},
	{name: "a without -y", args: "-a lp -c /bin/cat tcp", stderr: "nlsadmin: error: Missing argument\nusage:", code: 5},
	{name: "a without -c", args: "-a lp -y x tcp", stderr: "nlsadmin: error: Missing argument\nusage:", code: 5},
	{name: "a without net_spec", args: "-a lp -c /bin/cat -y x", stderr: "nlsadmin: error: Missing argument\nusage:", code: 5},
	{name: "c with net_spec", args: "-c /bin/cat tcp", stderr: "nlsadmin: error: Missing argument\nusage:", code: 5},
	{name: "y and w without -a", args: "-c /bin/cat -y x -w me", stderr: "nlsadmin: error: Missing argument\nusage:", code: 5},
	// -r, -e, -d.
	{name: "r", args: "-r lp tcp", replies: withTCP(map[string][]reply{"pmadm -r -p tcp -s lp": {{}}}), calls: []string{sacTCP, "pmadm -r -p tcp -s lp"}},
	{name: "e", args: "-e lp tcp", replies: withTCP(map[string][]reply{"pmadm -e -p tcp -s lp": {{}}}), calls: []string{sacTCP, "pmadm -e -p tcp -s lp"}},
	{name: "d", args: "-d lp tcp", replies: withTCP(map[string][]reply{"pmadm -d -p tcp -s lp": {{}}}), calls: []string{sacTCP, "pmadm -d -p tcp -s lp"}},
	{
		name: "d non-existent", args: "-d lp tcp", replies: withTCP(map[string][]reply{"pmadm -d -p tcp -s lp": {{code: 5}}}),
		calls: []string{sacTCP, "pmadm -d -p tcp -s lp"}, stderr: "nlsadmin: error: Non-existent service.\n", code: 4,
	},
	{
		name: "e exit 6", args: "-e lp tcp", replies: withTCP(map[string][]reply{"pmadm -e -p tcp -s lp": {{code: 6}}}),
		calls: []string{sacTCP, "pmadm -e -p tcp -s lp"}, stderr: "nlsadmin: error: Non-existent service.\n", code: 4,
	},
	{
		name: "r not privileged", args: "-r lp tcp", replies: withTCP(map[string][]reply{"pmadm -r -p tcp -s lp": {{code: 2}}}),
		calls: []string{sacTCP, "pmadm -r -p tcp -s lp"}, stderr: "nlsadmin: error: Must be super user\n", code: 3,
	},
	{
		name: "r sac not running", args: "-r lp tcp", replies: withTCP(map[string][]reply{"pmadm -r -p tcp -s lp": {{code: 4}}}),
		calls: []string{sacTCP, "pmadm -r -p tcp -s lp"}, stderr: sysErrLine, code: 6,
	},
	{name: "r not root", args: "-r lp tcp", euid: 1, replies: withTCP(nil), calls: []string{sacTCP}, stderr: "nlsadmin: error: Must be super user\n", code: 3},
	// -k.
	{name: "k", args: "-k tcp", replies: withTCP(map[string][]reply{"sacadm -k -p tcp": {{}}}), calls: []string{sacTCP, "sacadm -k -p tcp"}},
	{
		name: "k not running", args: "-k tcp", replies: withTCP(map[string][]reply{"sacadm -k -p tcp": {{code: 8}}}),
		calls: []string{sacTCP, "sacadm -k -p tcp"}, stderr: "nlsadmin: error: No listener active on network \"tcp\"\n", code: 2,
	},
	{
		name: "k non-existent", args: "-k tcp", replies: withTCP(map[string][]reply{"sacadm -k -p tcp": {{code: 5}}}),
		calls: []string{sacTCP, "sacadm -k -p tcp"}, stderr: "nlsadmin: error: Non-existent port monitor.\n", code: 4,
	},
	{
		name: "k not privileged", args: "-k tcp", replies: withTCP(map[string][]reply{"sacadm -k -p tcp": {{code: 2}}}),
		calls: []string{sacTCP, "sacadm -k -p tcp"}, stderr: "nlsadmin: error: Must be super user\n", code: 3,
	},
	{
		name: "k other", args: "-k tcp", replies: withTCP(map[string][]reply{"sacadm -k -p tcp": {{code: 10}}}),
		calls: []string{sacTCP, "sacadm -k -p tcp"}, stderr: sysErrLine, code: 6,
	},
	// -s.
	{
		name: "s", args: "-s tcp", replies: withTCP(map[string][]reply{"sacadm -s -p tcp": {{}}, "sacadm -e -p tcp": {{}}}),
		calls: []string{sacTCP, "sacadm -s -p tcp", "sacadm -e -p tcp"},
	},
	{
		name: "s already running", args: "-s tcp", replies: withTCP(map[string][]reply{"sacadm -s -p tcp": {{code: 7}}}),
		calls: []string{sacTCP, "sacadm -s -p tcp"}, stderr: "nlsadmin: error: Listener already running\n", code: 2,
	},
	{
		name: "s non-existent", args: "-s tcp", replies: withTCP(map[string][]reply{"sacadm -s -p tcp": {{code: 5}}}),
		calls: []string{sacTCP, "sacadm -s -p tcp"}, stderr: "nlsadmin: error: Non-existent port monitor.\n", code: 7,
	},
	{
		name: "s start failed", args: "-s tcp", replies: withTCP(map[string][]reply{"sacadm -s -p tcp": {{}}, "sacadm -e -p tcp": {{code: 8}}}),
		calls: []string{sacTCP, "sacadm -s -p tcp", "sacadm -e -p tcp"}, stderr: "nlsadmin: error: Listener start failed\n", code: 2,
	},
	{
		name: "s enable says running", args: "-s tcp", replies: withTCP(map[string][]reply{"sacadm -s -p tcp": {{}}, "sacadm -e -p tcp": {{code: 7}}}),
		calls: []string{sacTCP, "sacadm -s -p tcp", "sacadm -e -p tcp"}, stderr: "nlsadmin: error: Listener already running\n", code: 2,
	},
	{
		name: "s enable non-existent", args: "-s tcp", replies: withTCP(map[string][]reply{"sacadm -s -p tcp": {{}}, "sacadm -e -p tcp": {{code: 6}}}),
		calls: []string{sacTCP, "sacadm -s -p tcp", "sacadm -e -p tcp"}, stderr: "nlsadmin: error: Non-existent port monitor.\n", code: 7,
	},
	{
		name: "s other", args: "-s tcp", replies: withTCP(map[string][]reply{"sacadm -s -p tcp": {{code: 10}}}),
		calls: []string{sacTCP, "sacadm -s -p tcp"}, stderr: sysErrLine, code: 6,
	},
	// -i: no net_spec check first.
	{
		name: "i",
		args: "-i tcp",
		replies: map[string][]reply{
			`sacadm -a -p tcp -t listen -c "/usr/lib/saf/listen tcp" -v 4`:                        {{}},
			`pmadm -a -p tcp -s 0 -i root -m ::c::/usr/lib/saf/nlps_server -v 4 -y "NLPS server"`: {{}},
		},
		exists: []string{nlpsServerPath},
		calls: []string{
			`sacadm -a -p tcp -t listen -c "/usr/lib/saf/listen tcp" -v 4`,
			`pmadm -a -p tcp -s 0 -i root -m ::c::/usr/lib/saf/nlps_server -v 4 -y "NLPS server"`,
		},
	},
	{
		name: "i starlan, nlps_server missing",
		args: "-i starlan",
		replies: map[string][]reply{
			`sacadm -a -p starlan -t listen -c "/usr/lib/saf/listen -m slan starlan" -v 4`:            {{}},
			`pmadm -a -p starlan -s 0 -i root -m ::c::/usr/lib/saf/nlps_server -v 4 -y "NLPS server"`: {{code: 6}},
		},
		calls: []string{
			`sacadm -a -p starlan -t listen -c "/usr/lib/saf/listen -m slan starlan" -v 4`,
			`pmadm -a -p starlan -s 0 -i root -m ::c::/usr/lib/saf/nlps_server -v 4 -y "NLPS server"`,
		},
		stderr: "nlsadmin: warning: /usr/lib/saf/nlps_server does not exist\nnlsadmin: error: Service code already exists\n",
		code:   4,
	},
	{
		name:    "i already initialized",
		args:    "-i tcp",
		replies: map[string][]reply{`sacadm -a -p tcp -t listen -c "/usr/lib/saf/listen tcp" -v 4`: {{code: 6}}},
		calls:   []string{`sacadm -a -p tcp -t listen -c "/usr/lib/saf/listen tcp" -v 4`},
		stderr:  "nlsadmin: error: Listener already initialized\n",
		code:    2,
	},
	{
		name:    "i running",
		args:    "-i tcp",
		replies: map[string][]reply{`sacadm -a -p tcp -t listen -c "/usr/lib/saf/listen tcp" -v 4`: {{code: 7}}},
		calls:   []string{`sacadm -a -p tcp -t listen -c "/usr/lib/saf/listen tcp" -v 4`},
		stderr:  "nlsadmin: error: Listener already initialized\n",
		code:    2,
	},
	{
		name:    "i other",
		args:    "-i tcp",
		replies: map[string][]reply{`sacadm -a -p tcp -t listen -c "/usr/lib/saf/listen tcp" -v 4`: {{code: 1}}},
		calls:   []string{`sacadm -a -p tcp -t listen -c "/usr/lib/saf/listen tcp" -v 4`},
		stderr:  sysErrLine,
		code:    6,
	},
	{name: "i not root", args: "-i tcp", euid: 5, stderr: "nlsadmin: error: Must be super user\n", code: 3},
	// -l and -t.
	{
		name:    "l query",
		args:    "-l - tcp",
		euid:    1000,
		replies: withTCP(map[string][]reply{"pmadm -L -p tcp -s 0": {{out: nlpsLine}}}),
		calls:   []string{sacTCP, "pmadm -L -p tcp -s 0"},
		stdout:  `\x00020ACE000000000000000000000000` + "\n",
	},
	{
		name:    "l and t query, any - argument",
		args:    "-t -x -l - tcp",
		replies: withTCP(map[string][]reply{"pmadm -L -p tcp -s 0": {{out: nlpsLine}}, "pmadm -L -p tcp -s 1": {{out: loginLine}}}),
		calls:   []string{sacTCP, "pmadm -L -p tcp -s 0", "pmadm -L -p tcp -s 1"},
		stdout:  `\x00020ACE000000000000000000000000` + "\n" + `\x00020ACF810b8b6e0000000000000000` + "\n",
	},
	{
		name:    "l query, no address",
		args:    "-l - tcp",
		replies: withTCP(map[string][]reply{"pmadm -L -p tcp -s 0": {{out: "tcp:listen:0::root:reserved:reserved:reserved:::c::/x#\n"}}}),
		calls:   []string{sacTCP, "pmadm -L -p tcp -s 0"},
		stdout:  "\n",
	},
	{
		name:    "l query, no service",
		args:    "-l - tcp",
		replies: withTCP(map[string][]reply{"pmadm -L -p tcp -s 0": {{code: 5}}}),
		calls:   []string{sacTCP, "pmadm -L -p tcp -s 0"},
	},
	{
		name:    "l replaces the address, readable form stored as hex",
		args:    "-l 127.0.0.1:21000 tcp",
		exists:  []string{nlpsServerPath},
		replies: withTCP(map[string][]reply{"pmadm -L -p tcp -s 0": {{out: nlpsLine}}, nlpsRemoved: {{}}, `pmadm -a -p tcp -s 0 -i root -m ` + newHex + `::c::/usr/lib/saf/nlps_server -v 4 -y "NLPS server"`: {{}}}),
		calls: []string{sacTCP, "pmadm -L -p tcp -s 0", nlpsRemoved,
			`pmadm -a -p tcp -s 0 -i root -m ` + newHex + `::c::/usr/lib/saf/nlps_server -v 4 -y "NLPS server"`},
	},
	{
		name:    "t keeps flags, modules and comment, drops rpc and d",
		args:    "-t " + newHex + " tcp",
		exists:  []string{"/usr/bin/login"},
		replies: withTCP(map[string][]reply{"pmadm -L -p tcp -s 1": {{out: loginLine}}, "pmadm -r -p tcp -s 1": {{}}, `pmadm -a -p tcp -s 1 -i root -f ux -m "` + newHex + `::c:ldterm:/usr/bin/login -p" -v 4 -y " "`: {{}}}),
		calls: []string{sacTCP, "pmadm -L -p tcp -s 1", "pmadm -r -p tcp -s 1",
			`pmadm -a -p tcp -s 1 -i root -f ux -m "` + newHex + `::c:ldterm:/usr/bin/login -p" -v 4 -y " "`},
	},
	{
		name:    "l with an empty address clears it",
		args:    `-l "" tcp`,
		exists:  []string{nlpsServerPath},
		replies: withTCP(map[string][]reply{"pmadm -L -p tcp -s 0": {{out: nlpsLine}}, nlpsRemoved: {{}}, `pmadm -a -p tcp -s 0 -i root -m ::c::/usr/lib/saf/nlps_server -v 4 -y "NLPS server"`: {{}}}),
		calls: []string{sacTCP, "pmadm -L -p tcp -s 0", nlpsRemoved,
			`pmadm -a -p tcp -s 0 -i root -m ::c::/usr/lib/saf/nlps_server -v 4 -y "NLPS server"`},
	},
	{
		name:    "l service not defined",
		args:    "-l 127.0.0.1:21000 tcp",
		replies: withTCP(map[string][]reply{"pmadm -L -p tcp -s 0": {{code: 5}}}),
		calls:   []string{sacTCP, "pmadm -L -p tcp -s 0"},
		stderr:  "nlsadmin: warning: NLPS service not defined\n",
	},
	{
		name:    "t service not defined",
		args:    "-t 127.0.0.1:21000 tcp",
		replies: withTCP(map[string][]reply{"pmadm -L -p tcp -s 1": {{code: 5}}}),
		calls:   []string{sacTCP, "pmadm -L -p tcp -s 1"},
		stderr:  "nlsadmin: warning: remote login service not defined\n",
	},
	{
		name: "l bad address", args: "-l host:21000 tcp", replies: withTCP(nil), calls: []string{sacTCP}, code: 5,
		stderr: "nlsadmin: error: -l argument \"host:21000\" contains ':' but is not a numeric host:port, :port or [v6]:port address: host \"host\" is not an IPv4 address (names are not looked up; write IPv6 addresses as [addr]:port) (a socket path may not contain ':')\n",
	},
	{
		name: "l address with #", args: "-l /tmp/a#b tcp", replies: withTCP(nil), calls: []string{sacTCP}, code: 5,
		stderr: "nlsadmin: error: -l argument \"/tmp/a#b\" contains '#', which starts the comment of a _pmtab entry\n",
	},
	{name: "l not root", args: "-l /tmp/s tcp", euid: 3, replies: withTCP(nil), calls: []string{sacTCP}, stderr: "nlsadmin: error: Must be super user\n", code: 3},
	{
		name:   "l remove did not notify sac, entry gone: re-added",
		args:   "-l /tmp/s tcp",
		exists: []string{nlpsServerPath},
		replies: withTCP(map[string][]reply{
			"pmadm -L -p tcp -s 0": {{out: nlpsLine}, {code: 5}},
			nlpsRemoved:            {{code: 10}},
			`pmadm -a -p tcp -s 0 -i root -m /tmp/s::c::/usr/lib/saf/nlps_server -v 4 -y "NLPS server"`: {{code: 10}},
		}),
		calls: []string{sacTCP, "pmadm -L -p tcp -s 0", nlpsRemoved, "pmadm -L -p tcp -s 0",
			`pmadm -a -p tcp -s 0 -i root -m /tmp/s::c::/usr/lib/saf/nlps_server -v 4 -y "NLPS server"`},
		stderr: "nlsadmin: error: Could not add service\n" + sysErrLine,
		code:   6,
	},
	{
		name:    "l remove failed, entry still there",
		args:    "-l /tmp/s tcp",
		replies: withTCP(map[string][]reply{"pmadm -L -p tcp -s 0": {{out: nlpsLine}}, nlpsRemoved: {{code: 4}}}),
		calls:   []string{sacTCP, "pmadm -L -p tcp -s 0", nlpsRemoved, "pmadm -L -p tcp -s 0"},
		stderr:  sysErrLine,
		code:    6,
	},
	{
		name:    "l on a service of another type",
		args:    "-l - tcp",
		replies: withTCP(map[string][]reply{"pmadm -L -p tcp -s 0": {{out: "tcp:ttymon:0::root:reserved:reserved:reserved:a:b:c:d:e#\n"}}}),
		calls:   []string{sacTCP, "pmadm -L -p tcp -s 0"},
		stderr:  "nlsadmin: error: Incorrect port monitor type.  Must be of type listen\n",
		code:    2,
	},
}

func TestFrontEnd(t *testing.T) {
	for _, tt := range frontEndTests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeSAF{replies: map[string][]reply{}}
			for k, v := range tt.replies {
				f.replies[k] = append([]reply(nil), v...)
			}
			var stdout, stderr bytes.Buffer
			root := paths.New("")
			if tt.sandbox {
				root = paths.New(t.TempDir())
			}
			c := &cmd{stdout: &stdout, stderr: &stderr, root: root, euid: tt.euid, saf: f, stat: existing(tt.exists...)}
			var args []string
			for _, a := range strings.Split(tt.args, " ") {
				if a == `""` {
					a = ""
				}
				args = append(args, strings.ReplaceAll(a, "\x00", " "))
			}
			code := c.main(args)
			if code != tt.code {
				t.Errorf("exit status %d, want %d", code, tt.code)
			}
			if !reflect.DeepEqual(f.calls, tt.calls) {
				t.Errorf("commands run:\n%s\nwant:\n%s", strings.Join(f.calls, "\n"), strings.Join(tt.calls, "\n"))
			}
			if stdout.String() != tt.stdout {
				t.Errorf("stdout = %q, want %q", stdout.String(), tt.stdout)
			}
			got := stderr.String()
			if i := strings.Index(got, "usage:"); i >= 0 {
				got = got[:i+len("usage:")]
			}
			if got != tt.stderr {
				t.Errorf("stderr = %q, want %q", got, tt.stderr)
			}
		})
	}
}

// TestInProcess checks the real operations on a sandbox: what sacadm -L
// and pmadm -L list, a service added and removed, and the exit statuses.
func TestInProcess(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{
		"etc/saf/_sactab":    "# VERSION=1\ntcp:listen::0:/usr/lib/saf/listen tcp\t#\n",
		"etc/saf/tcp/_pmtab": "# VERSION=4\n0::root:reserved:reserved:reserved:::c::/usr/lib/saf/nlps_server#NLPS server\n",
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := inProcess{root: paths.New(dir), uid: 1000} // a sandbox: any user may change it
	pms, st := p.portMonitors("tcp", "")
	if st != 0 || len(pms) != 1 || pms[0].Type != "listen" || pms[0].State != sacmsg.NoSac {
		t.Errorf("portMonitors(tcp) = %+v, %d", pms, st)
	}
	if _, st := p.portMonitors("", "ttymon"); st != exitcode.NoExist {
		t.Errorf("portMonitors of type ttymon: exit %d, want %d", st, exitcode.NoExist)
	}
	e := pmtab.Entry{Svc: "lp", Identity: "listen", PMSpecific: "::c::/bin/cat", Comment: "printer"}
	// The table changes; sac, not running, cannot be told: exit 4.
	if st := p.addService("tcp", e, pmtab.ListenVersion); st != exitcode.SysErr {
		t.Errorf("addService: exit %d, want %d", st, exitcode.SysErr)
	}
	svcs, st := p.services("tcp", "lp")
	if st != 0 || len(svcs) != 1 || svcs[0].PMTag != "tcp" || svcs[0].PMSpecific != e.PMSpecific || svcs[0].Comment != e.Comment {
		t.Errorf("services(tcp, lp) = %+v, %d", svcs, st)
	}
	if st := p.addService("tcp", e, pmtab.ListenVersion); st != exitcode.Dup {
		t.Errorf("addService again: exit %d, want %d", st, exitcode.Dup)
	}
	if st := p.changeService(pmadm.Remove, "tcp", "nope"); st != exitcode.NoExist {
		t.Errorf("changeService(nope): exit %d, want %d", st, exitcode.NoExist)
	}
	if st := p.tell(sacmsg.ACStart, "tcp"); st != exitcode.SysErr {
		t.Errorf("tell without sac: exit %d, want %d", st, exitcode.SysErr)
	}
}

func TestListenService(t *testing.T) {
	f := &fakeSAF{replies: map[string][]reply{pmTCP: {{out: ttyLine + badLine}}}}
	svcs, _ := f.services("tcp", "")
	s, ok := listenService(svcs[0])
	want := svcLine{
		pmtag: "tcp", pmtype: "listen", svc: "tty", flags: pmtab.FlagU, id: "uucp",
		addr: `\x00020ACF810b8b6e0000000000000000`, lflags: "c", modules: "ntty,tirdwr",
		command: "/usr/bin/shserv -x a:b", comment: "Server-side for cu",
	}
	if !ok || s != want {
		t.Errorf("listenService = %+v, %v; want %+v", s, ok, want)
	}
	if s, ok := listenService(svcs[1]); ok || s.svc != "bad" {
		t.Errorf("listenService(%q) = %+v, ok; want not", svcs[1].PMSpecific, s)
	}
}
