package sim

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io/fs"
	"strconv"
	"syscall"
	"time"
)

// The load test's faults (issue 16): what only hours of inference show.
// Each onset is counted from power-on and lies after the plan's 1 h
// warm-up and well inside its 24 h run; tests move them into a short
// virtual run through State().Loadtest.
func loadtestFaults() []Fault {
	return []Fault{
		{
			Name: "npu-mem-leak",
			Breaks: "the inference server (hailo-ollama) leaks 24 MiB of resident memory an hour from its start: /proc/<pid>/status VmRSS climbs, " +
				"576 MiB over a day (loadtest server.rss_slope, limit 1 MiB/h)",
			Apply: func(b *Board) { b.state.Loadtest.ServerLeakPerHour = DefaultLeakPerHour },
		},
		{
			Name: "driver-reset",
			Breaks: "5 h after power-on the NPU's driver resets: /dev/hailo0 is gone for 20 min, then back; the load's inferences fail meanwhile " +
				"(loadtest npu_outage and workload_errors, limit 0)",
			Apply: func(b *Board) {
				b.state.Loadtest.NodeGoneAt, b.state.Loadtest.NodeGoneFor = DefaultNodeGoneAt, DefaultNodeGoneFor
			},
		},
		{
			Name: "late-undervoltage",
			Breaks: "from 6 h after power-on the supply browns out for 4 s about every 20 min (0.6 V down, below the 4.63 V trip): " +
				"get_throttled bit 0 and the rpi_volt alarm set during each (loadtest undervoltage_episodes, limit 0)",
			Apply: func(b *Board) {
				lt := &b.state.Loadtest
				lt.BrownoutOnset, lt.BrownoutEvery, lt.BrownoutFor, lt.BrownoutSagV = DefaultBrownoutOnset, DefaultBrownoutEvery, DefaultBrownoutFor, 0.6
			},
		},
	}
}

// The catalogue's figures, and why.
const (
	// DefaultLeakPerHour: 24 MiB/h is 24 times the plan's 1 MiB/h limit,
	// so a few windows after the warm-up show it whatever the noise, and
	// 576 MiB over a day: the size of leak that takes an 8 GB Pi 5 running
	// a desktop and the server into swap within a few days. (A leak of a
	// ~40 KiB per-request buffer at a request every 6 s.)
	DefaultLeakPerHour = 24 << 20
	// DefaultNodeGoneAt: 5 h, past the warm-up and far past anything a
	// bring-up (minutes) or a thermal soak (under an hour) would run.
	DefaultNodeGoneAt = 5 * time.Hour
	// DefaultNodeGoneFor: 20 min, two health-check intervals, as a
	// driver reset followed by a slow firmware reload and a service
	// restart would take; sampling sees it start and end to the second.
	DefaultNodeGoneFor = 20 * time.Minute
	// Brown-outs from 6 h (a supply or connector that degrades once warm
	// after hours of ~15 W), 4 s each (shorter than a health check would
	// ever see live; a 1 s sampler sees each on ~4 sweeps), about every
	// 20 min (quarter-period jitter).
	DefaultBrownoutOnset = 6 * time.Hour
	DefaultBrownoutEvery = 20 * time.Minute
	DefaultBrownoutFor   = 4 * time.Second
)

// ServerPID is the simulated inference server's process id, and
// ServerComm its name (comm): hailo-ollama, the LLM server of an AI HAT+ 2
// setup, started by its service early in boot.
const (
	ServerPID  = 812
	ServerComm = "hailo-ollama"
)

// serverBaseRSS is the server's resident set in kB without a leak: a
// model figure (the LLM's weights live in the Hailo-10H's own 8 GB, not in
// the host process), not a measured one.
const serverBaseRSS = 196608

// npuGone reports whether the NPU's driver is in its reset at t: the
// device node is gone and the NPU does no work.
func (m *model) npuGone(t time.Time) bool {
	f := m.st.Loadtest
	if f.NodeGoneFor <= 0 {
		return false
	}
	d := t.Sub(m.start)
	return d >= f.NodeGoneAt && d < f.NodeGoneAt+f.NodeGoneFor
}

// inBrownout reports whether the supply is in a brown-out at t. Episode k
// starts at onset + k·every + jitter_k, jitter_k seeded in [0, every/4).
func (m *model) inBrownout(t time.Time) bool {
	f := m.st.Loadtest
	if f.BrownoutFor <= 0 || f.BrownoutEvery <= 0 {
		return false
	}
	d := t.Sub(m.start) - f.BrownoutOnset
	if d < 0 {
		return false
	}
	k := int64(d / f.BrownoutEvery)
	for _, i := range []int64{k - 1, k} {
		if i < 0 {
			continue
		}
		s := time.Duration(i)*f.BrownoutEvery + time.Duration(m.hash01("brownout", i)*float64(f.BrownoutEvery/4))
		if d >= s && d < s+f.BrownoutFor {
			return true
		}
	}
	return false
}

// hash01 is a seeded value in [0, 1) for a channel and an index.
func (m *model) hash01(channel string, i int64) float64 {
	h := fnv.New64a()
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], uint64(m.seed))
	binary.LittleEndian.PutUint64(b[8:], uint64(i))
	h.Write(b[:])
	h.Write([]byte(channel))
	return float64(h.Sum64()>>11) / (1 << 53)
}

// serverRSSkB is the server's VmRSS at t in kB: flat with ±128 kB of
// allocator noise, plus the leak from its onset.
func (m *model) serverRSSkB(t time.Time) int64 {
	f := m.st.Loadtest
	kb := float64(serverBaseRSS) + 128*m.noise("server_rss", t)
	if h := (t.Sub(m.start) - f.LeakOnset).Hours(); f.ServerLeakPerHour > 0 && h > 0 {
		kb += f.ServerLeakPerHour * h / 1024
	}
	return int64(kb) &^ 3 // whole 4 kB pages
}

// serverHWMkB is VmHWM, the peak resident set so far: the noise's top
// over the base and the leak up to t.
func (m *model) serverHWMkB(t time.Time) int64 {
	f := m.st.Loadtest
	kb := float64(serverBaseRSS + 128)
	if h := (t.Sub(m.start) - f.LeakOnset).Hours(); f.ServerLeakPerHour > 0 && h > 0 {
		kb += f.ServerLeakPerHour * h / 1024
	}
	return int64(kb) &^ 3
}

// serverFDs are the server's open files as /proc/<pid>/fd shows them:
// fd number → link target (stdin on /dev/null, journald's socket for
// stdout and stderr, the NPU's device node, an epoll, its listening
// socket on :8000 and one client connection).
var serverFDs = map[int]string{0: "/dev/null", 1: "socket:[4521]", 2: "socket:[4521]", 3: "/dev/hailo0",
	4: "anon_inode:[eventpoll]", 5: "anon_inode:[eventfd]", 6: "socket:[5310]", 7: "socket:[18844]"}

// procFiles adds the inference server's /proc/<pid> files (formats of
// proc(5): comm one line, cmdline NUL-separated, status "Key:\tvalue"
// with sizes in kB right-aligned to 8 columns as the kernel's
// seq_put_decimal_ull_width writes them, fd/ one link per open file).
func (b *Board) procFiles(files map[string]entry) {
	dir := fmt.Sprintf("proc/%d/", ServerPID)
	files[dir+"comm"] = entry{mode: 0o644, content: func() []byte { return []byte(ServerComm + "\n") }}
	files[dir+"cmdline"] = entry{mode: 0o444, content: func() []byte { return []byte("/usr/bin/" + ServerComm + "\x00") }}
	files[dir+"status"] = entry{mode: 0o444, content: func() []byte {
		now := b.clk.Now()
		return serverStatus(b.model.serverRSSkB(now), b.model.serverHWMkB(now))
	}}
	for fd, target := range serverFDs {
		target := target
		files[fmt.Sprintf("%sfd/%d", dir, fd)] = entry{mode: fs.ModeSymlink | 0o700, content: func() []byte { return []byte(target) },
			sys: &syscall.Stat_t{Mode: syscall.S_IFLNK | 0o700}}
	}
}

// statusHead and statusTail are the lines of the server's status that do
// not change, rendered once: a 1 Hz sampler reads the file 86 400 times
// a day.
var (
	statusHead = fmt.Sprintf("Name:\t%s\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t1\nTracerPid:\t0\n"+
		"Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t64\nGroups:\t \nNStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n",
		ServerComm, ServerPID, ServerPID, ServerPID, ServerPID, ServerPID, ServerPID)
	statusTail = "CoreDumping:\t0\nTHP_enabled:\t1\nThreads:\t14\nSigQ:\t0/31601\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\n" +
		"voluntary_ctxt_switches:\t1532\nnonvoluntary_ctxt_switches:\t87\n"
)

// serverStatus renders /proc/<pid>/status with sizes in kB as the kernel
// writes them: "Key:\t", the number right-aligned in 8 columns, " kB".
func serverStatus(rssKB, hwmKB int64) []byte {
	b := make([]byte, 0, 1024)
	b = append(b, statusHead...)
	kb := func(k string, v int64) {
		b = append(b, k...)
		b = append(b, ':', '\t')
		n := strconv.AppendInt(nil, v, 10)
		for i := len(n); i < 8; i++ {
			b = append(b, ' ')
		}
		b = append(b, n...)
		b = append(b, " kB\n"...)
	}
	anon := rssKB - 24576
	kb("VmPeak", rssKB+1835008)
	kb("VmSize", rssKB+1835008)
	kb("VmLck", 0)
	kb("VmPin", 0)
	kb("VmHWM", hwmKB)
	kb("VmRSS", rssKB)
	kb("RssAnon", anon)
	kb("RssFile", 24576)
	kb("RssShmem", 0)
	kb("VmData", anon+65536)
	kb("VmStk", 132)
	kb("VmExe", 9216)
	kb("VmLib", 11264)
	kb("VmPTE", 512)
	kb("VmSwap", 0)
	kb("HugetlbPages", 0)
	return append(b, statusTail...)
}
