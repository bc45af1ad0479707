package e2e

// make install, make uninstall and make deb (docs/testing.md#make-targets),
// run for real into temp directories (DESTDIR, a scratch dpkg root), never
// into the system.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"debug/elf"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/linux-saf/saf/internal/testexec"
)

// repoRoot is the module root, where the Makefile is.
func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..")
}

// builtPrograms builds every program under cmd/ (as make build does, but
// into testexec's temp directory, not the work tree's bin/) and returns
// that directory and the programs' names.
func builtPrograms(t *testing.T) (string, []string) {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(repoRoot(t), "cmd"))
	if err != nil {
		t.Fatal(err)
	}
	var dir string
	var names []string
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		dir = filepath.Dir(testexec.Bin(t, e.Name()))
		names = append(names, e.Name())
	}
	return dir, names
}

// runMake runs make in the repository with args, outside any make that
// runs this test (its MAKEFLAGS would reach the inner make), and returns
// its output.
func runMake(t *testing.T, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	cmd := exec.Command("make", append([]string{"-s", "-C", repoRoot(t)}, args...)...)
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "DESTDIR", "PREFIX", "VERSION", "SAF_ROOT":
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// tree lists everything below root as "/path" -> mode (type and
// permission bits); root itself is left out.
func tree(t *testing.T, root string) map[string]fs.FileMode {
	t.Helper()
	m := map[string]fs.FileMode{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == root {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		m["/"+filepath.ToSlash(strings.TrimPrefix(p, root+"/"))] = fi.Mode().Type() | fi.Mode().Perm()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// wantTree is what make install with PREFIX=/usr puts into an empty
// DESTDIR: programs 0755, everything else 0644, directories 0755.
func wantTree(t *testing.T, progs []string, manifest bool) map[string]fs.FileMode {
	t.Helper()
	const dir = fs.ModeDir | 0o755
	w := map[string]fs.FileMode{}
	add := func(p string, mode fs.FileMode) {
		w[p] = mode
		for d := filepath.Dir(p); d != "/"; d = filepath.Dir(d) {
			w[d] = dir
		}
	}
	for _, p := range progs {
		switch p {
		case "sac", "ttymon", "listen":
			add("/usr/lib/saf/"+p, 0o755)
		default:
			add("/usr/sbin/"+p, 0o755)
		}
	}
	pages, err := filepath.Glob(filepath.Join(repoRoot(t), "man", "*.8"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range pages {
		add("/usr/share/man/man8/"+filepath.Base(m)+".gz", 0o644)
	}
	add("/etc/ttydefs", 0o644)
	add("/etc/saf/_sactab", 0o644)
	add("/var/saf", dir)
	add("/usr/lib/systemd/system/sac.service", 0o644)
	add("/usr/share/doc/saf/inittab.sysvinit", 0o644)
	add("/usr/share/doc/saf/inittab.busybox", 0o644)
	if manifest {
		add("/usr/share/doc/saf/installed-files", 0o644)
	}
	return w
}

func diffTrees(t *testing.T, what string, got, want map[string]fs.FileMode) {
	t.Helper()
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	for k := range want {
		if _, ok := got[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		g, gok := got[k]
		w, wok := want[k]
		switch {
		case !wok:
			t.Errorf("%s: unexpected %s (%v)", what, k, g)
		case !gok:
			t.Errorf("%s: missing %s", what, k)
		case g != w:
			t.Errorf("%s: %s has mode %v, want %v", what, k, g, w)
		}
	}
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sacadmList runs an installed sacadm -l on the SAF below root.
func sacadmList(t *testing.T, sacadm, root string) (int, string) {
	t.Helper()
	cmd := exec.Command(sacadm, "-l")
	cmd.Env = append(os.Environ(), "SAF_ROOT="+root)
	out, err := cmd.CombinedOutput()
	return exitCode(err), string(out)
}

// The installed tree holds exactly the programs that were built, the
// manual pages, the default configuration, the unit and the samples, each
// with its mode and content; the installed sacadm works on it.
func TestInstallTree(t *testing.T) {
	bins, progs := builtPrograms(t)
	root := repoRoot(t)
	dest := t.TempDir()
	runMake(t, "install", "DESTDIR="+dest, "BUILDBIN="+bins)

	diffTrees(t, "install", tree(t, dest), wantTree(t, progs, true))
	for _, p := range progs {
		installed := filepath.Join(dest, "usr/sbin", p)
		if p == "sac" || p == "ttymon" || p == "listen" {
			installed = filepath.Join(dest, "usr/lib/saf", p)
		}
		if !bytes.Equal(readFile(t, installed), readFile(t, filepath.Join(bins, p))) {
			t.Errorf("%s is not the program that was built", installed)
		}
	}
	pages, _ := filepath.Glob(filepath.Join(root, "man", "*.8"))
	for _, m := range pages {
		zr, err := gzip.NewReader(bytes.NewReader(readFile(t, filepath.Join(dest, "usr/share/man/man8", filepath.Base(m)+".gz"))))
		if err != nil {
			t.Fatalf("%s.gz: %v", m, err)
		}
		got, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, readFile(t, m)) {
			t.Errorf("%s.gz does not hold %s", filepath.Base(m), m)
		}
	}
	// A manual page for every program; ttymon(8) and listen(8) come from
	// their authors, so their absence is only noted.
	for _, p := range progs {
		if _, err := os.Stat(filepath.Join(root, "man", p+".8")); err != nil {
			if p == "ttymon" || p == "listen" {
				t.Logf("no man/%s.8 yet", p)
			} else {
				t.Errorf("no manual page for %s: %v", p, err)
			}
		}
	}
	if got, want := readFile(t, filepath.Join(dest, "etc/ttydefs")), readFile(t, filepath.Join(root, "install/etc/ttydefs")); !bytes.Equal(got, want) {
		t.Errorf("/etc/ttydefs is not install/etc/ttydefs")
	}
	if got := string(readFile(t, filepath.Join(dest, "etc/saf/_sactab"))); got != "# VERSION=1\n" {
		t.Errorf("/etc/saf/_sactab = %q, want only its version line", got)
	}
	unit := string(readFile(t, filepath.Join(dest, "usr/lib/systemd/system/sac.service")))
	for _, l := range []string{"ExecStart=/usr/lib/saf/sac -t 300", "Type=notify", "KillMode=process", "Restart=always", "WantedBy=multi-user.target"} {
		if !slices.Contains(strings.Split(unit, "\n"), l) {
			t.Errorf("sac.service lacks the line %q", l)
		}
	}
	if s := string(readFile(t, filepath.Join(dest, "usr/share/doc/saf/inittab.sysvinit"))); !strings.Contains(s, "\nsc:234:respawn:/usr/lib/saf/sac -t 300\n") || !strings.Contains(s, "ttymon -g") {
		t.Errorf("inittab.sysvinit lacks the sac line or a ttymon -g line:\n%s", s)
	}
	if s := string(readFile(t, filepath.Join(dest, "usr/share/doc/saf/inittab.busybox"))); !strings.Contains(s, "\n::respawn:/usr/lib/saf/sac -t 300\n") {
		t.Errorf("inittab.busybox lacks the sac line:\n%s", s)
	}

	// The installed admin commands run on the installed files.
	if code, out := sacadmList(t, filepath.Join(dest, "usr/sbin/sacadm"), dest); code != 5 || !strings.Contains(out, "No port monitors defined") {
		t.Errorf("installed sacadm -l: exit %d, %q; want 5, No port monitors defined", code, out)
	}

	// Installing again changes nothing, and uninstalling then leaves
	// nothing behind.
	manifest := filepath.Join(dest, "usr/share/doc/saf/installed-files")
	before := strings.Split(string(readFile(t, manifest)), "\n")
	runMake(t, "install", "DESTDIR="+dest, "BUILDBIN="+bins)
	after := strings.Split(string(readFile(t, manifest)), "\n")
	slices.Sort(before)
	slices.Sort(after)
	if !slices.Equal(before, after) {
		t.Errorf("a second install changed the manifest:\n%q\n%q", before, after)
	}
	runMake(t, "uninstall", "DESTDIR="+dest)
	if left := tree(t, dest); len(left) > 0 {
		t.Errorf("uninstall left %v", left)
	}
	// A second uninstall has nothing to do and says so.
	if out := runMake(t, "uninstall", "DESTDIR="+dest); !strings.Contains(out, "nothing to remove") {
		t.Errorf("second uninstall: %q", out)
	}
}

// Uninstall removes what install put there and nothing the administrator
// made or changed: an edited _sactab, port monitor directories, a
// ttydefs that was there before. Install never overwrites such a file.
func TestInstallKeepsAdminFiles(t *testing.T) {
	bins, _ := builtPrograms(t)
	dest := t.TempDir()
	mine := "# VERSION=1\nmine:9600::::mine\n"
	if err := os.MkdirAll(filepath.Join(dest, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dest, "etc/ttydefs"), []byte(mine), 0o600); err != nil {
		t.Fatal(err)
	}
	out := runMake(t, "install", "DESTDIR="+dest, "BUILDBIN="+bins)
	if !strings.Contains(out, "keeping "+filepath.Join(dest, "etc/ttydefs")) {
		t.Errorf("install did not say it kept the admin's ttydefs:\n%s", out)
	}
	if got := string(readFile(t, filepath.Join(dest, "etc/ttydefs"))); got != mine {
		t.Errorf("install changed the admin's /etc/ttydefs to %q", got)
	}

	// The administrator adds a port monitor with the installed sacadm.
	cmd := exec.Command(filepath.Join(dest, "usr/sbin/sacadm"), "-a", "-p", "mbmon", "-t", "ttymon",
		"-c", "/usr/lib/saf/ttymon", "-v", "1")
	cmd.Env = append(os.Environ(), "SAF_ROOT="+dest)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sacadm -a: %v\n%s", err, b)
	}
	sactab := string(readFile(t, filepath.Join(dest, "etc/saf/_sactab")))

	out = runMake(t, "uninstall", "DESTDIR="+dest)
	if !strings.Contains(out, "leaving "+filepath.Join(dest, "etc/saf/_sactab")) {
		t.Errorf("uninstall did not say it left the edited _sactab:\n%s", out)
	}
	if got := string(readFile(t, filepath.Join(dest, "etc/saf/_sactab"))); got != sactab {
		t.Errorf("_sactab changed to %q", got)
	}
	if got := string(readFile(t, filepath.Join(dest, "etc/ttydefs"))); got != mine {
		t.Errorf("uninstall touched the admin's /etc/ttydefs: %q", got)
	}
	// Left: exactly the admin's files and the directories that hold them.
	for p := range tree(t, dest) {
		switch {
		case p == "/etc" || p == "/etc/ttydefs" || p == "/var",
			p == "/etc/saf" || p == "/etc/saf/_sactab" || p == "/etc/saf/.lock",
			p == "/etc/saf/mbmon" || strings.HasPrefix(p, "/etc/saf/mbmon/"),
			p == "/var/saf" || p == "/var/saf/mbmon":
		default:
			t.Errorf("uninstall left %s", p)
		}
	}
}

// make deb packs the same tree; dpkg installs it into a scratch root, where
// the installed sacadm works, and removes and purges it again.
func TestInstallDeb(t *testing.T) {
	if _, err := exec.LookPath("dpkg-deb"); err != nil {
		t.Skip("dpkg-deb is not installed")
	}
	_, errShlibdeps := exec.LookPath("dpkg-shlibdeps")
	_, errReadelf := exec.LookPath("readelf")
	if errShlibdeps != nil && errReadelf != nil {
		t.Skip("neither dpkg-shlibdeps nor readelf is installed: Depends cannot be computed")
	}
	bins, progs := builtPrograms(t)
	debdir := t.TempDir()
	// No compression: xz, the default, takes seconds on ~25 MB of programs.
	out := runMake(t, "deb", "BUILDBIN="+bins, "DEBDIR="+debdir, "VERSION=1.2.3~test", "DEB_COMPRESS=none")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	deb := lines[len(lines)-1]
	archOut, err := exec.Command("dpkg", "--print-architecture").Output()
	if err != nil {
		t.Fatal(err)
	}
	arch := strings.TrimSpace(string(archOut))
	if want := filepath.Join(debdir, "saf_1.2.3~test_"+arch+".deb"); deb != want {
		t.Fatalf("make deb made %q, want %q", deb, want)
	}

	dpkgDeb := func(args ...string) string {
		t.Helper()
		b, err := exec.Command("dpkg-deb", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("dpkg-deb %s: %v\n%s", strings.Join(args, " "), err, b)
		}
		return string(b)
	}
	info := dpkgDeb("--info", deb)
	for _, f := range []string{"Package: saf", "Version: 1.2.3~test", "Architecture: " + arch, "Section: admin", "Maintainer: ", "Description: "} {
		if !strings.Contains(info, "\n "+f) {
			t.Errorf("dpkg-deb --info lacks %q:\n%s", f, info)
		}
	}
	if got := dpkgDeb("--info", deb, "conffiles"); got != "/etc/ttydefs\n/etc/saf/_sactab\n" {
		t.Errorf("conffiles = %q", got)
	}
	if got := dpkgDeb("--info", deb, "postinst"); !strings.Contains(got, "systemctl daemon-reload") || !strings.Contains(got, "/run/systemd/system") {
		t.Errorf("postinst does not reload systemd only when it runs:\n%s", got)
	}
	// Depends names libc6 exactly when the programs are dynamically linked.
	depends := strings.TrimSpace(dpkgDeb("--field", deb, "Depends"))
	if dynamic := isDynamic(t, filepath.Join(bins, "sacadm")); dynamic != strings.HasPrefix(depends, "libc6") {
		t.Errorf("Depends: %q for dynamically linked programs: %v", depends, dynamic)
	}

	// The contents are the install tree without the manifest, all root's.
	contents := map[string]fs.FileMode{}
	sc := bufio.NewScanner(strings.NewReader(dpkgDeb("--contents", deb)))
	for sc.Scan() {
		f := strings.Fields(sc.Text()) // drwxr-xr-x root/root 0 2024-01-01 00:00 ./etc/
		if len(f) < 6 {
			t.Fatalf("dpkg-deb --contents line %q", sc.Text())
		}
		if f[1] != "root/root" {
			t.Errorf("%s is owned by %s", f[5], f[1])
		}
		p := "/" + strings.Trim(strings.TrimPrefix(f[5], "./"), "/")
		if p == "/" {
			continue
		}
		contents[p] = parseMode(t, f[0])
	}
	// And Debian's own: the copyright file, the changelog (changelog.gz:
	// VERSION has no Debian revision, so the package is native) and the
	// lintian overrides.
	want := wantTree(t, progs, false)
	for _, f := range []string{"/usr/share/doc/saf/copyright", "/usr/share/doc/saf/changelog.gz", "/usr/share/lintian/overrides/saf"} {
		want[f] = 0o644
	}
	want["/usr/share/lintian"] = fs.ModeDir | 0o755
	want["/usr/share/lintian/overrides"] = fs.ModeDir | 0o755
	diffTrees(t, "deb", contents, want)

	// Install into a scratch root. dpkg --root is the real installation
	// path (unpacking, conffile registration, maintainer scripts, removal
	// and purge), where dpkg-deb -x would only unpack. It is safe without
	// privilege: --force-not-root lets an ordinary user do it (it changes
	// nothing as root); --force-script-chrootless runs the maintainer
	// scripts without chroot(2), which needs root and a shell inside the
	// scratch root, and dpkg sets DPKG_ROOT for them, on which our scripts
	// do nothing to the host; --force-depends because the scratch database
	// has no libc6; --log keeps the host's dpkg.log out of it.
	scratch := t.TempDir()
	for _, d := range []string{"var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers"} {
		if err := os.MkdirAll(filepath.Join(scratch, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(scratch, "var/lib/dpkg/status"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	logFile := filepath.Join(t.TempDir(), "dpkg.log")
	dpkg := func(args ...string) {
		t.Helper()
		args = append([]string{"--root=" + scratch, "--log=" + logFile, "--force-not-root", "--force-script-chrootless", "--force-depends"}, args...)
		if b, err := exec.Command("dpkg", args...).CombinedOutput(); err != nil {
			t.Fatalf("dpkg %s: %v\n%s", strings.Join(args, " "), err, b)
		}
	}
	dpkg("-i", deb)
	if code, out := sacadmList(t, filepath.Join(scratch, "usr/sbin/sacadm"), scratch); code != 5 || !strings.Contains(out, "No port monitors defined") {
		t.Errorf("sacadm -l from the package: exit %d, %q; want 5, No port monitors defined", code, out)
	}
	dpkg("-r", "saf")
	notDpkg := func() []string {
		var left []string
		for p, m := range tree(t, scratch) {
			if !m.IsDir() && !strings.HasPrefix(p, "/var/lib/dpkg/") {
				left = append(left, p)
			}
		}
		sort.Strings(left)
		return left
	}
	if left := notDpkg(); !slices.Equal(left, []string{"/etc/saf/_sactab", "/etc/ttydefs"}) {
		t.Errorf("after dpkg -r: %v; want only the conffiles", left)
	}
	dpkg("-P", "saf")
	if left := notDpkg(); len(left) > 0 {
		t.Errorf("after dpkg -P: %v", left)
	}
}

// parseMode reads ls-style permissions such as "drwxr-xr-x".
func parseMode(t *testing.T, s string) fs.FileMode {
	t.Helper()
	if len(s) != 10 {
		t.Fatalf("mode %q", s)
	}
	var m fs.FileMode
	switch s[0] {
	case 'd':
		m |= fs.ModeDir
	case 'l':
		m |= fs.ModeSymlink
	case '-':
	default:
		t.Fatalf("mode %q", s)
	}
	for i, c := range s[1:] {
		if c != '-' {
			m |= 1 << (8 - i)
		}
	}
	return m
}

// isDynamic reports whether the ELF program at p asks for a dynamic
// loader.
func isDynamic(t *testing.T, p string) bool {
	t.Helper()
	f, err := elf.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP {
			return true
		}
	}
	return false
}
