package report

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aihat/aihat/pkg/rooted"
)

// outsideCanary is a directory outside every report directory holding one
// file; untouched fails the test when anything in it was written, renamed
// or deleted.
func outsideCanary(t *testing.T) string {
	t.Helper()
	out := t.TempDir()
	if err := os.WriteFile(filepath.Join(out, "canary"), []byte("canary\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

func untouched(t *testing.T, out string) {
	t.Helper()
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "canary" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("outside the report directory: %v, want only canary", names)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "canary")); string(b) != "canary\n" {
		t.Fatalf("canary now holds %q", b)
	}
}

func wantLinkError(t *testing.T, err error, link string) {
	t.Helper()
	if !errors.Is(err, rooted.ErrLink) || !strings.Contains(err.Error(), link) {
		t.Fatalf("err = %v, want a refusal naming the link %s", err, link)
	}
}

// A link at DIR/.aihat or DIR/.aihat/sets would have had cleanSets delete
// the link target's contents.
func TestPlantedAihatLinksAreRefusedAndNothingOutsideIsDeleted(t *testing.T) {
	for _, at := range []string{".aihat", ".aihat/sets"} {
		t.Run(at, func(t *testing.T) {
			dir, out := t.TempDir(), outsideCanary(t)
			os.MkdirAll(filepath.Join(dir, filepath.Dir(at)), 0o755)
			if err := os.Symlink(out, filepath.Join(dir, at)); err != nil {
				t.Fatal(err)
			}
			wantLinkError(t, PrepareDir(dir), filepath.Join(dir, at))
			wantLinkError(t, WriteDir(dir, sampleRun()), filepath.Join(dir, at))
			untouched(t, out)
		})
	}
}

// A link at DIR/<serial> would have put the run's directory, and its
// records, outside DIR.
func TestPlantedSerialLinkIsRefused(t *testing.T) {
	dir, out := t.TempDir(), outsideCanary(t)
	if err := os.Symlink(out, filepath.Join(dir, "SN1")); err != nil {
		t.Fatal(err)
	}
	_, _, err := ClaimRunDir(dir, "SN1", time.Unix(0, 0))
	wantLinkError(t, err, filepath.Join(dir, "SN1"))
	untouched(t, out)
}

// DIR/latest is aihat's own link: one pointing outside is replaced, not
// followed, and so is one planted at the temporary name of the swap.
func TestPlantedLatestLinkIsReplaced(t *testing.T) {
	dir, out := t.TempDir(), outsideCanary(t)
	os.Symlink(out, filepath.Join(dir, LatestLink))
	os.Symlink(filepath.Join(out, "canary"), filepath.Join(dir, LatestLink+".tmp"+itoa(os.Getpid())))
	runDir, _, err := ClaimRunDir(dir, "SN1", time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if err := PointLatest(dir, runDir); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.Readlink(filepath.Join(dir, LatestLink)); got != filepath.Join("SN1", filepath.Base(runDir)) {
		t.Fatalf("latest -> %q", got)
	}
	if err := PointLatest(dir, out); err == nil {
		t.Fatal("PointLatest took a run directory outside the report directory")
	}
	untouched(t, out)
}

// A link planted at a report file's name before publish (run.json
// pointing at a host file) is replaced by aihat's own link into the set:
// the host file is neither written nor read into the set.
func TestPlantedLinkAtAReportFileIsReplacedNotFollowed(t *testing.T) {
	dir, out := t.TempDir(), outsideCanary(t)
	for _, name := range ReportFiles {
		os.Symlink(filepath.Join(out, "canary"), filepath.Join(dir, name))
	}
	if err := WriteDir(dir, sampleRun()); err != nil {
		t.Fatal(err)
	}
	for _, name := range ReportFiles {
		if got, _ := os.Readlink(filepath.Join(dir, name)); got != filepath.Join(currentLink, name) {
			t.Fatalf("%s -> %q", name, got)
		}
	}
	if _, err := ReadJSONFile(filepath.Join(dir, RunJSONFile)); err != nil {
		t.Fatal(err)
	}
	untouched(t, out)
	// WriteJSONFile's atomic rename replaces a link, never writes through it.
	os.Remove(filepath.Join(dir, "x.json"))
	os.Symlink(filepath.Join(out, "canary"), filepath.Join(dir, "x.json"))
	if err := WriteJSONFile(filepath.Join(dir, "x.json"), sampleRun()); err != nil {
		t.Fatal(err)
	}
	untouched(t, out)
}

// A link planted inside the sets directory (a stale "set" pointing
// outside) is removed by the clean-up, never followed.
func TestPlantedLinkInSetsIsRemovedNotFollowed(t *testing.T) {
	dir, out := t.TempDir(), outsideCanary(t)
	if err := PrepareDir(dir); err != nil {
		t.Fatal(err)
	}
	os.Symlink(out, filepath.Join(dir, setsDir, "set-planted"))
	os.Symlink(filepath.Join(out, "canary"), filepath.Join(dir, ".run.json.tmp1"))
	if err := WriteDir(dir, sampleRun()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(filepath.Join(dir, setsDir, "set-planted")); !os.IsNotExist(err) {
		t.Fatalf("planted link still there: %v", err)
	}
	untouched(t, out)
}

func TestReportFilesAndDirsAreNotWorldWritable(t *testing.T) {
	dir := t.TempDir()
	runDir, _, err := ClaimRunDir(dir, "SN1", time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteDir(runDir, sampleRun()); err != nil {
		t.Fatal(err)
	}
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.Mode()&os.ModeSymlink != 0 || p == dir {
			return err
		}
		want := os.FileMode(0o644)
		if fi.IsDir() {
			want = 0o755
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode().Perm(), want)
		}
		return nil
	})
}

func TestClaimRunDirRefusesBadSerials(t *testing.T) {
	dir := t.TempDir()
	for _, s := range []string{"..", "a/b", "a\x00b", "a\nb", "../x"} {
		if _, _, err := ClaimRunDir(dir, s, time.Unix(0, 0)); err == nil {
			t.Errorf("serial %q accepted", s)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// The session holds the run's directory open from its claim
// (rooted.OpenBeneath): a DIR/<serial> swapped for a link to a look-alike
// tree outside while the run goes on does not move the report set there.
func TestAHeldRunDirIgnoresASerialLinkPlantedDuringTheRun(t *testing.T) {
	dir, out := t.TempDir(), outsideCanary(t)
	runDir, id, err := ClaimRunDir(dir, "SN1", time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	d, err := rooted.OpenBeneath(dir, runDir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := PrepareDirAt(d); err != nil {
		t.Fatal(err)
	}
	fake := t.TempDir()
	os.Mkdir(filepath.Join(fake, id), 0o755)
	os.Symlink(filepath.Join(out, "canary"), filepath.Join(fake, id, RunJSONFile))
	if err := os.Rename(filepath.Join(dir, "SN1"), filepath.Join(dir, "SN1.moved")); err != nil {
		t.Fatal(err)
	}
	os.Symlink(fake, filepath.Join(dir, "SN1"))
	if err := WriteDirAt(d, sampleRun()); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadJSONFile(filepath.Join(dir, "SN1.moved", id, RunJSONFile)); err != nil {
		t.Fatalf("the set is not in the claimed directory: %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Join(fake, id)); len(entries) != 1 {
		t.Fatalf("the look-alike tree got %d entries", len(entries))
	}
	untouched(t, out)
	if _, err := rooted.OpenBeneath(dir, filepath.Join(dir, "SN1", id)); !errors.Is(err, rooted.ErrLink) {
		t.Fatalf("OpenBeneath through the planted link: %v", err)
	}
}
