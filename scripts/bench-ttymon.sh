#!/bin/sh
# bench-ttymon.sh: time from start to the login prompt on 1 and 500 ptys,
# and memory (RSS and PSS) with 1000 idle ptys, of ttymon next to
# util-linux agetty (one process per line), same run (see
# e2e/ttymon_bench_test.go). Run as root from the repository root: agetty
# needs root, and runs in a private mount namespace so that it cannot
# write the system's utmp and wtmp. agetty+nosleep (agetty with its
# one-second sleep before the prompt taken out by LD_PRELOAD) needs cc.
# Needs 1000 free ptys (kernel.pty.max) and RLIMIT_NOFILE of 1064 or
# more (the benchmark raises its soft limit to the hard one).
#
#	scripts/bench-ttymon.sh [N]    N starts per configuration (3)
#
# The log, ending with the ratio table, is kept in $LOG (/tmp/bench-ttymon.log).
set -eu
n=${1:-3}
log=${LOG:-/tmp/bench-ttymon.log}
cmd="go test -run ^\$ -bench ^BenchmarkTTYMon\$ -benchtime ${n}x -count 1 -timeout 20m ./e2e"
echo "+ $cmd"
$cmd 2>&1 | tee "$log"
