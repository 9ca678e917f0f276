package metrics

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// TextfileEvery is the least real time between two writes of the textfile.
// node_exporter reads the file when Prometheus scrapes it (every 15 s or
// more), so a write a second is fresh enough and, on an SD card, cheap; on
// the sim, thousands of sweeps a second would otherwise be as many writes.
const TextfileEvery = time.Second

// Textfile keeps a file for node_exporter's textfile collector up to date.
type Textfile struct {
	path    string
	g       prometheus.Gatherer
	changed func() bool
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
	err     error
}

// AihatOnly is g without the families node_exporter has itself. In a
// textfile they would be collected twice with the same labels (node_*
// from node_exporter's own hwmon, thermal_zone and meminfo collectors,
// process_* and go_* describing node_exporter), which node_exporter
// reports as an error; the aihat_* families are what it lacks.
func AihatOnly(g prometheus.Gatherer) prometheus.Gatherer {
	return prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
		mfs, err := g.Gather()
		out := mfs[:0]
		for _, mf := range mfs {
			if strings.HasPrefix(mf.GetName(), "aihat_") {
				out = append(out, mf)
			}
		}
		return out, err
	})
}

// CheckTextfilePath says what is wrong with a --metrics-textfile path
// before a run starts: node_exporter reads only *.prom files, and the
// file is renamed into place, so its directory must exist.
func CheckTextfilePath(path string) error {
	if filepath.Ext(path) != ".prom" {
		return fmt.Errorf("metrics textfile %s: node_exporter's textfile collector reads only files ending in .prom (e.g. /var/lib/prometheus/node-exporter/aihat.prom)", path)
	}
	return nil
}

// StartTextfile writes g's aihat_* families to path now (so a path that
// cannot be written is an error before the run), then whenever changed
// says something changed, at most once every TextfileEvery, until Close.
// Each write is atomic: a temporary file in the same directory renamed
// over path (prometheus.WriteToTextfile), so node_exporter never reads a
// half-written file.
func StartTextfile(path string, g prometheus.Gatherer, changed func() bool) (*Textfile, error) {
	t := &Textfile{path: path, g: AihatOnly(g), changed: changed, stop: make(chan struct{}), done: make(chan struct{})}
	if err := t.write(); err != nil {
		return nil, err
	}
	go t.loop()
	return t, nil
}

func (t *Textfile) write() error {
	if err := prometheus.WriteToTextfile(t.path, t.g); err != nil {
		return fmt.Errorf("metrics textfile %s: %w", t.path, err)
	}
	return nil
}

func (t *Textfile) loop() {
	defer close(t.done)
	tick := time.NewTicker(TextfileEvery)
	defer tick.Stop()
	for {
		select {
		case <-t.stop:
			return
		case <-tick.C:
			if t.changed() {
				if err := t.write(); err != nil && t.err == nil {
					t.err = err // kept for Close; the run goes on
				}
			}
		}
	}
}

// Close stops the periodic writes and writes the final state. It returns
// the first error of any write.
func (t *Textfile) Close() error {
	t.once.Do(func() {
		close(t.stop)
		<-t.done
		if err := t.write(); err != nil && t.err == nil {
			t.err = err
		}
	})
	return t.err
}
