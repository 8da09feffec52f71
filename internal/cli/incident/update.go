// incident update: a new severity or summary.

package incident

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/incident"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/store"
)

// UpdateOptions are the inputs of `incident update`.
type UpdateOptions struct {
	Factory  *cmdutil.Factory
	Cmd      *cobra.Command
	Output   *cmdutil.Output
	ID       string
	Severity string
	Summary  string
}

func newCmdUpdate(f *cmdutil.Factory, runF func(*UpdateOptions) error) *cobra.Command {
	opts := &UpdateOptions{Factory: f}
	cmd := &cobra.Command{
		Use:     "update ID [--severity S] [--summary TEXT]",
		Short:   "Change an incident's severity or summary",
		Long:    "Change the severity or the summary of an open incident; the change is on its timeline.",
		Example: `  $ custos incident update INC-2026-0007 --severity critical`,
		Args:    idArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd, opts.ID = cmd, args[0]
			opts.Summary = strings.TrimSpace(opts.Summary)
			if opts.Severity == "" && opts.Summary == "" {
				return errs.Invalidf("give --severity or --summary")
			}
			if err := account.Text("--summary", opts.Summary, false); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return updateRun(opts)
		},
	}
	cmdutil.EnumFlag(cmd.Flags(), &opts.Severity, "severity", "", "", append([]string{""}, incident.Severities...), "new severity")
	cmd.Flags().StringVar(&opts.Summary, "summary", "", "new summary")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// UpdateResult is what `incident update` reports: the incident's severity
// and summary after the change.
type UpdateResult struct {
	ID       string `json:"id"`
	Severity string `json:"severity"`
	Summary  string `json:"summary"`
}

func updateRun(opts *UpdateOptions) error {
	f := opts.Factory
	var inc *incident.Incident
	err := cmdutil.Run(f, opts.Cmd, write(opts.ID), func(tx store.Tx) (err error) {
		inc, err = tx.Incidents().UpdateIncident(opts.ID, opts.Severity, opts.Summary)
		return err
	})
	if err != nil {
		return err
	}
	if format := opts.Output.Format(); format != output.Table {
		return output.WriteResult(f.IO, format, UpdateResult{opts.ID, inc.Severity, inc.Summary})
	}
	_, err = fmt.Fprintln(f.IO.Out, output.Sanitize(fmt.Sprintf("%s is %s: %s", opts.ID, inc.Severity, inc.Summary)))
	return err
}
