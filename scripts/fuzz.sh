#!/bin/sh
# Runs every fuzz target in the module for $FUZZTIME each (default 30s).
# Crashers land in the package's testdata/fuzz/<Target>/ and stay there as
# seed corpus entries once fixed.
set -eu
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-30s}
status=0
for pkg in $($GO list ./...); do
	dir=$($GO list -f '{{.Dir}}' "$pkg")
	grep -qs '^func Fuzz' "$dir"/*_test.go || continue
	for target in $($GO test -list '^Fuzz' "$pkg" | grep '^Fuzz'); do
		echo "== $pkg $target ($FUZZTIME)"
		$GO test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$pkg" || status=1
	done
done
exit $status
