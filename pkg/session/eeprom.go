package session

import (
	"context"

	"github.com/aihat/aihat/pkg/bringup"
	"github.com/aihat/aihat/pkg/eeprom"
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
	steps := []bringup.Step{{Name: "eeprom.write", Func: eeprom.WriteStage(o, s.io.Out, &werr)}}
	if err := s.recordOnly(ctx, env, steps); err != nil {
		return err
	}
	return werr
}
