# aihat: bring-up and validation of a Raspberry Pi 5 + AI HAT+ 2.
#   make run    the full bring-up on the simulated board (reports in reports/)
#   make test   go vet + go test -race on everything (fetches ONNX Runtime first)
#   make test-arm64 / test-avx2   the tests on another CPU under QEMU (see below)

GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT)
BIN     := bin/aihat

# ONNX Runtime shared library, fetched from npm on demand (never committed).
ORT_ARCH := $(shell uname -m | sed -e 's/x86_64/x64/' -e 's/aarch64/arm64/')
ORT_LIB  := .cache/onnxruntime/linux-$(ORT_ARCH)/libonnxruntime.so.1
export ONNXRUNTIME_LIB := $(CURDIR)/$(ORT_LIB)

.PHONY: all build run test test-arm64 test-avx2 bench ort fuzz lint clean

all: build

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/aihat

run: build ort
	./$(BIN) bringup --target sim --report-dir reports/

test: ort
	$(GO) vet ./...
	$(GO) test -race -timeout 15m ./...

# The test binaries on CPUs this machine is not, under QEMU user-mode
# emulation, with -test.short: ONNX Runtime picks its kernels by CPU, so
# numeric tests must hold on each. arm64: cross-compiled, run as on the
# Raspberry Pi 5's Cortex-A76 with the arm64 libonnxruntime.so.1. avx2: an
# x86-64 CPU without AVX-512 or VNNI (Haswell). Debian packages:
# gcc-aarch64-linux-gnu, qemu-user-static (see scripts/test-emulated.sh).
test-arm64:
	bash scripts/test-emulated.sh arm64

test-avx2:
	bash scripts/test-emulated.sh avx2

bench: ort
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 2s ./...

ort: $(ORT_LIB)

$(ORT_LIB): scripts/fetch-ort.sh scripts/ort.sha256
	bash scripts/fetch-ort.sh

# Short fuzz runs of every fuzz target (go test allows one target per run).
FUZZTIME ?= 30s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...

clean:
	rm -rf bin reports
