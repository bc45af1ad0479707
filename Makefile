# Service Access Facility for Linux.
#   make build   every program into bin/
#   make test    vet + every test (seed corpora of the fuzz targets included)
#   make fuzz    every fuzz target for FUZZTIME each
#   make stress  soak and load tests (SAF_STRESS=1)
#   make bench   benchmarks
GO       ?= go
FUZZTIME ?= 30s
BENCHTIME ?= 1s

.PHONY: all build test vet fuzz stress bench clean

all: build

build:
	@mkdir -p bin
	$(GO) build -o bin/ ./cmd/...

vet:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

test: vet build
	$(GO) test -count=1 ./...

fuzz:
	FUZZTIME=$(FUZZTIME) GO=$(GO) sh scripts/fuzz.sh

stress: build
	SAF_STRESS=1 $(GO) test -count=1 -run 'Stress|Soak' -timeout 60m ./...

bench: build
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./...

clean:
	rm -rf bin
