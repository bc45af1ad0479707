#!/bin/sh
# install.sh: "make install". Copies the built programs, the manual pages,
# the default configuration, the systemd unit and the inittab samples into
# $DESTDIR, and records what it put there in a manifest that "make
# uninstall" (packaging/uninstall.sh) reads.
#
# Environment (the Makefile passes each):
#   DESTDIR   staging root, empty for the real system
#   PREFIX    /usr by default: admin commands in $PREFIX/sbin, manual pages
#             in $PREFIX/share/man, docs and the manifest in
#             $PREFIX/share/doc/saf, the unit in $PREFIX/lib/systemd/system
#   BUILDBIN  where "make build" put the programs (bin)
#
# Fixed paths, whatever PREFIX says: the daemons go to /usr/lib/saf and the
# configuration to /etc/ttydefs and /etc/saf, /var/saf. These paths are
# compiled into the programs (saf/paths; nlsadmin -i writes
# /usr/lib/saf/listen into _sactab) and written into the admin files, as in
# the original.
#
# The manifest ($PREFIX/share/doc/saf/installed-files) has one line per
# thing this install owns, with its path without DESTDIR:
#   file PATH          a file we installed (removed by uninstall)
#   conf SHA256 PATH   a configuration file we created; removed by
#                      uninstall only while its content is still SHA256
#   dir PATH           a directory we created; removed when empty
# A configuration file that already exists is never overwritten (it is the
# administrator's); it is only listed if an earlier install created it.
# Entries of an earlier manifest are kept, so installing twice and then
# uninstalling leaves nothing behind.
set -eu

DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-/usr}
BUILDBIN=${BUILDBIN:-bin}
src=$(cd "$(dirname "$0")/.." && pwd)
case $BUILDBIN in /*) ;; *) BUILDBIN=$src/$BUILDBIN ;; esac
case $PREFIX in
/*[[:space:]]* | [!/]*)
	echo "install: PREFIX must be an absolute path without blanks, not '$PREFIX'" >&2
	exit 1
	;;
esac

SAFLIBDIR=/usr/lib/saf
SBINDIR=$PREFIX/sbin
MAN8DIR=$PREFIX/share/man/man8
DOCDIR=$PREFIX/share/doc/saf
UNITDIR=$PREFIX/lib/systemd/system
MANIFEST=$DOCDIR/installed-files

# The programs: the admin commands and sac are required; ttymon and listen
# are installed once they are built.
required="sac sacadm pmadm ttyadm nlsadmin sttydefs"
for p in $required; do
	if [ ! -x "$BUILDBIN/$p" ]; then
		echo "install: $BUILDBIN/$p is missing: run 'make build' first" >&2
		exit 1
	fi
done

new=$(mktemp)
trap 'rm -f "$new" "$new.old" "$new.gz"' EXIT
old=$DESTDIR$MANIFEST
if [ -f "$old" ]; then cp "$old" "$new.old"; else : >"$new.old"; fi

# note KIND [SUM] PATH: adds a manifest line (once).
note() { grep -Fxq -- "$*" "$new" || echo "$*" >>"$new"; }

# oldline KIND PATH: the earlier manifest's KIND line for PATH, if any.
oldline() { awk -v k="$1" -v p="$2" '$1 == k && $NF == p' "$new.old" | head -n 1; }

# mkdirs PATH: creates PATH and its missing parents (mode 0755) and notes
# the ones it created.
mkdirs() {
	d=
	for c in $(echo "$1" | tr '/' ' '); do
		d=$d/$c
		if [ ! -d "$DESTDIR$d" ]; then
			mkdir -m 0755 "$DESTDIR$d"
			note dir "$d"
		elif [ -n "$(oldline dir "$d")" ]; then
			note dir "$d"
		fi
	done
}

# put MODE SRC DEST: installs SRC as DEST (replacing an older one).
put() {
	mkdirs "$(dirname "$3")"
	install -m "$1" "$2" "$DESTDIR$3"
	note file "$3"
}

# conf SRC DEST: installs a configuration file unless one is already there.
conf() {
	mkdirs "$(dirname "$2")"
	if [ -e "$DESTDIR$2" ] || [ -L "$DESTDIR$2" ]; then
		line=$(oldline conf "$2")
		if [ -n "$line" ]; then
			note "$line"
		fi
		if ! cmp -s "$1" "$DESTDIR$2"; then
			echo "install: keeping $DESTDIR$2 as it is (it differs from the default, $1)"
		fi
		return
	fi
	install -m 0644 "$1" "$DESTDIR$2"
	note conf "$(sha256sum <"$1" | cut -d' ' -f1)" "$2"
}

for p in sac ttymon listen; do
	if [ -x "$BUILDBIN/$p" ]; then
		put 0755 "$BUILDBIN/$p" "$SAFLIBDIR/$p"
	fi
done
for p in sacadm pmadm ttyadm nlsadmin sttydefs; do
	put 0755 "$BUILDBIN/$p" "$SBINDIR/$p"
done

# Manual pages, compressed as Debian policy asks (gzip -n: no name or time
# stamp, so the result is reproducible).
for m in "$src"/man/*.8; do
	[ -f "$m" ] || continue
	mkdirs "$MAN8DIR"
	gz=$MAN8DIR/$(basename "$m").gz
	gzip -9nc "$m" >"$new.gz"
	install -m 0644 "$new.gz" "$DESTDIR$gz"
	note file "$gz"
done

mkdirs /etc/saf
mkdirs /var/saf
conf "$src/install/etc/ttydefs" /etc/ttydefs
conf "$src/install/etc/saf/_sactab" /etc/saf/_sactab

put 0644 "$src/install/systemd/sac.service" "$UNITDIR/sac.service"
put 0644 "$src/install/inittab/inittab.sysvinit" "$DOCDIR/inittab.sysvinit"
put 0644 "$src/install/inittab/inittab.busybox" "$DOCDIR/inittab.busybox"

# Entries of the earlier manifest that this run did not touch (a program
# no longer built, a configuration file we created earlier and that has
# been removed since is dropped: there is nothing left to remove).
while read -r kind rest; do
	path=${rest##* }
	if ! awk -v k="$kind" -v p="$path" '$1 == k && $NF == p { f = 1 } END { exit !f }' "$new" &&
		{ [ -e "$DESTDIR$path" ] || [ -L "$DESTDIR$path" ]; }; then
		note "$kind $rest"
	fi
done <"$new.old"

mkdirs "$DOCDIR"
install -m 0644 "$new" "$DESTDIR$MANIFEST"
echo "install: installed into ${DESTDIR:-/}; the list is in $DESTDIR$MANIFEST"
if [ -z "$DESTDIR" ] && [ -d /run/systemd/system ]; then
	echo "install: to start sac now and at boot: systemctl daemon-reload && systemctl enable --now sac"
fi
