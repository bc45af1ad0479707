#!/bin/sh
# uninstall.sh: "make uninstall". Removes what packaging/install.sh
# installed, as listed in its manifest $PREFIX/share/doc/saf/installed-files
# (see install.sh for the format), and nothing else:
#   - installed programs, manual pages, docs and the unit are removed;
#   - a configuration file (/etc/ttydefs, /etc/saf/_sactab) is removed only
#     while it is exactly what install put there; an edited one stays, and
#     so does one that existed before the install;
#   - a directory install created is removed only when it is empty, so
#     whatever the administrator or sac made in /etc/saf and /var/saf (port
#     monitors, scripts, logs) stays, and the directory with it.
# Environment: DESTDIR and PREFIX as for install.sh.
set -eu

DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-/usr}
MANIFEST=$PREFIX/share/doc/saf/installed-files
m=$DESTDIR$MANIFEST

if [ ! -f "$m" ]; then
	echo "uninstall: nothing to remove: there is no $m (was saf installed with this DESTDIR and PREFIX?)"
	exit 0
fi

# Every path in the manifest must be absolute and plain: a damaged or
# planted manifest must not make us remove anything outside DESTDIR.
if awk '{ p = $NF } p !~ /^\// || p ~ /(^|\/)\.\.?(\/|$)/ || ($1 != "file" && $1 != "conf" && $1 != "dir") { bad = 1; print "uninstall: bad manifest line " NR ": " $0 > "/dev/stderr" } END { exit !bad }' "$m"; then
	exit 1
fi

# The directories, deepest first, read before the manifest goes.
dirs=$(awk '$1 == "dir" { print gsub("/", "/"), $NF }' "$m" | sort -rn | cut -d' ' -f2)

# Files first.
awk '$1 == "file" { print $NF }' "$m" | while read -r path; do
	f=$DESTDIR$path
	if [ -d "$f" ] && [ ! -L "$f" ]; then
		echo "uninstall: leaving $f: it is a directory now"
	elif [ -e "$f" ] || [ -L "$f" ]; then
		rm -f "$f"
	fi
done
# Configuration files, only when unchanged.
awk '$1 == "conf" { print $2, $NF }' "$m" | while read -r sum path; do
	f=$DESTDIR$path
	if [ ! -e "$f" ] && [ ! -L "$f" ]; then
		continue
	fi
	if [ -f "$f" ] && [ ! -L "$f" ] && [ "$(sha256sum <"$f" | cut -d' ' -f1)" = "$sum" ]; then
		rm -f "$f"
	else
		echo "uninstall: leaving $f: it was changed after it was installed (remove it by hand if you no longer need it)"
	fi
done
rm -f "$m"
for d in $dirs; do
	[ -d "$DESTDIR$d" ] || continue
	if ! rmdir "$DESTDIR$d" 2>/dev/null; then
		case $d in
		/etc/saf | /var/saf)
			echo "uninstall: leaving $DESTDIR$d: it holds files made after the install (port monitors, scripts, logs)" ;;
		esac
	fi
done
echo "uninstall: removed saf from ${DESTDIR:-/}"
