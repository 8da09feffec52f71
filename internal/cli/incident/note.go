// incident note: a note on an incident's timeline.

package incident

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/store"
)

// NoteOptions are the inputs of `incident note`.
type NoteOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
	ID      string
	Text    string
}

func newCmdNote(f *cmdutil.Factory, runF func(*NoteOptions) error) *cobra.Command {
	opts := &NoteOptions{Factory: f}
	cmd := &cobra.Command{
		Use:     "note ID --text TEXT",
		Short:   "Add a note to an incident's timeline",
		Long:    "Add a note (what was found, what was done) to an open incident's timeline.",
		Example: `  $ custos incident note INC-2026-0007 --text "paste removed by the host at 14:20"`,
		Args:    idArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd, opts.ID = cmd, args[0]
			opts.Text = strings.TrimSpace(opts.Text)
			if err := account.Text("--text", opts.Text, true); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return noteRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Text, "text", "", "the note (required)")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// NoteResult is what `incident note` reports.
type NoteResult struct {
	ID   string `json:"id"`
	Note string `json:"note"`
}

func noteRun(opts *NoteOptions) error {
	f := opts.Factory
	err := cmdutil.Run(f, opts.Cmd, write(opts.ID), func(tx store.Tx) error {
		return tx.Incidents().NoteIncident(opts.ID, opts.Text)
	})
	if err != nil {
		return err
	}
	if format := opts.Output.Format(); format != output.Table {
		return output.WriteResult(f.IO, format, NoteResult{opts.ID, opts.Text})
	}
	_, err = fmt.Fprintln(f.IO.Out, output.Sanitize("Noted on "+opts.ID+"."))
	return err
}
