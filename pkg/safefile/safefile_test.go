package safefile

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// hostileRoot lays out a board root the way a broken or hostile fixture
// would: the model property is a link to /dev/zero, config.txt is a FIFO.
func hostileRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{"proc/device-tree", "boot/firmware", "sys/class/thermal/thermal_zone0"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("/dev/zero", filepath.Join(root, "proc/device-tree/model")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(root, "boot/firmware/config.txt"), 0o644); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("9"), KernelAttrMax+1)
	if err := os.WriteFile(filepath.Join(root, "sys/class/thermal/thermal_zone0/temp"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "sys/class/thermal/thermal_zone0/type"), []byte("cpu-thermal\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

// within fails the test if f blocks: the defect was a hang until SIGKILL.
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { f(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s blocked", what)
	}
}

func TestBoardFileThatIsADeviceIsRefusedNotRead(t *testing.T) {
	fsys := FS(os.DirFS(hostileRoot(t)))
	var err error
	within(t, "reading a /dev/zero link", func() { _, err = fs.ReadFile(fsys, "proc/device-tree/model") })
	if !errors.Is(err, ErrNotRegular) {
		t.Fatalf("err = %v, want ErrNotRegular", err)
	}
	if want := "proc/device-tree/model"; !bytes.Contains([]byte(err.Error()), []byte(want)) {
		t.Errorf("error %q does not name %s", err, want)
	}
}

func TestBoardFileThatIsAFIFOIsRefusedWithoutBlocking(t *testing.T) {
	fsys := FS(os.DirFS(hostileRoot(t)))
	var err error
	within(t, "opening a FIFO config.txt", func() { _, err = fs.ReadFile(fsys, "boot/firmware/config.txt") })
	if !errors.Is(err, ErrNotRegular) || !bytes.Contains([]byte(err.Error()), []byte("FIFO")) {
		t.Fatalf("err = %v, want ErrNotRegular naming the FIFO", err)
	}
	within(t, "Open of a FIFO", func() { _, err = fsys.Open("boot/firmware/config.txt") })
	if !errors.Is(err, ErrNotRegular) {
		t.Fatalf("Open err = %v", err)
	}
}

func TestOversizedKernelAttributeIsAnErrorNamingTheFile(t *testing.T) {
	fsys := FS(os.DirFS(hostileRoot(t)))
	_, err := fs.ReadFile(fsys, "sys/class/thermal/thermal_zone0/temp")
	if !errors.Is(err, ErrTooLarge) || !bytes.Contains([]byte(err.Error()), []byte("thermal_zone0/temp")) {
		t.Fatalf("err = %v, want ErrTooLarge naming the file", err)
	}
	// Streaming through Open is capped the same way.
	f, err := fsys.Open("sys/class/thermal/thermal_zone0/temp")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.ReadAll(f); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("streamed read err = %v, want ErrTooLarge", err)
	}
	// Ordinary files, globs and directory listings still work.
	b, err := fs.ReadFile(fsys, "sys/class/thermal/thermal_zone0/type")
	if err != nil || string(b) != "cpu-thermal\n" {
		t.Fatalf("ordinary read: %q, %v", b, err)
	}
	m, err := fs.Glob(fsys, "sys/class/thermal/thermal_zone*/type")
	if err != nil || len(m) != 1 {
		t.Fatalf("glob: %v %v", m, err)
	}
}

func TestFileOfExactlyTheCapIsRead(t *testing.T) {
	root := t.TempDir()
	p := filepath.Join(root, "sys/bus/i2c/devices/0-0050")
	os.MkdirAll(p, 0o755)
	want := bytes.Repeat([]byte{0xff}, NVMemMax)
	os.WriteFile(filepath.Join(p, "eeprom"), want, 0o644)
	fsys := FS(os.DirFS(root))
	got, err := fs.ReadFile(fsys, "sys/bus/i2c/devices/0-0050/eeprom")
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("read %d bytes, %v", len(got), err)
	}
	f, _ := fsys.Open("sys/bus/i2c/devices/0-0050/eeprom")
	defer f.Close()
	if got, err := io.ReadAll(f); err != nil || len(got) != NVMemMax {
		t.Fatalf("streamed %d bytes, %v", len(got), err)
	}
}

func TestReadFileOfOperatorFiles(t *testing.T) {
	root := hostileRoot(t)
	var err error
	within(t, "ReadFile of a FIFO", func() { _, err = ReadFile(filepath.Join(root, "boot/firmware/config.txt"), DefaultMax) })
	if !errors.Is(err, ErrNotRegular) {
		t.Fatalf("FIFO: %v", err)
	}
	if _, err := ReadFile("/dev/zero", DefaultMax); !errors.Is(err, ErrNotRegular) {
		t.Fatalf("/dev/zero: %v", err)
	}
	if _, err := ReadFile(root, DefaultMax); err == nil {
		t.Fatal("a directory was read as a file")
	}
	p := filepath.Join(root, "sys/class/thermal/thermal_zone0/temp")
	if _, err := ReadFile(p, 10); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("cap: %v", err)
	}
}

// Open and Map, the paths for a journal and a model, refuse a FIFO and a
// device without blocking and name the file.
func TestOpenAndMapRefuseFIFOsAndDevicesAtOnce(t *testing.T) {
	root := hostileRoot(t)
	fifo := filepath.Join(root, "boot/firmware/config.txt")
	for _, name := range []string{fifo, "/dev/zero"} {
		var err error
		within(t, "Open "+name, func() { _, err = Open(name) })
		if !errors.Is(err, ErrNotRegular) || !bytes.Contains([]byte(err.Error()), []byte(name)) {
			t.Errorf("Open(%s) = %v, want ErrNotRegular naming it", name, err)
		}
		within(t, "Map "+name, func() { _, _, err = Map(name, ModelMax) })
		if !errors.Is(err, ErrNotRegular) {
			t.Errorf("Map(%s) = %v, want ErrNotRegular", name, err)
		}
	}
	if err := CheckDir(fifo); !errors.Is(err, ErrNotRegular) {
		t.Errorf("CheckDir(FIFO) = %v", err)
	}
	if err := CheckDir("/dev/zero"); !errors.Is(err, ErrNotRegular) {
		t.Errorf("CheckDir(/dev/zero) = %v", err)
	}
	if err := CheckDir(root); err != nil {
		t.Errorf("CheckDir(dir) = %v", err)
	}
}

// A regular file over its kind's cap is refused from its size, before a
// byte is read; Map gives a file's bytes without copying them.
func TestOversizeIsRefusedBeforeReadingAndMapReadsTheFile(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, 100), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(big, 99); !errors.Is(err, ErrTooLarge) || !bytes.Contains([]byte(err.Error()), []byte("100 bytes")) {
		t.Errorf("ReadFile over cap = %v", err)
	}
	if _, _, err := Map(big, 99); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Map over cap = %v", err)
	}
	b, unmap, err := Map(big, 100)
	if err != nil || len(b) != 100 {
		t.Fatalf("Map = %d bytes, %v", len(b), err)
	}
	unmap()
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o644)
	if b, unmap, err := Map(empty, 100); err != nil || len(b) != 0 {
		t.Fatalf("Map(empty) = %d bytes, %v", len(b), err)
	} else {
		unmap()
	}
}

// A file the user may not read names the path, the permission and the way
// past it. As root (these tests' usual container) permission bits do not
// apply, so the case is skipped there.
func TestUnreadableFileNamesThePermission(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads a mode-000 file: permission checks do not apply")
	}
	name := filepath.Join(t.TempDir(), "x.eep")
	if err := os.WriteFile(name, []byte("x"), 0o000); err != nil {
		t.Fatal(err)
	}
	_, err := ReadFile(name, DefaultMax)
	if !errors.Is(err, fs.ErrPermission) || !bytes.Contains([]byte(err.Error()), []byte(name)) || !bytes.Contains([]byte(err.Error()), []byte("sudo")) {
		t.Fatalf("err = %v", err)
	}
}
