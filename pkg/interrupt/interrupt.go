// Package interrupt turns the signals an operator or a station's
// supervisor sends into what a bring-up tool must do with them. The first
// SIGINT, SIGTERM or SIGHUP cancels the run's context: stages stop at
// once, keep what they measured and the record is written. A second one
// ends the process at once, after running the cleanups that commands
// registered for that case (an EEPROM write asserts its WP line again).
package interrupt

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// Signals are the ones that stop a run: Ctrl-C, a supervisor's stop, and a
// closed terminal.
var Signals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// ExitForced is the exit code of a second interrupt: the run was aborted.
const ExitForced = 3

type handlerKey struct{}

// handler holds the cleanups to run before a forced exit.
type handler struct {
	mu       sync.Mutex
	next     int
	cleanups map[int]func()
}

// Notify returns a context cancelled by the first signal. A second signal
// runs the registered cleanups, says so on errOut and calls exit (os.Exit
// in main). stop releases the signals.
func Notify(parent context.Context, errOut io.Writer, exit func(int)) (ctx context.Context, stop func()) {
	h := &handler{cleanups: map[int]func(){}}
	ctx, cancel := context.WithCancel(context.WithValue(parent, handlerKey{}, h))
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, Signals...)
	done := make(chan struct{})
	go func() {
		count := 0
		for {
			select {
			case <-done:
				return
			case sig := <-ch:
				count++
				if count == 1 {
					fmt.Fprintf(errOut, "\naihat: %v: stopping, keeping what was measured (again to stop at once)\n", sig)
					cancel()
					continue
				}
				h.runCleanups()
				fmt.Fprintf(errOut, "aihat: %v again: stopped at once\n", sig)
				exit(ExitForced)
				return
			}
		}
	}()
	var once sync.Once
	return ctx, func() {
		once.Do(func() {
			signal.Stop(ch)
			close(done)
			cancel()
		})
	}
}

// OnForce registers fn to run if a second signal ends the process before
// release is called. Without a handler in ctx (tests, library use) it does
// nothing.
func OnForce(ctx context.Context, fn func()) (release func()) {
	h, _ := ctx.Value(handlerKey{}).(*handler)
	if h == nil {
		return func() {}
	}
	h.mu.Lock()
	id := h.next
	h.next++
	h.cleanups[id] = fn
	h.mu.Unlock()
	return func() {
		h.mu.Lock()
		delete(h.cleanups, id)
		h.mu.Unlock()
	}
}

func (h *handler) runCleanups() {
	h.mu.Lock()
	fns := make([]func(), 0, len(h.cleanups))
	for _, fn := range h.cleanups {
		fns = append(fns, fn)
	}
	h.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
}
