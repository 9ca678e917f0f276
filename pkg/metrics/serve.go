package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Server serves a registry on /metrics.
type Server struct {
	srv  *http.Server
	addr string
	done chan error
}

// Serve listens on addr now, so a port in use is an error before the run
// starts, and serves g on /metrics until Close. Port 0 picks a free port:
// Addr says which.
func Serve(addr string, g prometheus.Gatherer) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	// ContinueOnError: a collector that fails (the process collector
	// without /proc) costs its own metrics, not the whole scrape.
	mux.Handle("/metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	s := &Server{
		srv:  &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second},
		addr: ln.Addr().String(),
		done: make(chan error, 1),
	}
	go func() {
		err := s.srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
	}()
	return s, nil
}

// Addr is the address the server listens on (the port chosen for :0).
func (s *Server) Addr() string { return s.addr }

// URL is the metrics page's address.
func (s *Server) URL() string { return "http://" + s.addr + "/metrics" }

// Close stops listening and waits up to 5 s for scrapes in flight: a
// Prometheus scrape of this registry takes milliseconds.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if serr := <-s.done; err == nil {
		err = serr
	}
	return err
}
