// Package rooted is the one way aihat creates, renames and deletes files in
// a directory it shares with others (a station's report directory): a
// directory opened as an os.Root, so no path given to it, and no symbolic
// link met on the way, can leave it, and with every component of a path
// checked with Lstat before aihat creates, renames or deletes there, so a
// symbolic link where aihat writes is refused with an error naming it, even
// one that stays inside. aihat runs as root on test stations: without this,
// anyone who can write to a shared report directory could plant a link and
// have aihat write or delete where the link points.
package rooted

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Modes of what aihat creates in a report directory: never world-writable,
// whatever the umask lets through.
const (
	DirMode  fs.FileMode = 0o755
	FileMode fs.FileMode = 0o644
)

// ErrLink is what a LinkError matches with errors.Is.
var ErrLink = errors.New("is a symbolic link")

// LinkError says aihat refused to go through a symbolic link.
type LinkError struct {
	Op     string // what aihat was about to do
	Path   string // the link, as a path the operator can find
	Target string // where it points
}

func (e *LinkError) Error() string {
	return fmt.Sprintf("refusing to %s: %s is a symbolic link (to %s), and aihat does not follow links where it writes or deletes; remove it", e.Op, e.Path, e.Target)
}

// Is makes errors.Is(err, ErrLink) true.
func (e *LinkError) Is(target error) bool { return target == ErrLink }

// Dir is a directory opened with Open.
type Dir struct {
	root *os.Root
	name string
}

// Open opens the directory at path (path itself may be a link: the
// operator named it).
func Open(path string) (*Dir, error) {
	r, err := os.OpenRoot(path)
	if err != nil {
		return nil, err
	}
	return &Dir{root: r, name: path}, nil
}

// Close releases the directory.
func (d *Dir) Close() error { return d.root.Close() }

// Name is the path the directory was opened with.
func (d *Dir) Name() string { return d.name }

// Path is rel as a path on the host, for messages.
func (d *Dir) Path(rel string) string { return filepath.Join(d.name, rel) }

// Root is the underlying os.Root, for reads.
func (d *Dir) Root() *os.Root { return d.root }

// ValidElem says whether s may be one element of a path aihat makes from
// data (a serial number, a run id): not empty, no separator, not "." or
// "..", no NUL or other control character.
func ValidElem(s string) error {
	if s == "" || s == "." || s == ".." || strings.ContainsRune(s, '/') {
		return fmt.Errorf("%q cannot name a directory", s)
	}
	for _, c := range s {
		if c < 0x20 || c == 0x7f {
			return fmt.Errorf("%q cannot name a directory: it holds a control character", s)
		}
	}
	return nil
}

func (d *Dir) local(op, rel string) error {
	if rel == "." || filepath.IsLocal(rel) {
		return nil
	}
	return &fs.PathError{Op: op, Path: d.Path(rel), Err: errors.New("path is not inside the directory")}
}

// NoLinks checks that no existing component of rel is a symbolic link.
// Components that do not exist yet are not an error.
func (d *Dir) NoLinks(op, rel string) error {
	if err := d.local(op, rel); err != nil {
		return err
	}
	cur := ""
	for _, el := range strings.Split(filepath.Clean(rel), string(filepath.Separator)) {
		if el == "." {
			continue
		}
		cur = filepath.Join(cur, el)
		fi, err := d.root.Lstat(cur)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			target, _ := d.root.Readlink(cur)
			return &LinkError{Op: op + " " + d.Path(rel), Path: d.Path(cur), Target: target}
		}
	}
	return nil
}

// Lstat is os.Lstat inside the directory (it never follows the last
// component; it refuses links before it).
func (d *Dir) Lstat(rel string) (fs.FileInfo, error) {
	if err := d.NoLinks("stat", filepath.Dir(rel)); err != nil {
		return nil, err
	}
	return d.root.Lstat(rel)
}

// Readlink reads the link at rel.
func (d *Dir) Readlink(rel string) (string, error) {
	if err := d.NoLinks("read link", filepath.Dir(rel)); err != nil {
		return "", err
	}
	return d.root.Readlink(rel)
}

// MkdirAll makes rel and its parents, mode perm, refusing a link at any
// component.
func (d *Dir) MkdirAll(rel string, perm fs.FileMode) error {
	if err := d.local("mkdir", rel); err != nil {
		return err
	}
	cur := ""
	for _, el := range strings.Split(filepath.Clean(rel), string(filepath.Separator)) {
		if el == "." {
			continue
		}
		cur = filepath.Join(cur, el)
		if err := d.Mkdir(cur, perm); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		fi, err := d.root.Lstat(cur)
		if err != nil {
			return err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return d.NoLinks("make directory", rel)
		}
		if !fi.IsDir() {
			return &fs.PathError{Op: "mkdir", Path: d.Path(cur), Err: syscall.ENOTDIR}
		}
	}
	return nil
}

// Mkdir makes the directory rel (its parent must exist), mode perm; an
// existing rel is fs.ErrExist, a link at rel a LinkError.
func (d *Dir) Mkdir(rel string, perm fs.FileMode) error {
	if err := d.NoLinks("make directory", rel); err != nil {
		return err
	}
	if err := d.root.Mkdir(rel, perm); err != nil {
		return err
	}
	return d.root.Chmod(rel, perm) // the umask does not decide a report's mode
}

// MkdirTemp makes a new directory in the directory rel, named
// prefix+random, mode DirMode, and returns its path relative to d.
func (d *Dir) MkdirTemp(rel, prefix string) (string, error) {
	for range 100 {
		name := filepath.Join(rel, prefix+randomSuffix())
		err := d.Mkdir(name, DirMode)
		if err == nil {
			return name, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", err
		}
	}
	return "", fmt.Errorf("make a directory in %s: too many tries", d.Path(rel))
}

// Create makes the new file rel (never an existing one, never through a
// link), mode perm, open for writing.
func (d *Dir) Create(rel string, perm fs.FileMode) (*os.File, error) {
	if err := d.NoLinks("create", rel); err != nil {
		return nil, err
	}
	f, err := d.root.OpenFile(rel, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, perm)
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// CreateTemp makes a new file in the directory rel named
// prefix+random+suffix, mode FileMode, and returns it with its path
// relative to d.
func (d *Dir) CreateTemp(rel, prefix, suffix string) (*os.File, string, error) {
	for range 100 {
		name := filepath.Join(rel, prefix+randomSuffix()+suffix)
		f, err := d.Create(name, FileMode)
		if err == nil {
			return f, name, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, "", err
		}
	}
	return nil, "", fmt.Errorf("create a file in %s: too many tries", d.Path(rel))
}

// OpenAppend opens rel for appending, creating it with mode perm; a link
// at rel or before it is refused.
func (d *Dir) OpenAppend(rel string, perm fs.FileMode) (*os.File, error) {
	if err := d.NoLinks("append to", rel); err != nil {
		return nil, err
	}
	f, err := d.root.OpenFile(rel, os.O_WRONLY|os.O_CREATE|os.O_APPEND|syscall.O_NOFOLLOW, perm)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, &fs.PathError{Op: "append", Path: d.Path(rel), Err: errors.New("not a regular file")}
	}
	return f, nil
}

// Rename renames old to new; a link before either is refused. A link at
// old or new is itself renamed or replaced, never followed.
func (d *Dir) Rename(old, new string) error {
	if err := d.NoLinks("rename", filepath.Dir(old)); err != nil {
		return err
	}
	if err := d.NoLinks("rename to", filepath.Dir(new)); err != nil {
		return err
	}
	return d.root.Rename(old, new)
}

// Remove removes the file, empty directory or link at rel.
func (d *Dir) Remove(rel string) error {
	if err := d.NoLinks("remove", filepath.Dir(rel)); err != nil {
		return err
	}
	return d.root.Remove(rel)
}

// RemoveAll removes rel and what it holds; a link at rel is removed, not
// followed, and a link before it is refused.
func (d *Dir) RemoveAll(rel string) error {
	if err := d.NoLinks("remove", filepath.Dir(rel)); err != nil {
		return err
	}
	return d.root.RemoveAll(rel)
}

// Chmod sets rel's mode; a link is refused.
func (d *Dir) Chmod(rel string, perm fs.FileMode) error {
	if err := d.NoLinks("change the mode of", rel); err != nil {
		return err
	}
	return d.root.Chmod(rel, perm)
}

// ReadDir lists the directory rel.
func (d *Dir) ReadDir(rel string) ([]fs.DirEntry, error) {
	if err := d.NoLinks("list", rel); err != nil {
		return nil, err
	}
	return fs.ReadDir(d.root.FS(), filepath.ToSlash(filepath.Clean(rel)))
}

// SwapLink points the link rel at target in one rename of a new link over
// it: a reader sees the old link or the new one, and an existing link at
// rel is replaced, never followed. Anything but a link at rel is refused.
func (d *Dir) SwapLink(rel, target string) error {
	fi, err := d.Lstat(rel)
	if err == nil && fi.Mode()&fs.ModeSymlink == 0 {
		return fmt.Errorf("%s exists and is not a link", d.Path(rel))
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	tmp := fmt.Sprintf("%s.tmp%d", rel, os.Getpid())
	d.root.Remove(tmp) // a link there is removed, not followed
	if err := d.root.Symlink(target, tmp); err != nil {
		return err
	}
	if err := d.root.Rename(tmp, rel); err != nil {
		d.root.Remove(tmp)
		return err
	}
	return d.Sync(filepath.Dir(rel))
}

// Sync makes a create, rename or remove in the directory rel durable.
func (d *Dir) Sync(rel string) error {
	if err := d.NoLinks("sync", rel); err != nil {
		return err
	}
	f, err := d.root.Open(rel)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil && !errors.Is(err, unix.EINVAL) {
		return err
	}
	return nil
}

// FreeBytes is the room left on the directory's file system.
func (d *Dir) FreeBytes() (uint64, error) {
	f, err := d.root.Open(".")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var st unix.Statfs_t
	if err := unix.Fstatfs(int(f.Fd()), &st); err != nil {
		return 0, err
	}
	return uint64(st.Bavail) * uint64(st.Bsize), nil
}

func randomSuffix() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// WriteAtomic writes the file rel whole or not at all: through a new
// temporary file "."+name+".tmp*" beside it, synced, mode FileMode, then
// renamed over rel. A link at rel is replaced, never followed.
func (d *Dir) WriteAtomic(rel string, write func(io.Writer) error) (err error) {
	if fi, err := d.Lstat(rel); err == nil && fi.IsDir() {
		return &fs.PathError{Op: "write", Path: d.Path(rel), Err: syscall.EISDIR}
	}
	f, tmp, err := d.CreateTemp(filepath.Dir(rel), "."+filepath.Base(rel)+".tmp", "")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			d.Remove(tmp)
		}
	}()
	if err = write(f); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return d.Rename(tmp, rel)
}

// WriteFile writes the file at path atomically (Dir.WriteAtomic) in its
// directory, which is opened as a Dir.
func WriteFile(path string, write func(io.Writer) error) error {
	d, err := Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.WriteAtomic(filepath.Base(path), write)
}

// OpenDir opens the directory rel inside d as a Dir of its own, refusing a
// link at any component; the Dir it returns can never leave d, whatever is
// renamed or planted in d later.
func (d *Dir) OpenDir(rel string) (*Dir, error) {
	if err := d.NoLinks("open", rel); err != nil {
		return nil, err
	}
	r, err := d.root.OpenRoot(rel)
	if err != nil {
		return nil, err
	}
	return &Dir{root: r, name: d.Path(rel)}, nil
}

// OpenBeneath opens path, a directory inside base, as a Dir (OpenDir).
func OpenBeneath(base, path string) (*Dir, error) {
	rel, err := filepath.Rel(base, path)
	if err != nil || (rel != "." && !filepath.IsLocal(rel)) {
		return nil, fmt.Errorf("%s is not inside %s", path, base)
	}
	b, err := Open(base)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	d, err := b.OpenDir(rel)
	if err != nil {
		return nil, err
	}
	d.name = path
	return d, nil
}
