#!/bin/sh
# deb.sh: "make deb". Builds the Debian package saf from the same tree
# "make install" makes: install.sh into a staging root with PREFIX=/usr,
# then the copyright file and the changelog, the control files, then
# dpkg-deb. Needs dpkg-deb only (and dpkg-shlibdeps or readelf when the
# programs are dynamically linked, strip when they have symbols). "make
# deb" packs the static programs of "make release".
#
# Environment (the Makefile passes each):
#   BUILDBIN  where the programs are (bin; the Makefile passes bin/release)
#   DEBDIR    where the .deb goes (bin)
#   VERSION   the package version; default: from "git describe"
#   DEB_COMPRESS  dpkg-deb's -Z (xz, Debian's default; gzip is faster)
#   DEB_MAINTAINER  the Maintainer field, "Name <address>"; default
#             "$DEBFULLNAME <$DEBEMAIL>" (dch's variables), else git's
#             user.name and user.email
#   SOURCE_DATE_EPOCH  the date of the changelog entry and of every file
#             in the package; default: the time of the last commit
# The same programs, version, maintainer and date give the same package.
# The path of the package is printed on the last line of standard output.
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
BUILDBIN=${BUILDBIN:-bin}
DEBDIR=${DEBDIR:-bin}
DEB_COMPRESS=${DEB_COMPRESS:-xz}
if [ -z "${DEB_MAINTAINER:-}" ]; then
	if [ -n "${DEBFULLNAME:-}" ] && [ -n "${DEBEMAIL:-}" ]; then
		DEB_MAINTAINER="$DEBFULLNAME <$DEBEMAIL>"
	else
		name=$(git -C "$src" config user.name 2>/dev/null || true)
		mail=$(git -C "$src" config user.email 2>/dev/null || true)
		if [ -n "$name" ] && [ -n "$mail" ]; then
			DEB_MAINTAINER="$name <$mail>"
		else
			# A placeholder lintian refuses (bogus-mail-host): set one.
			DEB_MAINTAINER="SAF for Linux maintainers <saf@localhost>"
		fi
	fi
fi
case $DEBDIR in /*) ;; *) DEBDIR=$src/$DEBDIR ;; esac

if ! command -v dpkg-deb >/dev/null 2>&1; then
	echo "deb: dpkg-deb is missing (it is in the dpkg package)" >&2
	exit 1
fi

# A Debian version must start with a digit. "git describe" gives a tag
# (v1.2 -> 1.2, v1.2-3-gabc1234 -> 1.2+3+gabc1234) or, with no tag, a bare
# commit id, which becomes 0~gabc1234 (sorts before any release); a tree
# with changes not committed adds +dirty, as --version says -dirty. The
# Debian revision -1 follows: the package is not native (its changelog is
# changelog.Debian.gz). VERSION=... is taken as it is; one without a
# revision makes a native package, whose changelog is changelog.gz.
version=${VERSION:-}
if [ -z "$version" ]; then
	desc=$(git -C "$src" describe --always --dirty 2>/dev/null || echo unknown)
	desc=${desc#v}
	dirty=
	case $desc in *-dirty) desc=${desc%-dirty} dirty=+dirty ;; esac
	if echo "$desc" | grep -Eq '^[0-9a-f]+$'; then
		version=0~g$desc # no tag: a bare commit id
	elif echo "$desc" | grep -q '^[0-9]'; then
		version=$(echo "$desc" | tr '-' '+')
	else
		version=0~$(echo "$desc" | tr '-' '+')
	fi
	version=$version$dirty-1
fi
case $version in
*-*) changelog=changelog.Debian.gz ;;
*) changelog=changelog.gz ;;
esac
# The date of the changelog entry and of the files: the last commit's
# unless SOURCE_DATE_EPOCH says (dpkg-deb reads it too).
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	SOURCE_DATE_EPOCH=$(git -C "$src" log -1 --format=%ct 2>/dev/null || date +%s)
fi
export SOURCE_DATE_EPOCH
arch=$(dpkg --print-architecture)

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/root
mkdir -m 0755 "$root"
DESTDIR=$root PREFIX=/usr BUILDBIN=$BUILDBIN sh "$src/packaging/install.sh" >/dev/null
# Programs with a symbol table (make build keeps it, for debugging) are
# stripped as dh_strip would; those of make release already are, and are
# left byte for byte as SHA256SUMS lists them.
if command -v strip >/dev/null 2>&1 && command -v readelf >/dev/null 2>&1; then
	for f in "$root"/usr/lib/saf/* "$root"/usr/sbin/*; do
		if LC_ALL=C readelf -S "$f" 2>/dev/null | grep -q ' \.symtab '; then
			strip --strip-unneeded --remove-section=.comment "$f"
		fi
	done
fi
# dpkg keeps its own list of the package's files; the manifest is only for
# "make uninstall", and shipping it would let that remove dpkg's files.
rm "$root/usr/share/doc/saf/installed-files"

# Debian's own documentation: the copyright file (machine-readable, DEP-5)
# and the changelog, stamped with this version, maintainer and date.
doc=$root/usr/share/doc/saf
install -m 0644 "$src/packaging/debian/copyright" "$doc/copyright"
date=$(LC_ALL=C date -u -d "@$SOURCE_DATE_EPOCH" -R)
maint=$(printf '%s\n' "$DEB_MAINTAINER" | sed 's/[&|\\]/\\&/g') # as sed's replacement
sed -e "s|@VERSION@|$version|" -e "s|@MAINTAINER@|$maint|" -e "s|@DATE@|$date|" \
	"$src/packaging/debian/changelog" | gzip -9n >"$stage/changelog.gz"
install -m 0644 "$stage/changelog.gz" "$doc/$changelog"
# Tags lintian reports that do not apply here, each with its reason
# (packaging/lintian-notes.md).
mkdir -p -m 0755 "$root/usr/share/lintian" "$root/usr/share/lintian/overrides"
install -m 0644 "$src/packaging/debian/lintian-overrides" "$root/usr/share/lintian/overrides/saf"

# Depends. Go programs built with CGO_ENABLED=0 (make release) are static
# and need no library at all, so then there is no Depends. make build
# links libc (os/user and net use cgo when a C compiler is there); then
# the package depends on the libc6 it was built against.
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
# Installed-Size as dpkg-gencontrol counts it: each file's size in KiB,
# rounded up, and 1 for each directory; the same on every file system.
installed_size=$(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%s\n' -o ! -path . -printf '1\n' |
	awk '{ s += int(($1 + 1023) / 1024) } END { print s }')
{
	echo "Package: saf"
	echo "Version: $version"
	echo "Architecture: $arch"
	echo "Maintainer: $DEB_MAINTAINER"
	echo "Installed-Size: $installed_size"
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
# md5sums: what dpkg --verify and debsums check the installed files
# against; not the conffiles, whose sums dpkg keeps itself (as dh_md5sums).
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '/%P\n' | LC_ALL=C sort |
	grep -vxF -f DEBIAN/conffiles | sed 's|^/||' | xargs -d '\n' md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"
# Every file dated SOURCE_DATE_EPOCH, so that the package does not depend
# on when the tree was checked out or built.
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

mkdir -p "$DEBDIR"
deb=$DEBDIR/saf_${version}_$arch.deb
# --root-owner-group: every file is root's in the package whoever builds it,
# so no fakeroot is needed.
dpkg-deb --root-owner-group -Z"$DEB_COMPRESS" --build "$root" "$deb" >/dev/null
echo "$deb"
