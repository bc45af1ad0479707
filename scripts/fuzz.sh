#!/bin/sh
# Runs every fuzz target in the module for $FUZZTIME each (default 30s) and
# prints one table row per target: package, target, time, executions,
# new corpus entries and the result. Crashers land in the package's
# testdata/fuzz/<Target>/ and stay there as seed corpus entries once fixed.
#
#   FUZZTIME   time per target (go test -fuzztime), default 30s
#   FUZZPAR    fuzzing workers per target (go test -parallel), default GOMAXPROCS
#   FUZZMATCH  only targets whose "package target" matches this grep -E
#              pattern, the package without the module path ("saf/nlps FuzzParseRequest")
#   FUZZLOG    directory for the per-target logs, default a temporary one
set -eu
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-30s}
FUZZMATCH=${FUZZMATCH:-.}
par=
[ -n "${FUZZPAR:-}" ] && par="-parallel $FUZZPAR"
logdir=${FUZZLOG:-$(mktemp -d "${TMPDIR:-/tmp}/saf-fuzz.XXXXXX")}
mkdir -p "$logdir"
table="$logdir/table"
: >"$table"
module=$($GO list -m)
status=0
for pkg in $($GO list ./...); do
	dir=$($GO list -f '{{.Dir}}' "$pkg")
	grep -qs '^func Fuzz' "$dir"/*_test.go || continue
	for target in $($GO test -list '^Fuzz' "$pkg" | grep '^Fuzz'); do
		short=${pkg#"$module"/}
		echo "$short $target" | grep -Eq -- "$FUZZMATCH" || continue
		log="$logdir/$(echo "$pkg" | tr / _).$target.log"
		echo "== $pkg $target ($FUZZTIME)"
		result=ok
		# shellcheck disable=SC2086 # $par is two words or none
		$GO test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" $par "$pkg" >"$log" 2>&1 || {
			result=FAIL
			status=1
		}
		tail -n 3 "$log"
		# The last progress line reads "fuzz: elapsed: 10m0s, execs: N (R/sec), new interesting: K (total: T)".
		last=$(grep 'fuzz: elapsed:' "$log" | tail -n 1)
		execs=$(echo "$last" | sed -n 's/.*execs: \([0-9]*\).*/\1/p')
		newi=$(echo "$last" | sed -n 's/.*new interesting: \([0-9]*\).*/\1/p')
		printf '%-40s %-28s %8s %12s %6s %s\n' "$short" "$target" "$FUZZTIME" "${execs:-?}" "${newi:-?}" "$result" >>"$table"
	done
done
echo
printf '%-40s %-28s %8s %12s %6s %s\n' package target time execs new result
cat "$table"
echo "logs: $logdir"
exit $status
