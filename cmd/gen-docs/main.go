// Command gen-docs writes the command reference of custos, as Markdown and
// as section-1 man pages, from the same cobra tree and help text the
// binary uses:
//
//	go run ./cmd/gen-docs --dir docs
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

	"github.com/custos-dev/custos/internal/docs"
)

func main() {
	dir := flag.String("dir", "docs", "directory to write reference/ and man/ into")
	flag.Parse()
	if err := docs.Generate(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "gen-docs:", err)
		os.Exit(1)
	}
}
