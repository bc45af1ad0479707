#!/usr/bin/env bash
# make demo: the Service Access Facility on a sandbox, in the foreground.
#
# It registers a ttymon port monitor on a pseudo-terminal "line" (joined
# to a second pty you open with picocom or screen, like a null-modem
# cable) and a listen port monitor with a demonstration service on a
# loopback address, starts sac, and shows what sacadm -l and pmadm -l say.
# Ctrl-C stops everything and removes the sandbox. As root the line offers
# a real /bin/login; as anyone else it greets you and starts your shell.
#
# SAF_DEMO_ROOT=dir   use dir as the sandbox (default: a new temp dir)
# SAF_DEMO_PORT=n     the service's port (default: the first free from 21000)
# SAF_DEMO_BIN=dir    where the programs are (default: bin)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${SAF_DEMO_BIN:-$PWD/bin}
for p in sac ttymon listen sacadm pmadm ttyadm nlsadmin; do
	[ -x "$BIN/$p" ] || { echo "demo: $BIN/$p is missing; run make build" >&2; exit 1; }
done

ROOT=${SAF_DEMO_ROOT:-$(mktemp -d "${TMPDIR:-/tmp}/saf-demo.XXXXXX")}
export SAF_ROOT=$ROOT
mkdir -p "$ROOT"/etc/saf "$ROOT"/var/saf "$ROOT"/var/run "$ROOT"/var/log "$ROOT"/var/lock "$ROOT"/dev
echo '# VERSION=1' >"$ROOT/etc/saf/_sactab"
cp install/etc/ttydefs "$ROOT/etc/ttydefs"
printf 'Service Access Facility demo line\n\n' >"$ROOT/etc/issue"

pids=()
cleanup() {
	trap - INT TERM EXIT
	echo
	echo "demo: stopping"
	if [ -n "${SACPID:-}" ] && kill -0 "$SACPID" 2>/dev/null; then
		"$BIN/sacadm" -k -p lines >/dev/null 2>&1 || true
		"$BIN/sacadm" -k -p tcp >/dev/null 2>&1 || true
		for _ in $(seq 50); do
			st=$("$BIN/sacadm" -L 2>/dev/null | cut -d: -f5 | sort -u | tr '\n' ' ')
			[ "$st" = "NOTRUNNING " ] && break
			sleep 0.1
		done
		kill "$SACPID" 2>/dev/null || true
		wait "$SACPID" 2>/dev/null || true
	fi
	# Whatever still holds a port monitor's _pid lock goes too.
	for f in "$ROOT"/etc/saf/*/_pid; do
		[ -s "$f" ] || continue
		pid=$(tr -d '\0' <"$f")
		[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	[ -z "${SAF_DEMO_ROOT:-}" ] && rm -rf "$ROOT"
	echo "demo: done; nothing is left running"
}
trap cleanup INT TERM EXIT

# The line: two ptys joined back to back.
go build -o "$ROOT/nullmodem" ./internal/demo/nullmodem
exec 3< <("$ROOT/nullmodem" "$ROOT/dev/line" "$ROOT/dev/term")
pids+=($!)
read -r LINE TERMDEV <&3

if [ "$(id -u)" = 0 ]; then
	SERVICE=/bin/login
	WHO=root
else
	WHO=$(id -un)
	SERVICE=$ROOT/greet
	cat >"$SERVICE" <<'EOS'
#!/bin/sh
# The demo's login service when not root: ttymon passes the name typed at
# its prompt as the last argument (ttyadm -s "... %u").
echo "Hello, $1. This line is served by ttymon on $(tty); type exit to hang up."
exec "${SHELL:-/bin/sh}" -i
EOS
	chmod 755 "$SERVICE"
	SERVICE="$SERVICE %u"
fi

PORT=${SAF_DEMO_PORT:-}
if [ -z "$PORT" ]; then
	for p in $(seq 21000 21100); do
		if ! (exec 9<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then PORT=$p; break; fi
	done
fi
cat >"$ROOT/hello" <<'EOS'
#!/bin/sh
# The demo network service: started by listen for each connection, with
# the connection on its stdin and stdout.
echo "Hello from listen, service hello, at $(date)."
echo "Type a line and it comes back; an empty line ends."
while IFS= read -r line && [ -n "$line" ]; do echo "you said: $line"; done
EOS
chmod 755 "$ROOT/hello"

"$BIN/sacadm" -a -p lines -t ttymon -c "$BIN/ttymon" -v "$("$BIN/ttyadm" -V)" -y "demo terminal line"
"$BIN/pmadm" -a -p lines -s line0 -i "$WHO" -fu -v "$("$BIN/ttyadm" -V)" -y "the demo line" \
	-m "$("$BIN/ttyadm" -d "$LINE" -l 9600 -s "$SERVICE")" 2>/dev/null || [ $? = 4 ] # 4: sac is not up yet
"$BIN/sacadm" -a -p tcp -t listen -c "$BIN/listen tcp" -v "$("$BIN/nlsadmin" -V)" -y "demo network services"
"$BIN/pmadm" -a -p tcp -s hello -i "$WHO" -v "$("$BIN/nlsadmin" -V)" -y "the demo service" \
	-m "$("$BIN/nlsadmin" -c "$ROOT/hello" -A "127.0.0.1:$PORT")" 2>/dev/null || [ $? = 4 ]

"$BIN/sac" -t 10 &
SACPID=$!
for _ in $(seq 100); do
	[ "$("$BIN/sacadm" -L 2>/dev/null | cut -d: -f5 | sort -u | tr '\n' ' ')" = "ENABLED " ] && break
	sleep 0.1
done

cat <<INFO

== SAF demo running (SAF_ROOT=$ROOT) ==

\$ sacadm -l
$("$BIN/sacadm" -l)

\$ pmadm -l
$("$BIN/pmadm" -l)

Terminal line: ttymon watches $LINE. Open the other end of the cable:
    picocom -q $ROOT/dev/term        (or: screen $ROOT/dev/term)
and press Enter for the login prompt.
Network service: nc 127.0.0.1 $PORT      (or: telnet 127.0.0.1 $PORT)
Administer it from another shell with SAF_ROOT=$ROOT bin/sacadm -l ...
Logs: $ROOT/var/saf/_log, $ROOT/var/saf/lines/log, $ROOT/var/saf/tcp/log

Press Ctrl-C to stop everything.
INFO
echo "demo: ready"
wait "$SACPID"
