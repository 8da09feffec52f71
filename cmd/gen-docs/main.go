// Command gen-docs writes the command reference of custos, as Markdown and
// as section-1 man pages, from the same cobra tree and help text the
// binary uses:
//
//	go run ./cmd/gen-docs --dir docs
//
// and turns the sessions of README.md and docs/*.md into testscripts under
// testdata/script (guide_*.txtar), which the test suite runs.
//
// It is a separate program, not a custos subcommand, so that the man-page
// renderer is not linked into (and initialised by) every custos command.
// The output is deterministic (no dates), so a test can tell when the
// committed docs are stale.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/custos-dev/custos/internal/docs"
)

func main() {
	dir := flag.String("dir", "docs", "directory to write reference/ and man/ into")
	scripts := flag.String("scripts", "testdata/script", "directory to write the guide's sessions into, as guide_*.txtar")
	flag.Parse()
	if err := docs.Generate(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "gen-docs:", err)
		os.Exit(1)
	}
	if err := docs.WriteGuideScripts(filepath.Join(*dir, ".."), *scripts); err != nil {
		fmt.Fprintln(os.Stderr, "gen-docs:", err)
		os.Exit(1)
	}
}
