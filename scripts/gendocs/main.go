// Command gendocs writes what the Debian package ships besides the binary,
// all generated from the command tree and the generators so it cannot drift
// from the code: man pages (cobra/doc, gzip -9n as Debian wants), bash, zsh
// and fish completions, the udev rule (aihat driver udev-rule) and an
// example inference unit (aihat driver systemd-unit).
//
//	go run ./scripts/gendocs -out build/gen -version 0.1.0
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aihat/aihat/internal/cli"
	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

func main() {
	out := flag.String("out", "build/gen", "output directory")
	version := flag.String("version", "dev", "version printed in the man pages' footer")
	flag.Parse()
	if err := run(*out, *version); err != nil {
		fmt.Fprintf(os.Stderr, "gendocs: %v\n", err)
		os.Exit(1)
	}
}

func run(out, version string) error {
	root := cli.NewRootCmd(&cli.Factory{IO: &cli.IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard}, Build: cli.BuildInfo{Version: version}})
	root.DisableAutoGenTag = true // no generation date in the pages: reproducible builds
	if err := manPages(root, filepath.Join(out, "man", "man1"), version); err != nil {
		return err
	}
	comp := filepath.Join(out, "completions")
	if err := os.MkdirAll(comp, 0o755); err != nil {
		return err
	}
	for name, gen := range map[string]func(io.Writer) error{
		"aihat.bash": func(w io.Writer) error { return root.GenBashCompletionV2(w, true) },
		"_aihat":     root.GenZshCompletion,
		"aihat.fish": func(w io.Writer) error { return root.GenFishCompletion(w, true) },
	} {
		var b bytes.Buffer
		if err := gen(&b); err != nil {
			return fmt.Errorf("completion %s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(comp, name), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	// The rule and the example unit come from the same code paths a user
	// runs, on the simulated board (no hardware is read).
	gens := []struct {
		path string
		args []string
	}{
		{"udev/51-hailo-udev.rules", []string{"driver", "udev-rule", "--target", "sim"}},
		{"examples/hailo-inference.service", []string{"driver", "systemd-unit", "--target", "sim",
			"--device", "/dev/h1x-0", "--user", "aihat", "--exec", "/usr/local/bin/detect --hef /usr/share/hailo-models/yolov8s_h10.hef"}},
	}
	for _, g := range gens {
		var b, e bytes.Buffer
		code := cli.Main(context.Background(), g.args, &cli.IOStreams{In: strings.NewReader(""), Out: &b, ErrOut: &e}, cli.BuildInfo{Version: version})
		if code != 0 {
			return fmt.Errorf("aihat %s: exit %d: %s", strings.Join(g.args, " "), code, e.String())
		}
		p := filepath.Join(out, g.path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// manPages writes one gzipped page per command (aihat.1, aihat-bench.1 ...).
func manPages(root *cobra.Command, dir, version string) error {
	tmp, err := os.MkdirTemp("", "aihat-man")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	date := time.Unix(0, 0).UTC()
	if s, err := strconv.ParseInt(os.Getenv("SOURCE_DATE_EPOCH"), 10, 64); err == nil {
		date = time.Unix(s, 0).UTC()
	}
	hdr := &doc.GenManHeader{Title: "AIHAT", Section: "1", Date: &date, Source: "aihat " + version, Manual: "aihat manual"}
	if err := doc.GenManTree(root, hdr, tmp); err != nil {
		return fmt.Errorf("man pages: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	pages, _ := filepath.Glob(filepath.Join(tmp, "*.1"))
	if len(pages) == 0 {
		return fmt.Errorf("man pages: cobra/doc wrote none in %s", tmp)
	}
	for _, p := range pages {
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression) // no name, no mtime: gzip -9n
		zw.Write(src)
		if err := zw.Close(); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(p)+".gz"), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}
