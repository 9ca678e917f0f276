// Package journal keeps a run's progress on disk as it goes, so a run
// that is killed, loses power or crashes leaves what it measured behind:
// journal.jsonl in the report directory, one record per line, appended.
//
// Each line is "<crc32c hex> <json>\n". The CRC (Castagnoli) covers the
// JSON bytes, so a line torn by a power loss, or bytes an SD card lost,
// are recognised and skipped on reading instead of being taken as data.
// Each record is handed to the kernel as Append returns, so a process
// killed (SIGKILL, the OOM killer, a panic) loses nothing it journalled;
// lines are fsync'd in batches, at most once per SyncEvery (1 s by
// default), so a 1 Hz sampler does not wear an SD card with an fsync per
// sample: a power loss loses at most one batch.
//
// Every record carries wall time, the kernel's monotonic time and boot_id:
// a Pi without an RTC battery jumps its wall clock after a power loss, and
// a changed boot_id tells a reboot from a process restart.
package journal

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/aihat/aihat/pkg/rooted"
	"github.com/aihat/aihat/pkg/safefile"
	"golang.org/x/sys/unix"
)

// FileName is the journal's name inside a report directory.
const FileName = "journal.jsonl"

// Record kinds.
const (
	KindRun    = "run"    // the run's identity (Data: report.Run without steps)
	KindBegin  = "begin"  // a step started (Data: {"name": ...})
	KindStep   = "step"   // a step finished (Data: report.Step)
	KindSweep  = "sweep"  // one sampler sweep (Data: map series → value)
	KindEvent  = "event"  // something happened (Data: an event)
	KindEnd    = "end"    // the run finished (Data: {"outcome": ...})
	KindResume = "resume" // a process took the run up again after a gap
)

// Record is one journal line.
type Record struct {
	Kind string          `json:"k"`
	Wall time.Time       `json:"w"`
	Mono time.Duration   `json:"m"` // kernel monotonic time (board clock on the sim)
	Boot string          `json:"b,omitempty"`
	Data json.RawMessage `json:"d,omitempty"`
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Clocks say what time it is on the board: wall, monotonic and boot id.
type Clocks struct {
	Wall   func() time.Time
	Mono   func() time.Duration
	BootID string
}

// Writer appends records to a journal file.
type Writer struct {
	mu        sync.Mutex
	f         *os.File
	w         *bufio.Writer
	clocks    Clocks
	SyncEvery time.Duration
	lastSync  time.Time
	syncs     int // fsyncs so far (tests check they are batched)
	err       error
	line      []byte // reused between appends
}

// Create opens path for appending (creating it, mode 0644), so a resumed
// run goes on in the same journal. A symbolic link at path is refused
// (rooted.ErrLink): the report directory may be shared, and aihat runs as
// root.
func Create(path string, c Clocks) (*Writer, error) {
	d, err := rooted.Open(filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	defer d.Close()
	return create(d, filepath.Base(path), c)
}

func create(d *rooted.Dir, name string, c Clocks) (*Writer, error) {
	path := d.Path(name)
	f, err := d.OpenAppend(name, rooted.FileMode)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	// One writer per journal: a second aihat resuming a run that is still
	// going (systemd's restart and a hand-typed --resume) would interleave
	// two runs' records. The kernel drops the lock when the process dies,
	// however it dies, so a killed run's journal is free at once.
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("journal %s is being written by another aihat process (a run still going: aihat loadtest status %s)", path, filepath.Dir(path))
		}
		return nil, fmt.Errorf("journal %s: lock: %w", path, err)
	}
	if c.Wall == nil {
		c.Wall = time.Now
	}
	if c.Mono == nil {
		start := time.Now()
		c.Mono = func() time.Duration { return time.Since(start) }
	}
	return &Writer{f: f, w: bufio.NewWriterSize(f, 64<<10), clocks: c, SyncEvery: time.Second, lastSync: time.Now()}, nil
}

// Append writes one record; data is marshalled to JSON. The first error
// sticks and is returned by every later call and by Close: a journal that
// cannot be written must not pretend.
func (j *Writer) Append(kind string, data any) error {
	var raw []byte
	var err error
	if m, ok := data.(json.Marshaler); ok {
		raw, err = m.MarshalJSON() // our own encoders: no second pass to validate
	} else {
		raw, err = json.Marshal(data)
	}
	if err != nil {
		return fmt.Errorf("journal %s record: %w", kind, err)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return j.err
	}
	// The line is Record's JSON, assembled by hand: marshalling Record
	// would validate and re-compact data, a third of a 1 Hz sampler's cost.
	line := j.line[:0]
	line = append(line, `{"k":`...)
	line = strconv.AppendQuote(line, kind)
	line = append(line, `,"w":"`...)
	line = j.clocks.Wall().AppendFormat(line, time.RFC3339Nano)
	line = append(line, `","m":`...)
	line = strconv.AppendInt(line, int64(j.clocks.Mono()), 10)
	if j.clocks.BootID != "" {
		line = append(line, `,"b":`...)
		line = strconv.AppendQuote(line, j.clocks.BootID)
	}
	line = append(line, `,"d":`...)
	line = append(line, raw...)
	line = append(line, '}')
	j.line = line
	var crc [8]byte
	hex.Encode(crc[:], be32(crc32.Checksum(line, castagnoli)))
	j.w.Write(crc[:])
	j.w.WriteByte(' ')
	j.w.Write(line)
	j.w.WriteByte('\n')
	// Into the page cache now: one write(2) per record, a few µs, so a
	// kill loses no record (the buffer still joins a record's pieces).
	if err := j.w.Flush(); err != nil {
		j.err = fmt.Errorf("journal %s: %w", j.f.Name(), err)
		return j.err
	}
	if time.Since(j.lastSync) >= j.SyncEvery {
		return j.syncLocked()
	}
	return nil
}

// Sync writes and syncs what is buffered now (at a step's end, say).
func (j *Writer) Sync() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.syncLocked()
}

func (j *Writer) syncLocked() error {
	if j.err != nil {
		return j.err
	}
	if err := j.w.Flush(); err != nil {
		j.err = fmt.Errorf("journal %s: %w", j.f.Name(), err)
		return j.err
	}
	if err := j.f.Sync(); err != nil {
		j.err = fmt.Errorf("journal %s: sync: %w", j.f.Name(), err)
		return j.err
	}
	j.lastSync = time.Now()
	j.syncs++
	return nil
}

// Close syncs and closes the journal.
func (j *Writer) Close() error {
	err := j.Sync()
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	return err
}

func be32(v uint32) []byte { return []byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)} }

// ReadStats says what reading a journal skipped.
type ReadStats struct {
	Lines   int // lines read
	Bad     int // lines whose CRC or JSON did not hold (skipped)
	Torn    bool
	LastBad string // the last bad line's reason, for messages
}

// Read returns the journal's good records in order. A torn last line (a
// write cut off by a crash or power loss) and lines whose CRC does not
// hold are skipped and counted, never taken as data.
func Read(r io.Reader) ([]Record, ReadStats, error) {
	var recs []Record
	st, err := Scan(r, func(rec Record) error {
		recs = append(recs, rec)
		return nil
	})
	return recs, st, err
}

// Scan calls fn with each good record in order, as Read keeps them,
// without holding the journal in memory (a day at 1 Hz is 130 MB); an
// error from fn stops the scan and is returned.
func Scan(r io.Reader, fn func(Record) error) (ReadStats, error) {
	var st ReadStats
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			st.Lines++
			complete := line[len(line)-1] == '\n'
			rec, perr := parseLine(bytes.TrimRight(line, "\n"))
			switch {
			case perr == nil:
				if ferr := fn(rec); ferr != nil {
					return st, ferr
				}
			case !complete && errors.Is(err, io.EOF):
				st.Torn = true
			default:
				st.Bad++
				st.LastBad = fmt.Sprintf("line %d: %v", st.Lines, perr)
			}
		}
		if errors.Is(err, io.EOF) {
			return st, nil
		}
		if err != nil {
			return st, err
		}
	}
}

// ScanFile scans a journal file.
func ScanFile(path string, fn func(Record) error) (ReadStats, error) {
	f, err := safefile.OpenOwn(path) // a FIFO, device or planted link is refused, never waited on or followed
	if err != nil {
		return ReadStats{}, err
	}
	defer f.Close()
	return Scan(f, fn)
}

// Held reports whether a live process is writing the journal at path
// (it holds the journal's lock): a run still going, not one killed.
func Held(path string) (bool, error) {
	f, err := safefile.OpenOwn(path) // a FIFO, device or planted link is refused, never waited on or followed
	if err != nil {
		return false, err
	}
	defer f.Close()
	err = unix.Flock(int(f.Fd()), unix.LOCK_SH|unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return false, unix.Flock(int(f.Fd()), unix.LOCK_UN)
}

// ReadFile reads a journal file.
func ReadFile(path string) ([]Record, ReadStats, error) {
	f, err := safefile.OpenOwn(path) // a FIFO, device or planted link is refused, never waited on or followed
	if err != nil {
		return nil, ReadStats{}, err
	}
	defer f.Close()
	return Read(f)
}

func parseLine(line []byte) (Record, error) {
	var rec Record
	if len(line) < 10 || line[8] != ' ' {
		return rec, errors.New("not a journal line")
	}
	var sum [4]byte
	if _, err := hex.Decode(sum[:], line[:8]); err != nil {
		return rec, errors.New("bad CRC field")
	}
	body := line[9:]
	want := uint32(sum[0])<<24 | uint32(sum[1])<<16 | uint32(sum[2])<<8 | uint32(sum[3])
	if crc32.Checksum(body, castagnoli) != want {
		return rec, errors.New("CRC mismatch")
	}
	if err := json.Unmarshal(body, &rec); err != nil {
		return rec, err
	}
	return rec, nil
}
