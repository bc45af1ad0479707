#!/bin/sh
# deb.sh: "make deb". Builds the Debian package saf from the same tree
# "make install" makes: install.sh into a staging root with PREFIX=/usr,
# then the control files, then dpkg-deb. Needs dpkg-deb only (and
# dpkg-shlibdeps or readelf when the programs are dynamically linked).
#
# Environment (the Makefile passes each):
#   BUILDBIN  where "make build" put the programs (bin)
#   DEBDIR    where the .deb goes (bin)
#   VERSION   the package version; default: from "git describe --always"
#   DEB_COMPRESS  dpkg-deb's -Z (xz, Debian's default; gzip is faster)
#   DEB_MAINTAINER  the Maintainer field
# The path of the package is printed on the last line of standard output.
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
BUILDBIN=${BUILDBIN:-bin}
DEBDIR=${DEBDIR:-bin}
DEB_COMPRESS=${DEB_COMPRESS:-xz}
DEB_MAINTAINER=${DEB_MAINTAINER:-SAF for Linux maintainers <saf@localhost>}
case $DEBDIR in /*) ;; *) DEBDIR=$src/$DEBDIR ;; esac

if ! command -v dpkg-deb >/dev/null 2>&1; then
	echo "deb: dpkg-deb is missing (it is in the dpkg package)" >&2
	exit 1
fi

# A Debian version must start with a digit. "git describe" gives a tag
# (v1.2 -> 1.2, v1.2-3-gabc1234 -> 1.2+3+gabc1234) or, with no tag, a bare
# commit id, which becomes 0~gabc1234 (sorts before any release).
# VERSION=... overrides it.
version=${VERSION:-}
if [ -z "$version" ]; then
	desc=$(git -C "$src" describe --always 2>/dev/null || echo unknown)
	desc=${desc#v}
	if echo "$desc" | grep -Eq '^[0-9a-f]+$'; then
		version=0~g$desc # no tag: a bare commit id
	elif echo "$desc" | grep -q '^[0-9]'; then
		version=$(echo "$desc" | tr '-' '+')
	else
		version=0~$(echo "$desc" | tr '-' '+')
	fi
fi
arch=$(dpkg --print-architecture)

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/root
mkdir -m 0755 "$root"
DESTDIR=$root PREFIX=/usr BUILDBIN=$BUILDBIN sh "$src/packaging/install.sh" >/dev/null
# dpkg keeps its own list of the package's files; the manifest is only for
# "make uninstall", and shipping it would let that remove dpkg's files.
rm "$root/usr/share/doc/saf/installed-files"

# Depends. Go programs built with CGO_ENABLED=0 are static and need no
# library at all, so then there is no Depends. The default build links
# libc (os/user and net use cgo when a C compiler is there); then the
# package depends on the libc6 it was built against.
dynamic=
for f in "$root"/usr/lib/saf/* "$root"/usr/sbin/*; do
	if LC_ALL=C readelf -l "$f" 2>/dev/null | grep -q 'Requesting program interpreter' ||
		{ ! command -v readelf >/dev/null 2>&1 && file -b "$f" 2>/dev/null | grep -q 'dynamically linked'; }; then
		dynamic="$dynamic $f"
	fi
done
depends=
if [ -n "$dynamic" ]; then
	if command -v dpkg-shlibdeps >/dev/null 2>&1; then
		# dpkg-shlibdeps wants to run in a source tree: give it a minimal one.
		mkdir -p "$stage/src/debian"
		printf 'Source: saf\n\nPackage: saf\nArchitecture: any\n' >"$stage/src/debian/control"
		# shellcheck disable=SC2086 # $dynamic is a list of paths without blanks
		depends=$(cd "$stage/src" && dpkg-shlibdeps -O $dynamic 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
	fi
	if [ -z "$depends" ] && command -v readelf >/dev/null 2>&1; then
		# The highest glibc symbol version any program needs.
		# shellcheck disable=SC2086
		v=$(readelf --dyn-syms -W $dynamic | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)
		depends="libc6${v:+ (>= $v)}"
	fi
	if [ -z "$depends" ]; then
		echo "deb: the programs are dynamically linked and neither dpkg-shlibdeps nor readelf is there to compute Depends; install dpkg-dev or binutils, or build with CGO_ENABLED=0" >&2
		exit 1
	fi
fi

mkdir -m 0755 "$root/DEBIAN"
{
	echo "Package: saf"
	echo "Version: $version"
	echo "Architecture: $arch"
	echo "Maintainer: $DEB_MAINTAINER"
	echo "Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)"
	if [ -n "$depends" ]; then echo "Depends: $depends"; fi
	echo "Section: admin"
	echo "Priority: optional"
	echo "Homepage: https://github.com/linux-saf/saf"
	echo "Description: System V Service Access Facility for Linux"
	echo " The Service Access Controller (sac) starts and watches port monitors:"
	echo " ttymon for serial lines, consoles and ptys, and the network listener"
	echo " listen. The administrative commands sacadm, pmadm, ttyadm, nlsadmin and"
	echo " sttydefs manage them with the options and files of the original."
	echo " ."
	echo " sac runs from the systemd unit sac.service (not enabled on install:"
	echo " systemctl enable --now sac); sample inittab lines for sysvinit and"
	echo " BusyBox are in /usr/share/doc/saf."
} >"$root/DEBIAN/control"
printf '/etc/ttydefs\n/etc/saf/_sactab\n' >"$root/DEBIAN/conffiles"
for s in postinst prerm postrm; do
	install -m 0755 "$src/packaging/debian/$s" "$root/DEBIAN/$s"
done
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles"

mkdir -p "$DEBDIR"
deb=$DEBDIR/saf_${version}_$arch.deb
# --root-owner-group: every file is root's in the package whoever builds it,
# so no fakeroot is needed.
dpkg-deb --root-owner-group -Z"$DEB_COMPRESS" --build "$root" "$deb" >/dev/null
echo "$deb"
