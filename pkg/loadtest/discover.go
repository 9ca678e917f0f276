package loadtest

import (
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"strings"
)

// knownServers are the comm names of the inference servers a load test
// watches for leaks, most specific first:
//   - hailo-ollama: Hailo's Ollama-compatible LLM server, how LLMs run on
//     the AI HAT+ 2 (what --runtime ollama talks to on a Pi);
//   - ollama: upstream Ollama (`ollama serve`), the same API on a CPU;
//   - hailortcli: HailoRT's CLI running a HEF in a loop, the issue's
//     other out-of-process workload.
//
// comm is the executable's name cut to 15 bytes (proc(5)); all three fit.
var knownServers = []string{"hailo-ollama", "ollama", "hailortcli"}

// server is a process found in the board's /proc.
type server struct {
	PID  int
	Comm string
}

// discoverServers lists the processes in the board's /proc whose comm is
// a known inference server, in knownServers' order, then by pid (a
// service's main process starts before the children it spawns).
func discoverServers(fsys fs.FS) ([]server, error) {
	ents, err := fs.ReadDir(fsys, "proc")
	if err != nil {
		return nil, fmt.Errorf("list /proc: %w", err)
	}
	rank := map[string]int{}
	for i, n := range knownServers {
		rank[n] = i
	}
	var found []server
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid <= 0 {
			continue // not a process directory (self, meminfo, ...)
		}
		b, err := fs.ReadFile(fsys, "proc/"+e.Name()+"/comm")
		if err != nil {
			continue // exited since the listing, or not ours to read
		}
		comm := strings.TrimSuffix(string(b), "\n")
		if _, ok := rank[comm]; ok {
			found = append(found, server{pid, comm})
		}
	}
	sort.Slice(found, func(i, j int) bool {
		if a, b := rank[found[i].Comm], rank[found[j].Comm]; a != b {
			return a < b
		}
		return found[i].PID < found[j].PID
	})
	return found, nil
}

// ownProcVisible reports whether the board's /proc is this machine's:
// its proc/self is this process (so aihat's own RSS can be watched there).
// A fixture tree or the sim has no proc/self, or another machine's.
func ownProcVisible(fsys fs.FS) bool {
	b, err := fs.ReadFile(fsys, "proc/self/stat")
	if err != nil {
		return false
	}
	f := strings.Fields(string(b))
	return len(f) > 0 && f[0] == strconv.Itoa(os.Getpid())
}

// watchedProcess picks the process whose RSS and open fds the run
// watches, and its series label: --server-pid when given ("server");
// else a known inference server in the board's /proc ("server"); else
// aihat's own ("aihat") when the board's /proc is this machine's, the
// load then running in process. pid 0: none. logf says which and why.
func watchedProcess(fsys fs.FS, pid int, logf func(string, ...any)) (int, string) {
	if pid > 0 {
		logf("watched process: %d (--server-pid)", pid)
		return pid, "server"
	}
	found, err := discoverServers(fsys)
	if err != nil {
		logf("no inference server looked for: %v", err)
	}
	if len(found) > 0 {
		var also []string
		for _, s := range found[1:] {
			also = append(also, fmt.Sprintf("%s %d", s.Comm, s.PID))
		}
		msg := fmt.Sprintf("watched process: %s %d, found in /proc (known servers: %s)", found[0].Comm, found[0].PID, strings.Join(knownServers, ", "))
		if len(also) > 0 {
			msg += "; also running, not watched: " + strings.Join(also, ", ") + " (--server-pid picks another)"
		}
		logf("%s", msg)
		return found[0].PID, "server"
	}
	if ownProcVisible(fsys) {
		logf("watched process: aihat's own (%d): no %s in /proc", os.Getpid(), strings.Join(knownServers, ", "))
		return os.Getpid(), "aihat"
	}
	logf("no process watched: no %s in the board's /proc, and it is not this machine's (give --server-pid)", strings.Join(knownServers, " or "))
	return 0, ""
}
