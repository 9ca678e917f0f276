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

// PackageDir is where the Debian package installs the library.
const PackageDir = "/usr/lib/aihat"

// FindLibrary returns the library to load. An explicit choice wins: the
// --ort-lib flag, then $ONNXRUNTIME_LIB when set (tests and users point at a
// specific build this way, so a packaged copy must not shadow it; a set but
// missing path is an error, never silently replaced). Otherwise it looks
// where a copied or packaged binary keeps it: next to the executable, in
// ../lib/aihat/ beside the executable's directory, in /usr/lib/aihat/; then
// the project cache (`make ort`) in the working directory or a parent, and
// the system library paths. The error names every place it looked.
func FindLibrary(flag string) (string, error) {
	exe, _ := os.Executable()
	wd, _ := os.Getwd()
	return findLibrary(flag, os.Getenv("ONNXRUNTIME_LIB"), exe, wd)
}

func findLibrary(flag, env, exe, wd string) (string, error) {
	if flag != "" {
		return checkFile(flag, "--ort-lib")
	}
	if env != "" {
		return checkFile(env, "ONNXRUNTIME_LIB")
	}
	cands := Candidates(exe, wd)
	for _, c := range cands {
		if st, err := os.Stat(c); err == nil && !st.IsDir() {
			return c, nil
		}
	}
	return "", fmt.Errorf("%w: %s not found; looked at --ort-lib and $ONNXRUNTIME_LIB (both unset), then %s. Install the aihat package (it ships the library in %s), put %s next to the aihat binary, set ONNXRUNTIME_LIB=PATH or pass --ort-lib PATH; in a source tree run `make ort` to fetch ONNX Runtime %s.1",
		ErrNoLibrary, LibName, strings.Join(cands, ", "), PackageDir, LibName, WantVersion)
}

// Candidates lists, in order, the places FindLibrary looks when neither
// --ort-lib nor $ONNXRUNTIME_LIB is set, for an executable at exe (resolved
// through symlinks, so /usr/bin/aihat -> /opt/aihat/bin/aihat looks in
// /opt/aihat/...) and working directory wd (either may be "").
func Candidates(exe, wd string) []string {
	var cands []string
	add := func(p string) {
		for _, c := range cands {
			if c == p {
				return
			}
		}
		cands = append(cands, p)
	}
	if exe != "" {
		if r, err := filepath.EvalSymlinks(exe); err == nil {
			exe = r
		}
		d := filepath.Dir(exe)
		add(filepath.Join(d, LibName))
		add(filepath.Join(filepath.Dir(d), "lib", "aihat", LibName))
	}
	add(filepath.Join(PackageDir, LibName))
	if wd != "" {
		for dir := wd; ; dir = filepath.Dir(dir) {
			add(filepath.Join(dir, CacheRel()))
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	for _, d := range []string{"/usr/local/lib", "/usr/lib", "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/opt/onnxruntime/lib"} {
		add(filepath.Join(d, LibName))
		add(filepath.Join(d, "libonnxruntime.so"))
	}
	return cands
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
