# Service Access Facility for Linux.
#   make build   every program into bin/
#   make release static, stripped, reproducible programs and SHA256SUMS
#                into RELEASEDIR (scripts/release.sh)
#   make test    vet + every test (seed corpora of the fuzz targets included)
#   make fuzz    every fuzz target for FUZZTIME each
#   make stress  soak and load tests (SAF_STRESS=1)
#   make bench   benchmarks
GO       ?= go
FUZZTIME ?= 30s
BENCHTIME ?= 1s

RELEASEDIR ?= bin/release

# What every program's --version prints (internal/version), set at link
# time; without them (plain go build) the programs ask the go command's
# build information.
SAF_VERSION ?= $(shell git describe --always --dirty 2>/dev/null)
SAF_COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null)
VERSION_X    = -X github.com/linux-saf/saf/internal/version.version=$(SAF_VERSION) \
	-X github.com/linux-saf/saf/internal/version.commit=$(SAF_COMMIT)

.PHONY: all build release test vet fuzz stress bench clean

all: build

# The programs link libc when a C compiler is there (cgo: os/user asks NSS,
# so LDAP and SSSD users are found); CGO_ENABLED=0 makes them static.
build:
	@mkdir -p bin
	$(GO) build -ldflags '$(VERSION_X)' -o bin/ ./cmd/...

# CGO_ENABLED=0, -trimpath, stripped: the same bytes from every build of
# the same tree with the same Go.
release:
	GO="$(GO)" RELEASEDIR="$(RELEASEDIR)" SAF_VERSION="$(SAF_VERSION)" SAF_COMMIT="$(SAF_COMMIT)" sh scripts/release.sh

vet:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

test: vet build
	$(GO) test -count=1 ./...

fuzz:
	FUZZTIME=$(FUZZTIME) GO=$(GO) sh scripts/fuzz.sh

# Every scenario (TestStress*) appends one measured row to $$SAF_STRESS_TABLE;
# the table is printed after the tests, and a row with failures, or no row
# at all, fails make stress like a failed test does.
stress: build
	@table=$$(mktemp); rc=0; start=$$(date +%s); \
	SAF_STRESS=1 SAF_STRESS_TABLE=$$table $(GO) test -count=1 -run 'Stress|Soak' -timeout 14m ./... || rc=$$?; \
	echo; echo "make stress: $$(( $$(date +%s) - start ))s; fds and memory (VmRSS, KiB) are the daemon's under test"; \
	awk -F'\t' 'BEGIN { printf "%-58s %6s %5s %13s %17s %7s\n", "scenario", "iters", "fails", "fds bef/aft", "KiB bef/aft", "zombies" } \
		{ printf "%-58s %6s %5s %6s/%-6s %8s/%-8s %7s\n", $$1, $$2, $$3, $$4, $$5, $$6, $$7, $$8; if ($$3 != "0" || $$8 != "0") bad = 1 } \
		END { if (NR == 0) { print "no scenario recorded a row"; exit 1 } exit bad }' $$table || rc=1; \
	rm -f $$table; exit $$rc

bench: build
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./...

clean:
	rm -rf bin

# Installation (packaging/install.sh, uninstall.sh, deb.sh say what goes
# where and why).
#   make install    programs, manual pages, /etc/ttydefs, /etc/saf/_sactab,
#                   the systemd unit and inittab samples into DESTDIR
#   make uninstall  remove what make install recorded in its manifest
#   make deb        build bin/saf_VERSION_ARCH.deb from the same install,
#                   with the programs of make release
# install and uninstall do not build: "make build && sudo make install"
# (root's PATH may have no go).
DESTDIR  ?=
PREFIX   ?= /usr
BUILDBIN ?= bin
DEBDIR   ?= bin
VERSION  ?=
DEB_COMPRESS ?= xz

.PHONY: install uninstall deb

install:
	DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" BUILDBIN="$(BUILDBIN)" sh packaging/install.sh

uninstall:
	DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" sh packaging/uninstall.sh

# make deb packs the static programs of make release (built first), or
# those in BUILDBIN when it is given: BUILDBIN=bin packs make build's
# (built first), which link libc when there is a C compiler.
ifeq ($(origin BUILDBIN),file)
DEBBIN = $(RELEASEDIR)
else
DEBBIN = $(BUILDBIN)
endif
deb: $(if $(filter $(RELEASEDIR),$(DEBBIN)),release,$(if $(filter bin,$(DEBBIN)),build))
	BUILDBIN="$(DEBBIN)" DEBDIR="$(DEBDIR)" VERSION="$(VERSION)" DEB_COMPRESS="$(DEB_COMPRESS)" sh packaging/deb.sh

# make demo: sac with a ttymon line and a listen service in a sandbox, in
# the foreground; Ctrl-C stops everything (scripts/demo.sh).
.PHONY: demo
demo: build
	bash scripts/demo.sh
