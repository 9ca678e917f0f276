// Package infer runs ONNX models through ONNX Runtime (onnxruntime_go):
// library discovery, provider selection with recorded fallback, inputs
// filled from the model's own signature with seeded data, plain latency
// runs and greedy generation with a KV cache.
package infer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

// LibName is the ONNX Runtime shared library's file name.
const LibName = "libonnxruntime.so.1"

// WantVersion is the ONNX Runtime release onnxruntime_go v1.27.0 is built
// against (C API version 24).
const WantVersion = "1.24"

// ErrNoLibrary is wrapped by errors about a missing or unusable library.
var ErrNoLibrary = errors.New("no usable ONNX Runtime library")

// Arch is the cache directory's architecture name (x64, arm64).
func Arch() string {
	switch runtime.GOARCH {
	case "amd64":
		return "x64"
	default:
		return runtime.GOARCH
	}
}

// CacheRel is the project cache path of the library, relative to the
// module root.
func CacheRel() string {
	return filepath.Join(".cache", "onnxruntime", "linux-"+Arch(), LibName)
}

// FindLibrary returns the library to load: flag (--ort-lib), then
// $ONNXRUNTIME_LIB, then the project cache in the working directory or any
// parent (the module root) or next to the executable, then system paths.
func FindLibrary(flag string) (string, error) {
	if flag != "" {
		return checkFile(flag, "--ort-lib")
	}
	if env := os.Getenv("ONNXRUNTIME_LIB"); env != "" {
		return checkFile(env, "ONNXRUNTIME_LIB")
	}
	var cands []string
	if wd, err := os.Getwd(); err == nil {
		for dir := wd; ; dir = filepath.Dir(dir) {
			cands = append(cands, filepath.Join(dir, CacheRel()))
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	if exe, err := os.Executable(); err == nil {
		d := filepath.Dir(exe)
		cands = append(cands, filepath.Join(d, CacheRel()), filepath.Join(filepath.Dir(d), CacheRel()))
	}
	for _, d := range []string{"/usr/local/lib", "/usr/lib", "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/opt/onnxruntime/lib"} {
		cands = append(cands, filepath.Join(d, LibName), filepath.Join(d, "libonnxruntime.so"))
	}
	for _, c := range cands {
		if st, err := os.Stat(c); err == nil && !st.IsDir() {
			return c, nil
		}
	}
	return "", fmt.Errorf("%w (looked at --ort-lib, $ONNXRUNTIME_LIB, %s in the working directory and its parents, and system library paths): run `make ort` to fetch ONNX Runtime %s.1, or pass --ort-lib PATH", ErrNoLibrary, CacheRel(), WantVersion)
}

func checkFile(path, from string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("%w: %s %s: %v; run `make ort` to fetch ONNX Runtime %s.1", ErrNoLibrary, from, path, errors.Unwrap(err), WantVersion)
	}
	if st.IsDir() {
		return "", fmt.Errorf("%w: %s %s is a directory, want the path of %s; run `make ort`", ErrNoLibrary, from, path, LibName)
	}
	return path, nil
}

var (
	envMu   sync.Mutex
	envPath string
)

// Init loads ONNX Runtime once per process (onnxruntime_go keeps one
// environment) and returns the library path in use. Later calls with the
// same or no explicit path are no-ops; a different explicit path is an error.
func Init(libFlag string) (string, error) {
	if libFlag != "" {
		if _, err := checkFile(libFlag, "--ort-lib"); err != nil {
			return "", err
		}
	}
	envMu.Lock()
	defer envMu.Unlock()
	if envPath != "" {
		if libFlag != "" && libFlag != envPath {
			return "", fmt.Errorf("ONNX Runtime is already loaded from %s in this process; cannot switch to %s", envPath, libFlag)
		}
		return envPath, nil
	}
	path, err := FindLibrary(libFlag)
	if err != nil {
		return "", err
	}
	ort.SetSharedLibraryPath(path)
	if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
		return "", fmt.Errorf("%w: %s cannot be loaded (%s): want ONNX Runtime %s.x; run `make ort` or pass --ort-lib PATH", ErrNoLibrary, path, oneLine(err.Error()), WantVersion)
	}
	if v := ort.GetVersion(); !strings.HasPrefix(v, WantVersion+".") && !newer(v) {
		ort.DestroyEnvironment()
		return "", fmt.Errorf("%w: %s is ONNX Runtime %s, want %s.x; run `make ort` or pass --ort-lib PATH", ErrNoLibrary, path, v, WantVersion)
	}
	envPath = path
	return path, nil
}

// newer reports whether version v is at least WantVersion (ORT keeps the
// older C API versions).
func newer(v string) bool {
	var a, b, c, d int
	if _, err := fmt.Sscanf(v, "%d.%d", &a, &b); err != nil {
		return false
	}
	fmt.Sscanf(WantVersion, "%d.%d", &c, &d)
	return a > c || (a == c && b >= d)
}

// Version is the loaded ONNX Runtime's version ("" before Init).
func Version() string {
	envMu.Lock()
	defer envMu.Unlock()
	if envPath == "" {
		return ""
	}
	return ort.GetVersion()
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
