# aihat: bring-up and validation of a Raspberry Pi 5 + AI HAT+ 2.
#   make run    the full bring-up on the simulated board (reports in reports/)
#   make test   go test -race -vet=all on everything (fetches ONNX Runtime first)
#   make hwtest aihat against real kernel drivers in a QEMU Arm guest (scripts/hwtest)
#   make test-arm64 / test-avx2   the tests on another CPU under QEMU (see below)
#   make deb    dist/aihat_<version>_{amd64,arm64}.deb (see README "Packages")
#   make deb-test  install the arm64 package in an emulated Debian arm64 root and run it

GO      ?= go
VERSION ?= $(shell bash scripts/version.sh 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT)
BIN     := bin/aihat

# ONNX Runtime shared library, fetched from npm on demand (never committed).
ORT_ARCH := $(shell uname -m | sed -e 's/x86_64/x64/' -e 's/aarch64/arm64/')
ORT_LIB  := .cache/onnxruntime/linux-$(ORT_ARCH)/libonnxruntime.so.1
export ONNXRUNTIME_LIB := $(CURDIR)/$(ORT_LIB)

.PHONY: all build build-arm64 run test test-arm64 test-avx2 bench ort fuzz lint clean killtest killtest-journal killtest-loadtest loadtest-sim hwtest conformance deb deb-test

all: build

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/aihat

# Cross-build for the Pi (cgo: onnxruntime_go). The binary finds
# libonnxruntime.so.1 next to itself, in ../lib/aihat/ or /usr/lib/aihat/.
build-arm64:
	CGO_ENABLED=1 GOOS=linux GOARCH=arm64 CC=aarch64-linux-gnu-gcc \
	  $(GO) build -trimpath -buildmode=pie -ldflags '$(LDFLAGS)' -o bin/linux-arm64/aihat ./cmd/aihat
	bash scripts/fetch-ort.sh arm64
	cp .cache/onnxruntime/linux-arm64/libonnxruntime.so.1 bin/linux-arm64/

# Debian packages for amd64 and arm64 (DEB_ARCHS to choose) in dist/.
DEB_ARCHS ?= amd64 arm64
deb:
	bash scripts/deb.sh $(DEB_ARCHS)

# The arm64 package installed and run in an emulated Debian arm64 root
# (mmdebstrap + qemu-user-static; the root is cached in ~/.cache/aihat/deb-test/,
# outside the tree, so CI's fresh clones reuse it; DEB_TEST_CACHE moves it).
deb-test:
	bash scripts/deb-test.sh

# Tests of the packages that do not need ONNX Runtime, as arm64 binaries
# under qemu-aarch64-static (make test-arm64 runs the ONNX Runtime ones).
run: build ort
	./$(BIN) bringup --target sim --report-dir reports/

# gotestsum (a go.mod tool) prints each package's line as it finishes,
# where plain go test ./... holds them back in import-path order. -vet=all:
# every vet check, run on the -race build go test makes anyway (a separate
# go vet ./... compiles the whole tree a second time: 80 s from a cold
# cache); make lint runs go vet ./... over the packages without tests too.
test: ort
	$(GO) tool gotestsum --format pkgname-and-test-fails --format-hide-empty-pkg -- -race -vet=all -timeout 15m ./...

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

# QEMU hardware test (internal/hwtest, scripts/hwtest): a vexpress-a9 guest
# with Debian's armmp kernel, QEMU's at24c EEPROMs on the Versatile I2C
# adapter and gpio-sim lines labelled like the Pi 5 header chip. Needs
# qemu-system-arm, gcc-arm-linux-gnueabihf, cpio and curl; downloads are
# sha256-pinned (scripts/hwtest/debs.sha256) and cached in .cache/hwtest.
HWTEST := .cache/hwtest/build
hwtest:
	bash scripts/hwtest/fetch.sh
	bash scripts/hwtest/build-gpio-sim.sh
	CGO_ENABLED=1 GOOS=linux GOARCH=arm GOARM=7 CC=arm-linux-gnueabihf-gcc $(GO) build \
	  -ldflags '$(LDFLAGS) -s -w -linkmode external -extldflags -static' -o $(HWTEST)/aihat-armv7 ./cmd/aihat 2>&1 \
	  | { grep -v -e 'statically linked applications requires at runtime' -e 'in function .*_Cfunc_dlopen' -e 'in function .*getaddrinfo' -e '^# github.com/aihat/aihat/cmd/aihat$$' || true; }
	test -x $(HWTEST)/aihat-armv7
	CGO_ENABLED=0 GOOS=linux GOARCH=arm GOARM=7 $(GO) build -o $(HWTEST)/wpwatch ./internal/hwtest/wpwatch
	bash scripts/hwtest/initramfs.sh $(HWTEST)/aihat-armv7 $(HWTEST)/wpwatch $(HWTEST)/initramfs.cpio.gz
	$(GO) vet -tags hwtest ./internal/hwtest/
	$(GO) test -tags hwtest -count=1 -v -timeout 12m ./internal/hwtest/

# Short fuzz runs of every fuzz target (go test allows one target per run).
FUZZTIME ?= 30s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

# SIGKILL a sim bringup at KILLS random points; the report directory must
# hold one complete set from one run after each (issue 13).
KILLS ?= 200
killtest: ort
	bash scripts/killtest.sh $(KILLS)

# The load test killed with SIGKILL at LOADTEST_KILLS random points and
# resumed each time (issue 16's 20; make test makes 5 of them).
LOADTEST_KILLS ?= 20
killtest-loadtest: ort
	AIHAT_LOADTEST_KILLS=$(LOADTEST_KILLS) $(GO) test -race -count=1 -v -timeout 20m \
	  -run '^TestLoadtestSurvivesSIGKILLAtRandomPoints$$' ./internal/cli/

# The load test's sim figures (issue 16): 24 h of virtual time at 1 Hz with
# a journal: wall time, peak RSS, aihat's RSS at 1 h and at the end.
loadtest-sim:
	bash scripts/loadtest-sim.sh 24h

# SIGKILL a long sim power.rails window at 20 random points; report render
# must rebuild a valid record from the journal each time (issue 14).
killtest-journal:
	bash scripts/killtest-journal.sh 20

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...
	$(GO) mod tidy -diff

clean:
	rm -rf bin reports build dist

# ONNX conformance (issue 19): every model of the ONNX backend test data
# (Debian libonnx-testdata, 1072 models with their inputs and expected
# outputs) through the bench code path with --inputs/--expect, classified
# against ONNX Runtime driven directly. Fails on any aihat-side failure or
# a change in testdata/conformance/known-failures.txt. Summary in
# reports/conformance.txt. Needs the en_US.UTF-8 locale (StringNormalizer
# models; .ci/run generates it). Also checks that pkg/onnx decodes every
# model and that its re-encoding runs with the same outputs.
# And onnxruntime_go's example_big_compute.onnx (too slow for make test).
CONFORMANCE_DATA ?= /usr/share/libonnx-testdata/data
conformance: ort
	@test -d $(CONFORMANCE_DATA) || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libonnx-testdata >/dev/null \
	  || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libonnx-testdata >/dev/null; }
	CONFORMANCE_DATA=$(CONFORMANCE_DATA) CONFORMANCE_SUMMARY=$(CURDIR)/reports/conformance.txt \
	  $(GO) test -tags conformance -run '^Test(Conformance|OnnxRoundTripSuite|OnnxruntimeGoTestModelsAllBench)$$' -count=1 -timeout 30m ./pkg/bench/ ./pkg/onnx/
	@head -3 reports/conformance.txt
