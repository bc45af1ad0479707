#!/bin/sh
# bench-listen.sh: connections per second and p50/p99 latency of listen
# next to tcpserver, xinetd and openbsd-inetd, same run (see
# e2e/listen_bench_test.go and docs/testing.md#comparing-with-peers). Run as root from the repository root; the
# peers come from Debian packages ucspi-tcp, xinetd and openbsd-inetd
# (openbsd-inetd conflicts with xinetd in apt: apt-get download it,
# dpkg -x it into /var/tmp/saf-bench-peers/openbsd-inetd, or point
# SAF_BENCH_INETD at its inetd). Missing peers are skipped.
#
#	scripts/bench-listen.sh [N]    N connections per configuration (2000)
#
# The log, ending with the ratio table, is kept in $LOG (/tmp/bench-listen.log).
set -eu
n=${1:-2000}
log=${LOG:-/tmp/bench-listen.log}
cmd="go test -run ^\$ -bench ^BenchmarkListen\$ -benchtime ${n}x -count 1 -timeout 20m ./e2e"
echo "+ $cmd"
$cmd 2>&1 | tee "$log"
