package completion

import (
	"slices"
	"testing"

	"github.com/aihat/aihat/pkg/bringup"
	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/sim"
	"github.com/aihat/aihat/pkg/synth"
	"github.com/spf13/cobra"
)

// Choices keeps the values that start with what was typed, descriptions
// and all, and never offers file names.
func TestChoicesKeepsThePrefixAndNoFiles(t *testing.T) {
	c := Choices([]cobra.Completion{"table", cobra.CompletionWithDesc("json", "data"), "junit"})
	got, dir := c(nil, nil, "j")
	if want := []cobra.Completion{"json\tdata", "junit"}; !slices.Equal(got, want) {
		t.Errorf("completed %q, want %q", got, want)
	}
	if dir != cobra.ShellCompDirectiveNoFileComp {
		t.Errorf("directive %d", dir)
	}
	if got, _ := c(nil, nil, "x"); len(got) != 0 {
		t.Errorf("nothing starts with x, completed %q", got)
	}
}

// A comma list completes the part after the last comma from the values
// not yet listed, keeps what is before it, and asks for no space.
func TestCommaListCompletesTheLastItem(t *testing.T) {
	c := commaList(func() []string { return []string{"a1", "a2", "b1"} })
	for _, tc := range []struct {
		typed string
		want  []cobra.Completion
	}{
		{"", []cobra.Completion{"a1", "a2", "b1"}},
		{"a", []cobra.Completion{"a1", "a2"}},
		{"a1,", []cobra.Completion{"a1,a2", "a1,b1"}},
		{"a1,b1,a", []cobra.Completion{"a1,b1,a2"}},
		{"a1,a2,b1,", nil},
	} {
		got, dir := c(nil, nil, tc.typed)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q: completed %q, want %q", tc.typed, got, tc.want)
		}
		if dir != cobra.ShellCompDirectiveNoSpace|cobra.ShellCompDirectiveNoFileComp {
			t.Errorf("%q: directive %d", tc.typed, dir)
		}
	}
}

// --only offers every stage of the table once: the default plan's in its
// order, then the others.
func TestStageNamesAreThePlansThenTheRest(t *testing.T) {
	p, err := plan.Default()
	if err != nil {
		t.Fatal(err)
	}
	got := StageNames()
	if !slices.Equal(got[:len(p.Stages)], p.Stages) {
		t.Errorf("StageNames %v does not start with the default plan's %v", got, p.Stages)
	}
	want := bringup.Names()
	slices.Sort(want)
	sorted := slices.Clone(got)
	slices.Sort(sorted)
	if !slices.Equal(sorted, want) {
		t.Errorf("StageNames %v are not the table's %v", got, want)
	}
}

// The synthetic sizes come smallest first, every preset once.
func TestSynthSizesSmallestFirst(t *testing.T) {
	sizes := synthSizes()
	if len(sizes) != len(synth.Presets) {
		t.Fatalf("sizes %v, presets %d", sizes, len(synth.Presets))
	}
	for i := 1; i < len(sizes); i++ {
		if synth.Presets[sizes[i-1]].Params() >= synth.Presets[sizes[i]].Params() {
			t.Errorf("%s before %s", sizes[i-1], sizes[i])
		}
	}
}

// --fault offers the sim's catalogue, each with what it breaks.
func TestFaultsCompleteWithWhatTheyBreak(t *testing.T) {
	got, _ := completeFaults(nil, nil, "")
	cat := sim.Catalogue()
	if len(got) != len(cat) {
		t.Fatalf("%d faults completed, the catalogue has %d", len(got), len(cat))
	}
	for i, f := range cat {
		if want := cobra.CompletionWithDesc(f.Name, f.Breaks); got[i] != want {
			t.Errorf("fault %d: %q, want %q", i, got[i], want)
		}
	}
}

// report render --format offers the run record's formats.
func TestRunFormatsAreTheReportFormats(t *testing.T) {
	got := runFormats()
	if len(got) != len(report.Formats) {
		t.Fatalf("%v, want %v", got, report.Formats)
	}
	for i, f := range report.Formats {
		if got[i] != string(f) {
			t.Errorf("format %d: %s, want %s", i, got[i], f)
		}
	}
}

// Register wires each entry whose command and flag exist and skips the
// rest without failing.
func TestRegisterSkipsWhatIsNotInTheTree(t *testing.T) {
	root := &cobra.Command{Use: "aihat"}
	root.PersistentFlags().String("target", "", "")
	root.PersistentFlags().StringArray("fault", nil, "")
	bringupCmd := &cobra.Command{Use: "bringup", Run: func(*cobra.Command, []string) {}}
	bringupCmd.Flags().String("only", "", "")
	root.AddCommand(bringupCmd)
	Register(root)
	for _, name := range []string{"target", "fault"} {
		if _, ok := root.GetFlagCompletionFunc(name); !ok {
			t.Errorf("--%s not registered", name)
		}
	}
	if _, ok := bringupCmd.GetFlagCompletionFunc("only"); !ok {
		t.Error("bringup --only not registered")
	}
}
