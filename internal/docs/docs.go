// Package docs generates the command reference (Markdown) and man pages
// from the custos command tree.
package docs

import (
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/cli/root"
	"github.com/custos-dev/custos/internal/iostreams"
)

// manDate is the date printed in the man pages. It is fixed, so that
// regenerating unchanged help gives byte-identical pages.
var manDate = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

// Tree builds the command tree as the binary does.
func Tree() *cobra.Command {
	ios, _, _, _ := iostreams.Test()
	cmd := root.NewCmdRoot(&cmdutil.Factory{IO: ios})
	cmd.InitDefaultCompletionCmd()
	cmd.InitDefaultHelpCmd()
	cmd.DisableAutoGenTag = true
	return cmd
}

// Generate writes dir/reference/*.md and dir/man/*.1, replacing what is
// there.
func Generate(dir string) error {
	ref, man := filepath.Join(dir, "reference"), filepath.Join(dir, "man")
	for _, d := range []string{ref, man} {
		if err := os.RemoveAll(d); err != nil {
			return err
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if err := doc.GenMarkdownTree(Tree(), ref); err != nil {
		return err
	}
	return doc.GenManTree(Tree(), &doc.GenManHeader{
		Title: "CUSTOS", Section: "1", Source: "custos", Manual: "custos manual", Date: &manDate,
	}, man)
}
