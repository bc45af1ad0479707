// Package ttyadm implements ttyadm, the formatter of ttymon's _pmtab fields
// (docs/original.md#ttyadm).
//
// # Synopsis
//
//	ttyadm [-b] [-c] [-h] [-I] [-r count] [-i msg] [-m modules] [-p prompt]
//	       [-t timeout] [-S y|n] [-T termtype] -d device -l ttylabel -s service
//	ttyadm -V
//
// # Description
//
// ttyadm checks its arguments and prints the ttymon-specific part of a
// _pmtab entry (fields 7 to 17) on standard output, with no newline, for
// pmadm -m:
//
//	<device>:<ttyflags>:<count>:<service>:<timeout>:<ttylabel>:<modules>:<prompt>:<dmsg>:<termtype>:<softcar>:
//
// It changes no file. Arguments use the _pmtab escapes (\n, \t, \033, \\ …),
// which ttymon decodes; ttyadm writes them in one canonical form (\033 for
// ESC, \043 for '#').
//
// # Options
//
//	-d device    the port's character device, an absolute path (required)
//	-s service   the service command line; its first word must be an
//	             absolute path to an executable regular file; %d is the
//	             device, %u the name typed at the prompt (required)
//	-l ttylabel  the first /etc/ttydefs entry of the port's speed hunt;
//	             it must exist in /etc/ttydefs (under $SAF_ROOT) (required)
//	-b           bidirectional port (flag b)
//	-c           connect on carrier: start the service without a prompt (flag c)
//	-h           do not hang up the line before opening it (flag h)
//	-I           only initialize the port (soft carrier); never open it (flag I)
//	-r count     wait for input before prompting: count newlines, or one
//	             character when count is 0 (flag r)
//	-t timeout   close the port if nothing is typed within timeout seconds
//	-p prompt    the prompt; default "login: "
//	-i msg       the message shown while the port is disabled
//	-m modules   comma-separated STREAMS modules, mapped to Linux line
//	             disciplines: ldterm, ttcompat, ptem, pckt, ppp, spppasyn,
//	             slip, hdlc (at most 9)
//	-T termtype  the TERM value for the service
//	-S y|n       soft carrier on (y) or off (n); only the first character
//	             counts, either case
//	-V           print the _pmtab format version ttyadm writes and exit
//
// The flags -b, -c, -h, -I and -r are written in command-line order, repeats
// kept. For the other options the last occurrence wins.
//
// As a hardening over the original (docs/linux.md#input-validation), ttyadm
// refuses a newline in any argument, ':' or '#' in -d, -s, -l, -m and -T,
// and an argument that ends in a lone backslash: each would corrupt the
// _pmtab entry.
//
// # Exit status
//
//	0  the fields were printed, or -V
//	1  a usage error or a failed check; the reasons are on standard error,
//	   nothing is on standard output
//
// # Examples
//
// A login service on the first serial port, hunting from the 9600 entry:
//
//	$ ttyadm -d /dev/ttyS0 -l 9600 -s /bin/login
//	/dev/ttyS0:::/bin/login::9600::login\: ::::
//
// Added to the port monitor "ttymon1" as service "s0":
//
//	pmadm -a -p ttymon1 -s s0 -i root -v $(ttyadm -V) \
//	    -m "$(ttyadm -d /dev/ttyS0 -l 9600 -s '/bin/login -- %u' -T vt100 -S n)"
//
// See also docs/original.md#ttyadm-checks for the checks and their messages.
package ttyadm

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/linux-saf/saf/internal/errno"

	"github.com/linux-saf/saf/internal/admin/adm"
	"github.com/linux-saf/saf/saf/exitcode"
	"github.com/linux-saf/saf/saf/paths"
	"github.com/linux-saf/saf/saf/pmtab"
)

// exitFailure is ttyadm's one failure status: 1 for every error, usage and
// checks alike (the original's E_BADARGS).
const exitFailure = exitcode.BadArgs

// pmtabVersion is the _pmtab format version ttyadm writes
// (docs/architecture.md#version-stamps), printed by -V.
const pmtabVersion = 1

// Main runs ttyadm with args (without the program name) and returns the
// exit status. It reads SAF_ROOT and nothing else from the environment.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	err := run(args, paths.FromEnv(os.Getenv), stdout)
	if err == nil {
		return exitcode.OK
	}
	u := adm.Usage{Prog: "ttyadm", Text: usage, Code: exitFailure}
	if code, ok := u.Report(err, stdout, stderr); ok {
		return code
	}
	adm.PrintError(stderr, "ttyadm", err)
	return exitcode.Code(err, exitFailure)
}

// usageErr is a usage error; line, if not empty, comes before the usage text.
func usageErr(line string) error { return &adm.UsageError{Msg: line} }

// failure is the error of the checks that failed, each message on its own
// line.
func failure(lines []string) error {
	errs := make([]error, len(lines))
	for i, l := range lines {
		errs[i] = errors.New(l)
	}
	return exitcode.Wrap(exitFailure, errors.Join(errs...))
}

// opt is one option as getopt returned it.
type opt struct {
	c   byte
	arg string
}

// config is the parsed command line, arguments as typed.
type config struct {
	flags, count  string
	timeout       string
	prompt, dmsg  string
	modules, term string
	softcar       pmtab.SoftCarrier
	device, svc   string
	label         string
	hasD, hasS    bool
	hasL, hasM    bool
	hasP, version bool
	all           []opt // every option with its argument, for harden
	operands      []string
}

// parse reads the command line the way the original getopt loop did, with
// its option string: options are handled in order, and a bad -r, -t or -S
// argument or an unknown option ends parsing with a message and the usage.
func parse(args []string) (*config, error) {
	cfg := &config{}
	g := adm.NewGetopt(args, "IT:S:Vd:s:chbr:t:l:m:p:i:")
	for g.Next() {
		o := opt{g.Opt[0], g.Arg}
		cfg.all = append(cfg.all, o)
		if err := cfg.take(o); err != nil {
			return nil, err
		}
	}
	if err := g.Err(); err != nil {
		return nil, err
	}
	cfg.operands = g.Operands()
	return cfg, nil
}

// take applies one option.
func (cfg *config) take(o opt) error {
	switch o.c {
	case 'b', 'c', 'h', 'I':
		cfg.flags += string(o.c)
	case 'r':
		if !digits(o.arg) {
			return usageErr(msgBadCount)
		}
		cfg.flags += "r"
		cfg.count = o.arg
	case 't':
		if !digits(o.arg) {
			return usageErr(msgBadTimeout)
		}
		cfg.timeout = o.arg
	case 'S':
		switch {
		case o.arg != "" && (o.arg[0] == 'y' || o.arg[0] == 'Y'):
			cfg.softcar = pmtab.SoftCarrierOn
		case o.arg != "" && (o.arg[0] == 'n' || o.arg[0] == 'N'):
			cfg.softcar = pmtab.SoftCarrierOff
		default:
			return usageErr("")
		}
	case 'T':
		cfg.term = o.arg
	case 'p':
		cfg.prompt, cfg.hasP = o.arg, true
	case 'i':
		cfg.dmsg = o.arg
	case 'm':
		cfg.modules, cfg.hasM = o.arg, true
	case 'd':
		cfg.device, cfg.hasD = o.arg, true
	case 's':
		cfg.svc, cfg.hasS = o.arg, true
	case 'l':
		cfg.label, cfg.hasL = o.arg, true
	case 'V':
		cfg.version = true
	}
	return nil
}

// digits reports whether s is all ASCII digits (empty included, as the
// original accepted) and fits the C int ttymon reads it into; the original
// did not check the size, so ttymon would have read a wrapped value.
func digits(s string) bool { return pmtab.Decimal(s).Valid() }

func run(args []string, root paths.Root, stdout io.Writer) error {
	cfg, err := parse(args)
	if err != nil {
		return err
	}
	if cfg.version {
		if len(args) != 1 {
			return usageErr("")
		}
		if _, err := fmt.Fprintf(stdout, fmtVersion, pmtabVersion); err != nil {
			return exitcode.Wrap(exitFailure, fmt.Errorf(msgCannotWrite, whatVersion, err))
		}
		return nil
	}
	if len(cfg.operands) > 0 || !cfg.hasD || !cfg.hasS || !cfg.hasL {
		return usageErr("")
	}
	if lines := harden(cfg); len(lines) > 0 {
		return failure(lines)
	}

	t := pmtab.TTY{
		Device:     pmtab.UnescapeTTY(cfg.device),
		Flags:      pmtab.TTYFlags(cfg.flags),
		Count:      pmtab.Decimal(cfg.count),
		Service:    pmtab.UnescapeTTY(cfg.svc),
		Timeout:    pmtab.Decimal(cfg.timeout),
		Label:      pmtab.UnescapeTTY(cfg.label),
		Modules:    pmtab.UnescapeTTY(cfg.modules),
		Prompt:     pmtab.DefaultTTYPrompt,
		DisableMsg: pmtab.UnescapeTTY(cfg.dmsg),
		TermType:   pmtab.UnescapeTTY(cfg.term),
		SoftCar:    cfg.softcar,
	}
	if cfg.hasP {
		t.Prompt = pmtab.UnescapeTTY(cfg.prompt)
	}

	// All four checks run and each may print.
	var lines []string
	for _, msg := range []string{
		checkDevice(t.Device),
		checkService(t.Service),
		checkLabel(root.TtyDefs(), t.Label),
	} {
		if msg != "" {
			lines = append(lines, msg)
		}
	}
	if cfg.hasM {
		if msg := checkModules(t.Modules); msg != "" {
			lines = append(lines, msg)
		}
	}
	if len(lines) > 0 {
		return failure(lines)
	}

	if _, err := io.WriteString(stdout, t.Format()); err != nil {
		return exitcode.Wrap(exitFailure, fmt.Errorf(msgCannotWrite, whatFields, err))
	}
	return nil
}

// checkDevice checks the device field as the original's check_device
// did: present, an absolute path, and (following
// symlinks) a character device. The original asked access(2) first and
// said "does not exist" whenever that failed; the reason follows the
// original's text here when it is not ENOENT.
func checkDevice(dev string) string {
	switch {
	case dev == "":
		return msgDeviceMissing
	case dev[0] != '/':
		return fmt.Sprintf(msgNotFullPath, dev)
	}
	fi, err := os.Stat(dev)
	if err != nil {
		return notExist(msgDeviceNotExist, dev, err)
	}
	if fi.Mode()&fs.ModeCharDevice == 0 {
		return fmt.Sprintf(msgNotCharDevice, dev)
	}
	return ""
}

// checkService checks the service command as the original's check_cmd
// did: present; its first word an absolute path
// to an existing file with at least one execute bit, a regular file. The
// word is what strtok(3) left at the start of the command: up to the
// first blank or tab after the first word, leading blanks kept, so that
// a command that starts with a blank is not a full path name.
func checkService(cmd string) string {
	if cmd == "" {
		return msgServiceMissing
	}
	p := cmd
	start := len(cmd) - len(strings.TrimLeft(cmd, " \t"))
	if end := strings.IndexAny(cmd[start:], " \t"); end >= 0 {
		p = cmd[:start+end]
	}
	if p[0] != '/' {
		return fmt.Sprintf(msgNotFullPath, p)
	}
	fi, err := os.Stat(p)
	switch {
	case err != nil:
		return notExist(msgServiceNotExist, p, err)
	case fi.Mode().Perm()&0o111 == 0:
		// The original's format ended in "\n" and its printer added
		// another: an empty line follows this one message.
		return fmt.Sprintf(msgNotExecutable, p)
	case !fi.Mode().IsRegular():
		return fmt.Sprintf(msgNotRegular, p)
	}
	return ""
}

// notExist is the original's "does not exist" message for path, which it
// printed whenever access(2) failed, with the reason after it when the
// path does exist.
func notExist(format, path string, err error) string {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Sprintf(format, path)
	}
	return fmt.Sprintf(format+detailErrno, path, errno.Text(err))
}

// checkModules checks a module list (at most 9 names, each one mapped to
// a Linux line discipline) and returns the original's message for a bad
// one, or "".
func checkModules(list string) string {
	err := pmtab.CheckModules(list)
	switch {
	case err == nil:
		return ""
	case errors.Is(err, pmtab.ErrTooManyModules):
		return fmt.Sprintf(msgTooManyModules, list)
	}
	return fmt.Sprintf(msgInvalidModules, list)
}

// harden refuses what would corrupt the _pmtab entry. The original wrote
// -d, -s, -l, -m and -T verbatim, so ':' there split the field and '#'
// started a comment; a newline anywhere split the line; a final lone
// backslash escaped the ':' that ends the field. The prompt and the disable
// message may hold ':' and '#': they are escaped.
func harden(cfg *config) []string {
	var lines []string
	for _, o := range cfg.all {
		if strings.Contains(o.arg, "\n") {
			msg := fmt.Sprintf(msgArgNewline, o.c, show(o.arg))
			if o.c == 'p' || o.c == 'i' {
				msg += hintWriteNewline
			}
			lines = append(lines, msg)
		}
	}
	fields := []struct {
		c   byte
		v   string
		has bool
	}{
		{'d', cfg.device, cfg.hasD},
		{'s', cfg.svc, cfg.hasS},
		{'l', cfg.label, cfg.hasL},
		{'m', cfg.modules, cfg.hasM},
		{'T', cfg.term, cfg.term != ""},
		{'p', cfg.prompt, cfg.hasP},
		{'i', cfg.dmsg, cfg.dmsg != ""},
	}
	for _, f := range fields {
		if !f.has {
			continue
		}
		if f.c != 'p' && f.c != 'i' {
			if strings.Contains(f.v, ":") {
				lines = append(lines, fmt.Sprintf(msgArgColon, f.c, show(f.v)))
			}
			if strings.Contains(f.v, "#") {
				lines = append(lines, fmt.Sprintf(msgArgHash, f.c, show(f.v)))
			}
		}
		if n := len(f.v) - len(strings.TrimRight(f.v, `\`)); n%2 == 1 {
			lines = append(lines, fmt.Sprintf(msgArgBackslash, f.c, show(f.v)))
		}
	}
	return lines
}

// show quotes an argument for a message as the user typed it, except that a
// newline shows as \n so the message stays on one line. (%q would double
// every backslash, which hides the one the message may be about.)
func show(v string) string { return `"` + strings.ReplaceAll(v, "\n", `\n`) + `"` }

// checkLabel looks label up in the ttydefs file at path as the original
// did, literally: the first token of every line, after leading blanks, up
// to a space or ':', comment lines included. It does not parse the file
// (package ttydefs does). It returns the message to print, or "". As in the
// original, a file that cannot be opened "does not exist" and one that
// cannot be read holds no label; the reason follows the original's text.
func checkLabel(path, label string) string {
	if label == "" {
		// The original printed this one without a newline, so the next
		// message ran into it; ours is a line like the others.
		return msgLabelMissing
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Sprintf(msgNoTtydefs, path, label)
	}
	if err != nil {
		return fmt.Sprintf(msgNoTtydefs+detailErrno, path, label, errno.Text(err))
	}
	defer f.Close() // opened read-only: a close error cannot lose data
	found, err := hasLabel(f, label)
	if err != nil {
		return fmt.Sprintf(msgLabelNotFound+detailErrno, label, path, errno.Text(err))
	}
	if !found {
		return fmt.Sprintf(msgLabelNotFound, label, path)
	}
	return ""
}

// hasLabel reports whether a line of r starts, after blanks, with label
// followed by a space, ':' or the end of the line.
func hasLabel(r io.Reader, label string) (bool, error) {
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		line = strings.TrimSuffix(line, "\n")
		line = strings.TrimLeft(line, " \t\v\f\r")
		if end := strings.IndexAny(line, " :"); end >= 0 {
			line = line[:end]
		}
		if line == label {
			return true, nil
		}
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
	}
}
