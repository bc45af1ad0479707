#!/bin/sh
# Builds the programs for every Linux architecture Go supports and runs,
# under qemu user emulation, the tests of the packages whose data layout,
# byte order or system interface differs between architectures.
#
#   scripts/cross.sh [-f] [-b] [arch...]
#
#   arch  386 armv6 arm arm64 loong64 mips mipsle mips64 mips64le ppc64
#         ppc64le riscv64 s390x (the default: all of them). arm is GOARM=7,
#         armv6 GOARM=6 (Raspberry Pi 1 and Zero).
#   -f    fast, for CI: arm and s390x only (32-bit little-endian and 64-bit
#         big-endian with the wide utmp layout)
#   -b    build and vet only, no emulation
#
# For each architecture: go build of ./cmd/... with CGO_ENABLED=0,
# -trimpath and stripped (-s -w), as a release is; go vet ./... (which
# compiles every test file too); then go test -exec qemu-<cpu> of
# $CROSS_PKGS. The tests see SAF_QEMU=qemu-<cpu>: those that run the test
# binary again go through the emulator (without binfmt_misc the host
# cannot exec it), and those that meet a limit of qemu-user skip, saying
# which. When the cross compiler <triple>-gcc is installed (Debian:
# gcc-<triple>), internal/utmp's reference program testdata/glibc.c is
# built with it and run under the same emulator (SAF_UTMP_GLIBC), so that
# TestGlibcLayout compares with that architecture's glibc; without it the
# test skips.
#
# Prints a table of program sizes (KiB) and one of test results, with the
# tests that skipped; exits 1 when any build, vet or test failed, 2 on a
# usage error or a missing emulator.
#
#   CROSS_PKGS  the packages to test (default below)
#   CROSS_PKGS_386  the packages to test on 386 (default below): qemu-i386
#               (seen with 7.2) crashes Go programs that take a signal in
#               a system call, as any that starts a child process does
#               ("fatal error: exitsyscall: syscall frame is no longer
#               valid"), so 386 runs the packages that start none, and
#               internal/utmp's codec tests alone
#   CROSS_LOG   directory for the logs, default a temporary one
#   CROSS_OUT   directory to keep the binaries in (<arch>/<program>);
#               without it they are removed once measured
set -eu
GO=${GO:-go}
all="386 armv6 arm arm64 loong64 mips mipsle mips64 mips64le ppc64 ppc64le riscv64 s390x"
fast="arm s390x"
CROSS_PKGS=${CROSS_PKGS:-"./saf/sacmsg ./saf/pmproto ./saf/passfd ./saf/nlsaddr ./saf/nlps
./saf/sactab ./saf/pmtab ./saf/admfile ./saf/pmstatus ./saf/doconfig ./ttydefs
./internal/utmp ./internal/termios ./internal/unixsock ./internal/sigreset
./internal/inetdconf ./internal/hostsaccess ./internal/etcservices"}
CROSS_PKGS_386=${CROSS_PKGS_386:-"./saf/passfd ./saf/nlsaddr ./saf/nlps ./saf/sactab ./saf/pmtab
./saf/admfile ./internal/unixsock ./internal/inetdconf ./internal/hostsaccess
./internal/etcservices"}

usage() {
	sed -n '6,13p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

arches= buildonly=
while getopts fbh opt; do
	case $opt in
	f) arches=$fast ;;
	b) buildonly=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] && arches="$*"
arches=${arches:-$all}

# settings arch: sets goarch, goarm, cpu (qemu-$cpu) and triple (the C
# cross compiler's prefix), or fails for an unknown arch.
settings() {
	goarch=$1 goarm= cpu=$1 triple=
	case $1 in
	386) cpu=i386 triple=i686-linux-gnu ;;
	armv6) goarch=arm goarm=6 cpu=arm triple=arm-linux-gnueabihf ;;
	arm) goarm=7 triple=arm-linux-gnueabihf ;;
	arm64) cpu=aarch64 triple=aarch64-linux-gnu ;;
	loong64) cpu=loongarch64 triple=loongarch64-linux-gnu ;;
	mips) triple=mips-linux-gnu ;;
	mipsle) cpu=mipsel triple=mipsel-linux-gnu ;;
	mips64) triple=mips64-linux-gnuabi64 ;;
	mips64le) cpu=mips64el triple=mips64el-linux-gnuabi64 ;;
	ppc64) triple=powerpc64-linux-gnu ;;
	ppc64le) triple=powerpc64le-linux-gnu ;;
	riscv64) triple=riscv64-linux-gnu ;;
	s390x) triple=s390x-linux-gnu ;;
	*) return 1 ;;
	esac
}

for a in $arches; do
	settings "$a" || { echo "cross.sh: unknown architecture $a (known: $all)" >&2; exit 2; }
	if [ -z "$buildonly" ] && ! command -v "qemu-$cpu" >/dev/null; then
		echo "cross.sh: qemu-$cpu not found (Debian: apt-get install qemu-user)" >&2
		exit 2
	fi
done

logdir=${CROSS_LOG:-$(mktemp -d "${TMPDIR:-/tmp}/saf-cross.XXXXXX")}
out=${CROSS_OUT:-$logdir/bin}
keep=${CROSS_OUT:+1}
mkdir -p "$logdir" "$out"
progs=$(cd cmd && ls)
sizes="$logdir/sizes" results="$logdir/results" skips="$logdir/skips"
: >"$sizes"
: >"$results"
: >"$skips"
status=0 note=
start=$(date +%s)

for a in $arches; do
	settings "$a"
	t0=$(date +%s)
	env="CGO_ENABLED=0 GOOS=linux GOARCH=$goarch${goarm:+ GOARM=$goarm}"
	echo "== $a ($env)"
	build=ok vet=ok tests=- skipped=- utmpref=-
	mkdir -p "$out/$a"
	# shellcheck disable=SC2086 # $env is assignments
	if ! env $env "$GO" build -trimpath -ldflags '-s -w' -o "$out/$a/" ./cmd/... >"$logdir/$a.build.log" 2>&1; then
		build=FAIL status=1
		cat "$logdir/$a.build.log"
	fi
	row=$(printf '%-9s' "$a")
	for p in $progs; do
		if [ -f "$out/$a/$p" ]; then
			row="$row $(printf '%8d' $(($(wc -c <"$out/$a/$p") / 1024)))"
		else
			row="$row $(printf '%8s' -)"
		fi
	done
	echo "$row" >>"$sizes"
	[ -n "$keep" ] || rm -rf "${out:?}/$a"
	# shellcheck disable=SC2086
	if ! env $env "$GO" vet ./... >"$logdir/$a.vet.log" 2>&1; then
		vet=FAIL status=1
		cat "$logdir/$a.vet.log"
	fi
	if [ -z "$buildonly" ]; then
		qemu=qemu-$cpu
		ref=
		if [ -n "$triple" ] && command -v "$triple-gcc" >/dev/null &&
			"$triple-gcc" -static -O1 -o "$logdir/glibc-$a" internal/utmp/testdata/glibc.c >"$logdir/$a.glibc.log" 2>&1; then
			ref="$qemu $logdir/glibc-$a" utmpref=$triple-gcc
		else
			utmpref="none"
		fi
		godebug=${GODEBUG:-} pkgs=$CROSS_PKGS
		: >"$logdir/$a.test.log"
		if [ "$a" = 386 ]; then
			# qemu-i386 (seen with 7.2) also crashes Go's asynchronous
			# preemption signal ("fatal: morestack on gsignal");
			# goroutines are still preempted at function calls.
			godebug="${godebug:+$godebug,}asyncpreemptoff=1" pkgs=$CROSS_PKGS_386 utmpref="not run"
			note="$note  $a: limited to \$CROSS_PKGS_386 and internal/utmp's codec (qemu-i386 crashes Go programs that start processes)
"
		fi
		rc=0
		# shellcheck disable=SC2086
		env $env SAF_QEMU="$qemu" SAF_UTMP_GLIBC="$ref" GODEBUG="$godebug" \
			"$GO" test -count=1 -v -exec "$qemu" $pkgs >>"$logdir/$a.test.log" 2>&1 || rc=1
		if [ "$a" = 386 ]; then
			# The layout, golden-file and codec tests start no process.
			# shellcheck disable=SC2086
			env $env SAF_QEMU="$qemu" GODEBUG="$godebug" "$GO" test -count=1 -v -exec "$qemu" \
				-run '^(TestLayout|TestGolden|TestMarshal|TestUnmarshal|TestIDFor|FuzzRecord)' \
				./internal/utmp >>"$logdir/$a.test.log" 2>&1 || rc=1
		fi
		if [ $rc = 0 ]; then
			tests=ok
		else
			tests=FAIL status=1
			grep -E '^(--- FAIL|FAIL|panic|fatal)|^ +[a-z_]+_test\.go:[0-9]+:' "$logdir/$a.test.log" | head -n 60
		fi
		grep -E '^ *--- SKIP: ' "$logdir/$a.test.log" | sed 's/^ *--- SKIP: \([^ ]*\).*/\1/' | sort -u >"$logdir/$a.skips"
		skipped=$(wc -l <"$logdir/$a.skips")
		sed "s/^/$a /" "$logdir/$a.skips" >>"$skips"
		npkg=$(grep -cE '^(ok|FAIL)[[:space:]]+github' "$logdir/$a.test.log" || true)
		nfail=$(grep -cE '^FAIL[[:space:]]+github' "$logdir/$a.test.log" || true)
		[ "$tests" = FAIL ] && tests="FAIL($nfail/$npkg)"
	fi
	printf '%-9s %-5s %-5s %-12s %7s %-24s %5ss\n' "$a" "$build" "$vet" "$tests" "$skipped" "$utmpref" $(($(date +%s) - t0)) >>"$results"
done

echo
echo "program sizes, KiB (CGO_ENABLED=0, -trimpath, -s -w):"
row=$(printf '%-9s' arch)
for p in $progs; do row="$row $(printf '%8s' "$p")"; done
echo "$row"
cat "$sizes"
echo
printf '%-9s %-5s %-5s %-12s %7s %-24s %6s\n' arch build vet tests skipped "utmp reference" time
cat "$results"
[ -n "$note" ] && printf '%s' "$note"
if [ -s "$skips" ]; then
	echo
	echo "tests that skipped (reasons in $logdir/<arch>.test.log):"
	awk '{ s[$2] = s[$2] " " $1 } END { for (t in s) printf "  %-40s%s\n", t, s[t] }' "$skips" | sort
fi
echo
[ -n "$keep" ] || rmdir "$out" 2>/dev/null || true
echo "cross.sh: $(($(date +%s) - start))s; logs in $logdir${keep:+, binaries in $out}"
exit $status
