package sim

import (
	"fmt"
	"sync"

	"github.com/aihat/aihat/pkg/board"
)

// Line implements board.Board for the header chip. The EEPROM's WP pin is
// wired to State.EEPROMWPLine and pulled up: driving it low enables
// writes; releasing the line (Close) lets the pull-up protect the chip.
func (b *Board) Line(chip string, offset int) (board.Line, error) {
	if chip != "" && chip != board.HeaderChipLabel && chip != "gpiochip0" {
		return nil, fmt.Errorf("no GPIO chip labelled %q on the simulated Pi 5 (header chip: %s)", chip, board.HeaderChipLabel)
	}
	if offset < 0 || offset >= 54 {
		return nil, fmt.Errorf("%s has 54 lines; line %d does not exist", board.HeaderChipLabel, offset)
	}
	return &simLine{b: b, offset: offset}, nil
}

type simLine struct {
	b      *Board
	offset int
	mu     sync.Mutex
	driven bool
}

func (l *simLine) Set(v int) error {
	l.mu.Lock()
	l.driven = true
	l.mu.Unlock()
	l.b.setLine(l.offset, v, true)
	return nil
}

func (l *simLine) Get() (int, error) { return l.b.getLine(l.offset), nil }

func (l *simLine) Close() error {
	l.mu.Lock()
	driven := l.driven
	l.driven = false
	l.mu.Unlock()
	if driven {
		l.b.setLine(l.offset, 0, false)
	}
	return nil
}

// setLine drives (or releases) a header line and updates what it is wired to.
func (b *Board) setLine(offset, v int, drive bool) {
	b.mu.Lock()
	if drive {
		b.lines[offset] = v
	} else {
		delete(b.lines, offset)
	}
	wp := b.state.EEPROMWPLine
	b.mu.Unlock()
	if offset == wp {
		b.eeprom.SetWP(b.getLine(offset) != 0)
	}
}

// getLine reads a line: its driven value, else its pull (WP is pulled up,
// others pulled down).
func (b *Board) getLine(offset int) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if v, ok := b.lines[offset]; ok {
		return v
	}
	if offset == b.state.EEPROMWPLine {
		return 1
	}
	return 0
}
