package telemetry

import (
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
)

// attr is a kernel attribute file kept open and re-read from offset 0 on
// every sample, as the kernel's sysfs allows: no path walk per sample.
// Files that cannot seek (a fixture's or the sim's) are reopened.
type attr struct {
	fsys fs.FS
	path string
	f    fs.File
	buf  [256]byte
}

func (a *attr) read() (string, error) {
	if a.f != nil {
		if s, ok := a.f.(io.Seeker); ok {
			if _, err := s.Seek(0, io.SeekStart); err == nil {
				n, err := a.f.Read(a.buf[:])
				if err == nil || err == io.EOF {
					return strings.TrimSpace(string(a.buf[:n])), nil
				}
			}
		}
		a.f.Close()
		a.f = nil
	}
	f, err := a.fsys.Open(a.path)
	if err != nil {
		return "", err
	}
	n, err := f.Read(a.buf[:])
	if err != nil && err != io.EOF {
		f.Close()
		return "", fmt.Errorf("%s: %w", a.path, err)
	}
	if _, ok := f.(io.Seeker); ok {
		a.f = f
	} else {
		f.Close()
	}
	return strings.TrimSpace(string(a.buf[:n])), nil
}

// number reads the attribute as a number divided by scale.
func (a *attr) number(scale float64) (float64, error) {
	s, err := a.read()
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %q is not a number", a.path, s)
	}
	return v / scale, nil
}

func (a *attr) close() {
	if a.f != nil {
		a.f.Close()
		a.f = nil
	}
}
