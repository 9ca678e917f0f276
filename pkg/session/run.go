package session

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/aihat/aihat/pkg/board"
	"github.com/aihat/aihat/pkg/bringup"
	"github.com/aihat/aihat/pkg/journal"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/rooted"
	"github.com/aihat/aihat/pkg/stage"
	"github.com/aihat/aihat/pkg/station"
)

// Step is the table's stage name as the one step of a run: its table entry
// point, or with, when not nil, the same stage given a command's options
// (power.RailsStage(o), thermal.SoakStage(o), i2c.ScanStage(o): each
// stage's one entry point, <Name>Stage(<Name>Options), whose zero or
// plan options are the table's). Every stage command runs its stage
// through this one shape.
func Step(name string, with stage.Func) []bringup.Step {
	st, ok := bringup.Lookup(name)
	if !ok {
		panic("session: stage " + name + " is not in bringup.Table") // a build error, caught by TestEveryStageCommandIsInTheTable
	}
	if with == nil {
		with = st.Run
	}
	return []bringup.Step{{Name: st.Name, Func: with}}
}

// RunStage runs the table's stage name (Step) as a run of one step on the
// session's board and plan.
func (s *Session) RunStage(ctx context.Context, name string, with stage.Func) error {
	env, err := s.Env()
	if err != nil {
		return err
	}
	return s.Run(ctx, env, Step(name, with))
}

// Run runs steps into one record, writes it as the options say, and
// returns an *ExitError carrying the run's exit code when it did not pass.
func (s *Session) Run(ctx context.Context, env *stage.Env, steps []bringup.Step) error {
	format, err := report.ParseFormat(s.opts.Output)
	if err != nil {
		return usageErrorf("-o: %v", err)
	}
	meta := bringup.Meta{
		ToolVersion: s.opts.ToolVersion,
		Serial:      s.opts.Serial,
		Station:     s.opts.Station,
		Operator:    s.opts.Operator,
		Observer:    s.observer(env),
	}
	if rs := s.resume; rs != nil {
		s.runDir, meta.ID, meta.Started = rs.dir, rs.head.ID, rs.head.Started
		if meta.Serial == "" {
			meta.Serial = rs.head.Serial
		}
	} else if s.opts.ReportDir != "" {
		// Before the run, not after: a station must not test a board for
		// an hour and then find it cannot keep the record.
		if err := s.claimRunDir(env, &meta); err != nil {
			return err
		}
	}
	env.ReportDir, env.ReportRoot = s.runDir, s.runRoot
	var jobs *journal.Observer
	if dir := s.runDir; dir != "" {
		// The journal keeps each step as it ends, so a run killed half
		// way leaves what it measured (aihat report render DIR).
		head := &report.Run{Schema: report.Schema, ToolVersion: meta.ToolVersion, Target: env.Board.Name(),
			Serial: meta.Serial, Station: meta.Station, Operator: meta.Operator, Started: env.Board.Clock().Now()}
		clocks := journal.Clocks{Wall: env.Board.Clock().Now, Mono: monotonic(env.Board), BootID: board.BootID(env.Board)}
		j, err := s.startJournal(clocks, head)
		if err != nil {
			return &ExitError{Code: report.ExitError, Err: fmt.Errorf("journal in %s: %w", dir, err)}
		}
		next := meta.Observer
		if next == nil {
			next = &report.Progress{W: env.Progress}
		}
		jobs = &journal.Observer{J: j, Next: next}
		meta.Observer = jobs
		env.Journal = j // long stages journal their samples as they go
	}
	r := bringup.Run(ctx, env, steps, meta)
	if jobs != nil {
		if err := journal.Finish(jobs.J, r); err != nil && jobs.Err == nil {
			jobs.Err = err
		}
		if jobs.Err != nil {
			fmt.Fprintf(s.io.ErrOut, "warning: the run's journal could not be kept: %v\n", jobs.Err)
		}
	}
	return s.Emit(r, format)
}

// Emit writes a finished run to stdout and the report directory and maps
// its outcome to the exit code.
func (s *Session) Emit(r *report.Run, format report.Format) error {
	if err := report.Write(s.io.Out, r, format, report.TableOptions{Color: s.io.Color, Width: s.io.Width}); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if dir := s.runDir; dir != "" {
		if err := s.writeDir(r); err != nil {
			return fmt.Errorf("write reports to %s: %w", dir, err)
		}
		fmt.Fprintf(s.io.PlainProgress(), "reports written to %s (%s)\n", dir, strings.Join(report.ReportFiles, ", "))
	}
	if code := report.ExitCode(r, s.opts.Strict); code != report.ExitPass {
		return &ExitError{Code: code}
	}
	return nil
}

// claimRunDir decides where the run's record goes and checks it can be
// kept there. Station layout (the default): DIR/<serial>/<run-id>/, a new
// directory per run, with DIR/latest pointing at it from the start (so a
// killed run's journal is found there). --report-dir-flat: DIR itself.
func (s *Session) claimRunDir(env *stage.Env, meta *bringup.Meta) error {
	dir := s.opts.ReportDir
	runDir := dir
	if !s.opts.ReportDirFlat {
		serial := meta.Serial
		if serial == "" {
			serial = s.boardSerial(env)
			meta.Serial = serial
		}
		var err error
		if runDir, meta.ID, err = report.ClaimRunDir(dir, serial, env.Board.Clock().Now()); err != nil {
			return &ExitError{Code: report.ExitError, Err: err}
		}
	}
	root, err := openRunDir(dir, runDir)
	if err != nil {
		return &ExitError{Code: report.ExitError, Err: err}
	}
	if err := report.PrepareDirAt(root); err != nil {
		root.Close()
		return &ExitError{Code: report.ExitError, Err: err}
	}
	if runDir != dir {
		if err := report.PointLatest(dir, runDir); err != nil {
			root.Close()
			return &ExitError{Code: report.ExitError, Err: err}
		}
	}
	if s.runRoot != nil {
		s.runRoot.Close()
	}
	s.runDir, s.runRoot = runDir, root
	return nil
}

// openRunDir holds the run's directory open from its claim to the end of
// the run (rooted): whatever is renamed or planted in a shared report
// directory meanwhile, the run's journal, attachments and report set go
// into the directory it claimed, or nowhere.
func openRunDir(dir, runDir string) (*rooted.Dir, error) {
	if runDir != dir {
		d, err := rooted.OpenBeneath(dir, runDir)
		if err != nil {
			return nil, fmt.Errorf("report directory %s: %w", dir, err)
		}
		return d, nil
	}
	if err := os.MkdirAll(dir, rooted.DirMode); err != nil {
		return nil, fmt.Errorf("report directory %s: %w", dir, err)
	}
	d, err := rooted.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("report directory %s: %w", dir, err)
	}
	return d, nil
}

// startJournal starts the run's journal in its directory, or resumes the
// journal of the run it resumes.
func (s *Session) startJournal(clocks journal.Clocks, head *report.Run) (*journal.Writer, error) {
	switch {
	case s.resume != nil:
		return journal.Resume(s.runDir, clocks, s.resume.record)
	case s.runRoot != nil:
		return journal.StartIn(s.runRoot, clocks, head)
	}
	return journal.Start(s.runDir, clocks, head)
}

// writeDir writes the run's report set into its directory.
func (s *Session) writeDir(r *report.Run) error {
	if s.runRoot != nil {
		return report.WriteDirAt(s.runRoot, r)
	}
	return report.WriteDir(s.runDir, r)
}

// boardSerial reads the board's serial from the station's serial source
// (the device tree's serial-number by default) on the board's own files;
// "" when the board does not have it, with a note saying so.
func (s *Session) boardSerial(env *stage.Env) string {
	src := station.DefaultSerialSource
	if ss := s.opts.SerialSource; ss != "" && strings.HasPrefix(ss, "/") {
		src = ss
	}
	b, err := fs.ReadFile(env.Board.FS(), strings.TrimPrefix(src, "/"))
	serial := strings.TrimSpace(strings.TrimRight(string(b), "\x00"))
	if err != nil || serial == "" {
		fmt.Fprintf(s.io.ErrOut, "note: no serial in %s (%v): records go under noserial/; give --serial\n", src, err)
		return ""
	}
	return serial
}

// recordOnly runs steps into a record kept in the report directory (when
// there is one) without printing it: for commands whose output is their
// own text, such as eeprom write, that change the board and so must leave
// a record.
func (s *Session) recordOnly(ctx context.Context, env *stage.Env, steps []bringup.Step) error {
	meta := bringup.Meta{ToolVersion: s.opts.ToolVersion, Serial: s.opts.Serial, Station: s.opts.Station,
		Operator: s.opts.Operator, Observer: s.observer(env)}
	if s.opts.ReportDir != "" {
		if err := s.claimRunDir(env, &meta); err != nil {
			return err
		}
	}
	r := bringup.Run(ctx, env, steps, meta)
	if dir := s.runDir; dir != "" {
		if err := s.writeDir(r); err != nil {
			return fmt.Errorf("write reports to %s: %w", dir, err)
		}
		fmt.Fprintf(s.io.ErrOut, "record written to %s (%s)\n", dir, strings.Join(report.ReportFiles, ", "))
	}
	return nil
}
