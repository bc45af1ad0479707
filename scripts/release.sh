#!/bin/sh
# release.sh: "make release". Builds every program under cmd/ for the host
# architecture as a static, stripped binary into $RELEASEDIR and writes
# SHA256SUMS there (sha256sum -c SHA256SUMS checks them). Reproducible: the
# same source and Go toolchain give the same bytes, wherever the tree is,
# whoever builds it and whatever is in their build cache.
#
# Environment (the Makefile passes each):
#   GO           the go command (go)
#   RELEASEDIR   where the programs go (bin/release)
#   SAF_VERSION  what --version prints as the version; default
#                "git describe --always --dirty"
#   SAF_COMMIT   the commit --version names; default "git rev-parse HEAD"
#   GOARCH, GOAMD64, ... are the go command's own, as usual: set GOARCH to
#   build for another architecture.
#
# The flags:
#   CGO_ENABLED=0    no C compiler or libc: static programs. os/user then
#                    reads /etc/passwd and /etc/group itself, without NSS
#                    (no LDAP or SSSD users), and net uses Go's own
#                    resolver. "make build" links libc when a C compiler
#                    is there, for NSS.
#   -trimpath        no path of the build machine in the programs
#   -buildvcs=false  no vcs stamp from the go command: the version and the
#                    commit come from -X, so a tree without .git builds
#                    the same programs given SAF_VERSION and SAF_COMMIT
#   -ldflags -s -w   no symbol table, no DWARF (stripped)
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
GO=${GO:-go}
RELEASEDIR=${RELEASEDIR:-bin/release}
case $RELEASEDIR in /*) ;; *) RELEASEDIR=$src/$RELEASEDIR ;; esac
if [ -z "${SAF_VERSION+set}" ]; then
	SAF_VERSION=$(git -C "$src" describe --always --dirty 2>/dev/null || true)
fi
if [ -z "${SAF_COMMIT+set}" ]; then
	SAF_COMMIT=$(git -C "$src" rev-parse HEAD 2>/dev/null || true)
fi
case $SAF_VERSION$SAF_COMMIT in
*[[:space:]\'\"]*)
	echo "release: SAF_VERSION and SAF_COMMIT may hold no blanks or quotes" >&2
	exit 1
	;;
esac

pkg=github.com/linux-saf/saf/internal/version
progs=$(cd "$src/cmd" && for d in */; do echo "${d%/}"; done | LC_ALL=C sort)
mkdir -p "$RELEASEDIR"
(cd "$RELEASEDIR" && rm -f SHA256SUMS $progs)

cd "$src"
CGO_ENABLED=0 "$GO" build -trimpath -buildvcs=false \
	-ldflags "-s -w -X $pkg.version=$SAF_VERSION -X $pkg.commit=$SAF_COMMIT" \
	-o "$RELEASEDIR/" ./cmd/...

# shellcheck disable=SC2086 # $progs is a list of names without blanks
(cd "$RELEASEDIR" && sha256sum $progs >SHA256SUMS.tmp && mv SHA256SUMS.tmp SHA256SUMS)
echo "release: $(echo $progs | wc -w) programs, ${SAF_VERSION:-unknown version}, static, in $RELEASEDIR (SHA256SUMS)"
