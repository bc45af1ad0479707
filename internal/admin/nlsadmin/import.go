package nlsadmin

// --import-inetd (our extension): turn an inetd.conf into a shell script of
// sacadm, pmadm and nlsadmin commands that recreates its services under a
// listen port monitor. The mapping, entry by entry:
//
//	service         the port, through /etc/services for the protocol
//	                without its digits (tcp6 -> tcp), or a number;
//	                host:service binds host (numeric) or * (every address)
//	socket_type     stream with tcp*, dgram with udp* (--proto=udp)
//	protocol        tcp, tcp4, udp, udp4: every IPv4 address (:PORT);
//	                tcp6, tcp46, udp6, udp46: every IPv6 address ([::]:PORT)
//	wait            stream wait: --wait; dgram services take over their
//	                socket anyway (the listener's udp implies wait)
//	.max            --rate=MAX/60 (inetd counts starts per minute)
//	user[.group]    -i USER; a group (or login class) cannot be expressed:
//	                the service runs with the user's groups (a comment)
//	internal        --internal=SERVICE for echo, discard, daytime,
//	                chargen and time
//	server args     -c "SERVER ARGS[1:]"; argv[0] is always the server's
//	                path for the listener (a comment when it differed);
//	                tcpd ARGV0 ARGS becomes ARGV0's daemon with --wrap
//
// Everything else is reported with file:line and the reason and left out:
// rpc/* and unix services, other socket types and protocols, tcpmux,
// unknown names, other internal services, commands that _pmtab cannot
// hold. The script changes nothing that exists: the port monitor and each
// service are added only when pmadm/sacadm -L does not find them, so it
// may be run again after fixing what was left out.

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/linux-saf/saf/internal/admin/adm"
	"github.com/linux-saf/saf/internal/inetdconf"
	"github.com/linux-saf/saf/saf/admfile"
	"github.com/linux-saf/saf/saf/pmtab"
	"github.com/linux-saf/saf/saf/sactab"
)

// importNetSpec is the transport of the imported port monitor: tcp covers
// IPv4, IPv6 and, through the service options, udp.
const importNetSpec = "tcp"

// tcpdRealDir is where tcpd looks for a daemon named without a path
// (REAL_DAEMON_DIR of Debian's tcp_wrappers).
const tcpdRealDir = "/usr/sbin"

// importInetd is --import-inetd FILE [net_spec].
func (c *cmd) importInetd(o *options) error {
	tag := importNetSpec
	if o.hasNet {
		tag = o.net
	}
	if !admfile.IsAlnum(tag) || tag == "" || len(tag) > sactab.TagSize {
		return fail(exitUsage, msgImportTag, tag, sactab.TagSize)
	}
	if c.open == nil {
		return fail(exitSystem, msgImportNoAccess)
	}
	f, err := c.open(o.importFile)
	if err != nil {
		return fail(exitSystem, msgImportOpen, err)
	}
	defer f.Close() // read-only: a close error changes nothing
	entries, bad, err := inetdconf.Parse(f)
	if err != nil {
		return fail(exitSystem, msgImportRead, o.importFile, err)
	}
	im := &importer{c: c, file: o.importFile, tag: tag, codes: map[string]bool{}, bound: map[string]int{}}
	script, skipped := im.script(entries, bad)
	fmt.Fprint(c.stdout, script)
	for _, s := range skipped {
		c.warnf("%s", s)
	}
	if len(skipped) > 0 {
		return quiet(exitNo)
	}
	return nil
}

type importer struct {
	c     *cmd
	file  string
	tag   string
	codes map[string]bool // service codes given so far
	bound map[string]int  // "proto address" -> the line that has it
}

// skip is an entry that is not imported.
type skip struct {
	line int
	text string
	why  string
}

// script returns the script and, in line order, the entries left out as
// "FILE:LINE: not imported: WHY".
func (im *importer) script(entries []inetdconf.Entry, bad []*inetdconf.Error) (string, []string) {
	var skips []skip
	for _, e := range bad {
		skips = append(skips, skip{e.Line, e.Text, e.Err.Error()})
	}
	var b strings.Builder
	base := filepath.Base(im.file)
	fmt.Fprintf(&b, scriptHead, im.file, im.tag, im.tag, im.tag, im.tag,
		shQuote(listenPath+" "+importNetSpec), shQuote(fmt.Sprintf(scriptComment, base)))
	n := 0
	for _, e := range entries {
		block, err := im.entry(e, base)
		if err != nil {
			skips = append(skips, skip{e.Line, "", err.Error()})
			continue
		}
		b.WriteString("\n")
		b.WriteString(block)
		n++
	}
	if n == 0 {
		b.WriteString(scriptNone)
	}
	slices.SortStableFunc(skips, func(a, b skip) int { return a.line - b.line })
	var out []string
	for _, s := range skips {
		out = append(out, fmt.Sprintf(msgNotImported, im.file, s.line, s.why))
	}
	return b.String(), out
}

// service is an inetd.conf entry as the listener will run it.
type service struct {
	proto string   // tcp or udp
	v6    bool     // an IPv6 protocol: tcp6, udp46, ...
	host  string   // the host part of inetd's service field, "" for none
	name  string   // the service name or port after it
	port  uint16   // the port name stands for
	addr  string   // the address nlsadmin -A gets
	args  []string // nlsadmin's arguments
	notes []string // what the import could not carry over
}

// entry returns the commands for one entry, or why it cannot be imported.
func (im *importer) entry(e inetdconf.Entry, base string) (string, error) {
	s := &service{}
	if err := s.protocol(e); err != nil {
		return "", err
	}
	if err := im.address(s, e); err != nil {
		return "", err
	}
	if err := s.server(e); err != nil {
		return "", err
	}
	s.transport(e)
	if err := s.identity(e); err != nil {
		return "", err
	}
	// Check the tail the script's nlsadmin will print, so that the
	// script does not fail half-way.
	if err := im.check(s.args); err != nil {
		return "", err
	}
	key := s.proto + " " + s.addr
	if l, ok := im.bound[key]; ok {
		return "", fmt.Errorf(msgImportBound, s.proto, s.addr, l)
	}
	im.bound[key] = e.Line
	code := im.code(s.name, s.proto, s.v6 && !strings.HasSuffix(e.Proto, "46"))
	return im.commands(e, base, s, code), nil
}

// protocol reads the protocol and the socket type.
func (s *service) protocol(e inetdconf.Entry) error {
	switch {
	case strings.HasPrefix(e.Proto, "rpc/"):
		return fmt.Errorf(msgImportRPC, e.Proto)
	case e.Proto == "unix":
		return errors.New(msgImportUnix)
	case slices.Contains([]string{"tcp", "tcp4", "tcp6", "tcp46"}, e.Proto):
		s.proto = "tcp"
	case slices.Contains([]string{"udp", "udp4", "udp6", "udp46"}, e.Proto):
		s.proto = "udp"
	default:
		return fmt.Errorf(msgImportProto, e.Proto)
	}
	s.v6 = strings.HasSuffix(e.Proto, "6")
	want := map[string]string{"tcp": "stream", "udp": "dgram"}[s.proto]
	if e.SocketType != want {
		return fmt.Errorf(msgImportSockType, e.SocketType, e.Proto, want)
	}
	return nil
}

// address reads the service field: the address to bind and its port.
func (im *importer) address(s *service, e inetdconf.Entry) error {
	s.name = e.Service
	if i := strings.LastIndexByte(s.name, ':'); i >= 0 {
		s.host, s.name = s.name[:i], s.name[i+1:]
	}
	var ip netip.Addr
	switch s.host {
	case "", "*":
		ip = netip.IPv4Unspecified()
		if s.v6 {
			ip = netip.IPv6Unspecified()
		}
	default:
		var err error
		if ip, err = netip.ParseAddr(strings.Trim(s.host, "[]")); err != nil || ip.Zone() != "" {
			return fmt.Errorf(msgImportHost, s.host)
		}
	}
	if strings.Contains(s.name, "/") || s.name == "" {
		return fmt.Errorf(msgImportService, e.Service)
	}
	if strings.Trim(s.name, "0123456789") == "" {
		p, err := strconv.ParseUint(s.name, 10, 16)
		if err != nil || p == 0 {
			return fmt.Errorf(msgImportPort, s.name)
		}
		s.port = uint16(p)
	} else {
		p, err := im.c.servicePort(s.name, s.proto)
		if err != nil {
			return err
		}
		s.port = p
	}
	s.addr = netip.AddrPortFrom(ip, s.port).String()
	if ip.IsUnspecified() && ip.Is4() {
		s.addr = ":" + strconv.Itoa(int(s.port))
	}
	return nil
}

// server reads the server program and its arguments.
func (s *service) server(e inetdconf.Entry) error {
	if e.Server == "internal" {
		if !slices.Contains(pmtab.ListenInternalServices, s.name) {
			return fmt.Errorf(msgImportInternal, s.name, strings.Join(pmtab.ListenInternalServices, ", "))
		}
		s.args = append(s.args, "--internal="+s.name)
		if len(e.Args) > 0 {
			s.notes = append(s.notes, noteInternalArgs)
		}
		return nil
	}
	command, wrap, notes, err := importCommand(e.Server, e.Args)
	if err != nil {
		return err
	}
	s.notes = append(s.notes, notes...)
	s.args = append(s.args, "-c", command)
	if wrap != "" {
		s.args = append(s.args, "--wrap="+wrap)
	}
	return nil
}

// transport gives the address, the protocol, wait and the rate limit.
func (s *service) transport(e inetdconf.Entry) {
	s.args = append(s.args, "-A", s.addr)
	if s.proto == "udp" {
		s.args = append(s.args, "--proto=udp")
		if !e.Wait && e.Server != "internal" {
			s.notes = append(s.notes, noteDgramNowait)
		}
	} else if e.Wait {
		if e.Server == "internal" {
			s.notes = append(s.notes, noteInternalWait)
		} else {
			s.args = append(s.args, "--wait")
		}
	}
	if e.Max != 0 {
		s.args = append(s.args, fmt.Sprintf("--rate=%d/60", e.Max))
	}
	if strings.HasSuffix(e.Proto, "46") && (s.host == "" || s.host == "*") {
		s.notes = append(s.notes, fmt.Sprintf(noteDualStack, e.Proto, s.port))
	}
}

// identity reads the user (and what of the group cannot be kept).
func (s *service) identity(e inetdconf.Entry) error {
	if e.Group != "" {
		s.notes = append(s.notes, fmt.Sprintf(noteGroup, e.Group, e.User))
	}
	if e.Class != "" {
		s.notes = append(s.notes, fmt.Sprintf(noteClass, e.Class))
	}
	if strings.ContainsAny(e.User, ":#\n") {
		return fmt.Errorf(msgImportUser, e.User)
	}
	return nil
}

// commands is the script's part for the entry e, imported as s under the
// service code code.
func (im *importer) commands(e inetdconf.Entry, base string, s *service, code string) string {
	var b strings.Builder
	fmt.Fprintf(&b, scriptEntry, base, e.Line, e.Text)
	for _, n := range s.notes {
		fmt.Fprintf(&b, scriptNote, n)
	}
	quoted := make([]string, len(s.args))
	for i, a := range s.args {
		quoted[i] = shQuote(a)
	}
	fmt.Fprintf(&b, scriptAdd, im.tag, code, im.tag, code, shQuote(e.User),
		strings.Join(quoted, " "), shQuote(fmt.Sprintf(scriptSvcComment, base, e.Line)))
	return b.String()
}

// check runs the formatter on args, as the script will, and returns its
// error (the stat of the command is left out: the warning is no error).
func (im *importer) check(args []string) error {
	o, err := parseArgs(args)
	if err == nil && o.hasSvcOpts() {
		err = checkServiceOptions(o)
	}
	if err == nil {
		probe := &cmd{stdout: io.Discard, stderr: io.Discard, euid: 0, stat: func(string) (os.FileInfo, error) { return nil, nil }}
		err = probe.format(o)
	}
	if err != nil {
		var u *adm.UsageError
		if errors.As(err, &u) && u.Msg != "" {
			return errors.New(strings.TrimPrefix(u.Msg, fmt.Sprintf(msgErrorText, "")))
		}
		return err
	}
	return nil
}

// code makes a service code from the service name: its letters and
// digits, u for udp, 6 for IPv6-only, a number when taken; at most 13
// characters (nlsadmin refuses pmtab.SvcTagSize).
func (im *importer) code(name, proto string, v6 bool) string {
	var b strings.Builder
	for _, r := range name {
		if r < 0x80 && admfile.IsAlnum(string(r)) {
			b.WriteRune(r)
		}
	}
	stem := b.String()
	if stem == "" {
		stem = "svc"
	}
	suffix := ""
	if proto == "udp" {
		suffix += "u"
	}
	if v6 {
		suffix += "6"
	}
	const max = pmtab.SvcTagSize - 1
	for i := 1; ; i++ {
		s := suffix
		if i > 1 {
			s += strconv.Itoa(i)
		}
		st := stem
		if len(st)+len(s) > max {
			st = st[:max-len(s)]
		}
		if c := st + s; !im.codes[c] {
			im.codes[c] = true
			return c
		}
	}
}

// importCommand builds the listener's command line from inetd's server path
// and argv, quoting words as the listener splits them
// (docs/original.md#listen-command-splitting), and says what cannot be
// carried over. For tcpd it returns the daemon's command and its name for
// --wrap.
func importCommand(server string, argv []string) (command, wrap string, notes []string, err error) {
	if !strings.HasPrefix(server, "/") {
		return "", "", nil, fmt.Errorf(msgImportRelative, server)
	}
	path, rest := server, argv
	if len(rest) > 0 {
		rest = rest[1:]
	}
	if filepath.Base(server) == "tcpd" && len(argv) > 0 {
		// tcpd runs the daemon named by its argv[0] after checking
		// hosts.allow/hosts.deny: the listener does both with --wrap.
		path = argv[0]
		if !strings.HasPrefix(path, "/") {
			path = tcpdRealDir + "/" + path
			notes = append(notes, fmt.Sprintf(noteTcpdPath, argv[0], path))
		}
		wrap = filepath.Base(path)
		notes = append(notes, noteTcpd)
	} else if len(argv) > 0 && argv[0] != filepath.Base(server) && argv[0] != server {
		notes = append(notes, fmt.Sprintf(noteArgv0, argv[0], server))
	}
	words := append([]string{path}, rest...)
	quoted := make([]string, len(words))
	for i, w := range words {
		q, err := listenQuote(w)
		if err != nil {
			return "", "", nil, err
		}
		quoted[i] = q
	}
	command = strings.Join(quoted, " ")
	got, err := pmtab.SplitCommand(command)
	if err != nil || !slices.Equal(got, words) {
		return "", "", nil, fmt.Errorf(msgImportWords, strings.Join(words, " "))
	}
	return command, wrap, notes, nil
}

// listenQuote writes w so that the listener's command splitting gives it
// back: as is, or in double quotes with \" for a quote.
func listenQuote(w string) (string, error) {
	if strings.ContainsAny(w, "#\n") {
		return "", fmt.Errorf(msgImportArgHash, w)
	}
	if w != "" && !strings.ContainsAny(w, " \t") && w[0] != '"' && w[0] != '\'' {
		return w, nil
	}
	if strings.HasSuffix(w, `\`) {
		return "", fmt.Errorf(msgImportArgQuote, w)
	}
	return `"` + strings.ReplaceAll(w, `"`, `\"`) + `"`, nil
}

// shQuote quotes s for sh: as is when it is plainly safe, else in single
// quotes.
func shQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=,@%+-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
