# aihat: bring-up and validation of a Raspberry Pi 5 + AI HAT+ 2.
#   make run    the full bring-up on the simulated board (reports in reports/)
#   make test   go vet + go test -race on everything (fetches ONNX Runtime first)
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

.PHONY: all build build-arm64 run test bench ort fuzz lint clean killtest deb deb-test test-arm64-noort

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
test-arm64-noort:
	bash scripts/test-arm64-noort.sh

run: build ort
	./$(BIN) bringup --target sim --report-dir reports/

test: ort
	$(GO) vet ./...
	$(GO) test -race -timeout 15m ./...

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

# SIGKILL a sim bringup at KILLS random points; the report directory must
# hold one complete set from one run after each (issue 13).
KILLS ?= 200
killtest: ort
	bash scripts/killtest.sh $(KILLS)

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...

clean:
	rm -rf bin reports build dist
