package session

import (
	"context"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/aihat/aihat/pkg/bringup"
	"github.com/aihat/aihat/pkg/eeprom"
	"github.com/aihat/aihat/pkg/safefile"
)

// WriteEEPROM programs the HAT EEPROM as o says, its own text on stdout.
// The write changes the board, so it leaves a record like a stage: what
// was written and what the read-back showed (eeprom.write), kept in the
// report directory with --report-dir. The error is the write's own (an
// *eeprom.WriteError, whose kind is the exit code), or why the session
// could not run it.
func (s *Session) WriteEEPROM(ctx context.Context, o eeprom.WriteOptions) error {
	env, err := s.Env()
	if err != nil {
		return err
	}
	var werr error
	o.Out, o.Result = s.io.Out, &werr
	steps := []bringup.Step{{Name: "eeprom.write", Func: eeprom.WriteStage(o)}}
	if err := s.recordOnly(ctx, env, steps); err != nil {
		return err
	}
	return werr
}

// EEPROMSource chooses where an image is read from: one of File, NVMem
// (under the board's root) or Bus/Addr; none is the plan's source.
type EEPROMSource struct {
	File  string
	NVMem string
	Bus   int // -1: the plan's
	Addr  string
}

// ParseAddr is a 7-bit I2C address as --addr gives it; "" is def.
func ParseAddr(s string, def uint16) (uint16, error) {
	if s == "" {
		return def, nil
	}
	v, err := strconv.ParseUint(s, 0, 16)
	if err != nil || v < 0x03 || v > 0x77 {
		return 0, usageErrorf("--addr %q: want a 7-bit I2C address 0x03-0x77", s)
	}
	return uint16(v), nil
}

// ReadEEPROM reads the HAT EEPROM image o names: a file, the board's
// nvmem file, the chip at a bus and address, or by default the plan's.
func (s *Session) ReadEEPROM(ctx context.Context, o EEPROMSource) (eeprom.Source, error) {
	n := 0
	for _, set := range []bool{o.File != "", o.NVMem != "", o.Bus >= 0 || o.Addr != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		return eeprom.Source{}, usageErrorf("--file, --nvmem and --bus/--addr name different sources: give one")
	}
	if o.File != "" {
		b, err := safefile.ReadFile(o.File, safefile.NVMemMax)
		if err != nil {
			return eeprom.Source{}, FileOrUsageErrorf(err, "--file: %v", err)
		}
		return eeprom.Source{Name: o.File, Data: b}, nil
	}
	p, err := s.Plan()
	if err != nil {
		return eeprom.Source{}, err
	}
	b, err := s.Board()
	if err != nil {
		return eeprom.Source{}, err
	}
	if o.NVMem != "" {
		data, err := fs.ReadFile(b.FS(), strings.TrimPrefix(o.NVMem, "/"))
		if err != nil {
			return eeprom.Source{}, fmt.Errorf("read %s: %w (is the at24 driver bound to the HAT EEPROM?)", o.NVMem, err)
		}
		return eeprom.Source{Name: o.NVMem, Data: data}, nil
	}
	if o.Bus >= 0 || o.Addr != "" {
		bus := p.HAT.Bus
		if o.Bus >= 0 {
			bus = o.Bus
		}
		addr, err := ParseAddr(o.Addr, p.HAT.Addr)
		if err != nil {
			return eeprom.Source{}, err
		}
		return eeprom.ReadBus(ctx, b, bus, addr)
	}
	return eeprom.ReadBoard(ctx, b, p.HAT)
}
