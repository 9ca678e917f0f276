// Package safefile reads files that a board, a fixture tree or an operator
// hands aihat, so that none of them can hang it or exhaust its memory: a
// FIFO, socket or device where a regular file belongs is an error before
// anything is opened (opening a FIFO blocks until a writer appears, and no
// Ctrl-C can interrupt that), and every read stops at a size cap and names
// the file that was too large.
package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"syscall"
)

// ErrNotRegular is returned for a FIFO, socket or device found where a
// regular file belongs.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is returned when a file holds more than its cap.
var ErrTooLarge = errors.New("file too large")

// Caps. sysfs and procfs attributes are at most a page (4 KiB, or 16 KiB on
// the Pi 5's 16K-page kernel) and their largest text files here
// (/proc/cpuinfo, /proc/modules) are a few KiB, so 64 KiB leaves room
// without letting a link to /dev/zero through. nvmem files hold a whole
// EEPROM: the largest 24C-series part is 24C1025, 128 KiB. Device-tree
// properties are small but a compiled overlay or blob can be hundreds of KiB;
// config.txt files are a few KiB. Everything else gets 16 MiB.
//
// Files an operator names for a benchmark are larger: an ONNX model is one
// protobuf message, which protobuf caps at 2 GiB (a larger model keeps its
// weights in external data files), and it is mapped, never copied into
// memory (Map); an input or expected-output tensor (.pb, .npy) is read
// whole, up to 1 GiB.
const (
	KernelAttrMax = 64 << 10
	NVMemMax      = 128 << 10
	DeviceTreeMax = 1 << 20
	DefaultMax    = 16 << 20
	TensorMax     = 1 << 30
	ModelMax      = 2 << 30
)

// CapFor is the size cap for a board path (slash-separated, no leading
// slash, as io/fs names it).
func CapFor(name string) int64 {
	base := path.Base(name)
	switch {
	case strings.HasPrefix(name, "proc/device-tree/"), strings.HasPrefix(name, "sys/firmware/devicetree/"):
		return DeviceTreeMax
	case base == "eeprom" || base == "nvmem":
		return NVMemMax
	case strings.HasPrefix(name, "sys/"), strings.HasPrefix(name, "proc/"):
		return KernelAttrMax
	case strings.HasSuffix(name, ".dtbo"), strings.HasSuffix(name, ".dtb"):
		return DeviceTreeMax
	}
	return DefaultMax
}

// checkMode refuses what would block or never end when opened and read.
func checkMode(name string, fi fs.FileInfo) error {
	m := fi.Mode()
	if m.IsRegular() || m.IsDir() {
		return nil
	}
	kind := "special file"
	switch {
	case m&fs.ModeNamedPipe != 0:
		kind = "named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		kind = "socket"
	case m&fs.ModeCharDevice != 0:
		kind = "character device"
	case m&fs.ModeDevice != 0:
		kind = "block device"
	}
	return &fs.PathError{Op: "open", Path: name, Err: fmt.Errorf("%w: it is a %s", ErrNotRegular, kind)}
}

// readCapped reads r to the end, failing once it passes max bytes.
func readCapped(name string, r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return b, err
	}
	if int64(len(b)) > max {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fmt.Errorf("%w: more than %d bytes", ErrTooLarge, max)}
	}
	return b, nil
}

// ReadFile reads a file given on the command line (a plan, an EEPROM image,
// a settings file, a tensor) with the same guards as the board's files; a
// regular file larger than max is refused before it is read.
func ReadFile(name string, max int64) ([]byte, error) {
	f, err := Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := checkSize(f, max); err != nil {
		return nil, err
	}
	return readCapped(name, f, max)
}

// Open opens a regular file named on the command line for reading (a
// journal, a model) and refuses anything else at once: a FIFO, socket or
// device is ErrNotRegular without blocking (the file is opened
// non-blocking and its mode checked on the open descriptor, so a FIFO
// swapped in after the first check cannot hang the open either), a
// directory is an error. A file that cannot be read for want of
// permission says how to read it. Every error names the file.
func Open(name string) (*os.File, error) { return open(name, 0) }

// OpenOwn is Open for a file aihat itself writes under a report directory
// (a journal): a symbolic link there was planted, never made by aihat, so
// it is refused, naming it, instead of followed to whatever it points at.
func OpenOwn(name string) (*os.File, error) {
	if fi, err := os.Lstat(name); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errors.New("is a symbolic link where aihat keeps its own file: not followed; remove it")}
	}
	return open(name, syscall.O_NOFOLLOW)
}

func open(name string, flags int) (*os.File, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return nil, hint(err)
	}
	if err := checkMode(name, fi); err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errors.New("is a directory, not a file")}
	}
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK|flags, 0)
	if err != nil {
		return nil, hint(err)
	}
	fi, err = f.Stat()
	if err == nil {
		err = checkMode(name, fi)
	}
	if err == nil && fi.IsDir() {
		err = &fs.PathError{Op: "read", Path: name, Err: errors.New("is a directory, not a file")}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// CheckDir refuses a path named as a directory of files (--inputs,
// --expect) that is not one, before anything opens it: opening a FIFO
// blocks until a writer appears.
func CheckDir(name string) error {
	fi, err := os.Stat(name)
	if err != nil {
		return hint(err)
	}
	if err := checkMode(name, fi); err != nil {
		return err
	}
	if !fi.IsDir() {
		return &fs.PathError{Op: "open", Path: name, Err: errors.New("not a directory")}
	}
	return nil
}

// checkSize refuses an open regular file larger than max before it is read.
func checkSize(f *os.File, max int64) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Size() > max {
		return &fs.PathError{Op: "read", Path: f.Name(), Err: fmt.Errorf("%w: %d bytes, more than the %d a file of its kind may hold", ErrTooLarge, fi.Size(), max)}
	}
	return nil
}

// hint adds to a permission error how to get past it.
func hint(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && errors.Is(err, fs.ErrPermission) {
		return &fs.PathError{Op: pe.Op, Path: pe.Path, Err: fmt.Errorf("%w (read it as a user who may, e.g. with sudo, or grant this user read access)", pe.Err)}
	}
	return err
}

// Map maps a regular file of at most max bytes read-only into memory
// (a model of up to ModelMax: its pages are read as they are touched and
// never copied into the Go heap) with the guards of Open. unmap releases
// it; nothing may use the bytes after. A file truncated while mapped
// faults the process (SIGBUS), as any reader of a mapped file does.
func Map(name string, max int64) (data []byte, unmap func(), err error) {
	f, err := Open(name)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	if err := checkSize(f, max); err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if fi.Size() == 0 {
		return []byte{}, func() {}, nil
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(fi.Size()), syscall.PROT_READ, syscall.MAP_PRIVATE)
	if err != nil {
		return nil, nil, &fs.PathError{Op: "mmap", Path: name, Err: err}
	}
	return b, func() { _ = syscall.Munmap(b) }, nil
}

// FS wraps a file system (a board's root) so that opening a special file is
// an error and reading any file stops at its CapFor cap. It implements
// fs.ReadFileFS, fs.StatFS and fs.ReadDirFS, so fs.ReadFile, fs.Stat,
// fs.Glob and fs.ReadDir all go through the guards.
func FS(fsys fs.FS) fs.FS { return guardedFS{fsys} }

type guardedFS struct{ fsys fs.FS }

func (g guardedFS) Open(name string) (fs.File, error) {
	fi, err := fs.Stat(g.fsys, name) // follows links without opening the target
	if err != nil {
		return nil, err
	}
	if err := checkMode(name, fi); err != nil {
		return nil, err
	}
	f, err := g.fsys.Open(name)
	if err != nil || fi.IsDir() {
		return f, err
	}
	return &cappedFile{File: f, name: name, left: CapFor(name)}, nil
}

func (g guardedFS) ReadFile(name string) ([]byte, error) {
	f, err := g.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errors.New("is a directory")}
	}
	return readCapped(name, f.(*cappedFile).File, CapFor(name))
}

func (g guardedFS) Stat(name string) (fs.FileInfo, error) { return fs.Stat(g.fsys, name) }

func (g guardedFS) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(g.fsys, name) }

// cappedFile fails a read that would take it past its cap, so a caller that
// streams a file (io.ReadAll on Open) is bounded too.
type cappedFile struct {
	fs.File
	name string
	left int64
}

func (c *cappedFile) Read(p []byte) (int, error) {
	if c.left <= 0 {
		// One byte more tells a file of exactly the cap from a longer one.
		var one [1]byte
		if n, _ := c.File.Read(one[:]); n == 0 {
			return 0, io.EOF
		}
		return 0, &fs.PathError{Op: "read", Path: c.name, Err: fmt.Errorf("%w: more than %d bytes", ErrTooLarge, CapFor(c.name))}
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.File.Read(p)
	c.left -= int64(n)
	return n, err
}
