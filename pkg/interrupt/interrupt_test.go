package interrupt

import (
	"bytes"
	"context"
	"sync"
	"syscall"
	"testing"
	"time"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func TestFirstSignalCancelsSecondRunsCleanupsAndExits(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			var errOut syncBuf
			exited := make(chan int, 1)
			ctx, stop := Notify(context.Background(), &errOut, func(code int) { exited <- code })
			defer stop()
			restored := make(chan struct{}, 1)
			release := OnForce(ctx, func() { restored <- struct{}{} })
			defer release()
			dropped := OnForce(ctx, func() { t.Error("a released cleanup ran") })
			dropped()

			syscall.Kill(syscall.Getpid(), sig)
			select {
			case <-ctx.Done():
			case <-time.After(5 * time.Second):
				t.Fatal("first signal did not cancel the context")
			}
			select {
			case code := <-exited:
				t.Fatalf("first signal exited (%d)", code)
			default:
			}
			syscall.Kill(syscall.Getpid(), sig)
			select {
			case code := <-exited:
				if code != ExitForced {
					t.Errorf("exit code %d, want %d", code, ExitForced)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("second signal did not end the process")
			}
			select {
			case <-restored:
			default:
				t.Error("cleanup did not run before the forced exit")
			}
		})
	}
}

func TestOnForceWithoutAHandlerIsHarmless(t *testing.T) {
	OnForce(context.Background(), func() { t.Error("ran") })()
}
