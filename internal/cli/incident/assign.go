// incident assign: who works on an incident.

package incident

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/incident"
	"github.com/custos-dev/custos/internal/operator"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/store"
)

// AssignOptions are the inputs of `incident assign`.
type AssignOptions struct {
	Factory  *cmdutil.Factory
	Cmd      *cobra.Command
	Output   *cmdutil.Output
	ID       string
	Assignee string
}

func newCmdAssign(f *cmdutil.Factory, runF func(*AssignOptions) error) *cobra.Command {
	opts := &AssignOptions{Factory: f}
	cmd := &cobra.Command{
		Use:     "assign ID OPERATOR",
		Short:   "Assign an incident to an operator",
		Long:    "Assign an open incident to a registered operator (exit 3 for an unknown one).",
		Example: `  $ custos incident assign INC-2026-0007 ines`,
		Args: func(c *cobra.Command, args []string) error {
			if err := cmdutil.ExactArgs("ID", "OPERATOR")(c, args); err != nil {
				return err
			}
			if err := operator.ValidateName(args[1]); err != nil {
				return err
			}
			return incident.ValidID(args[0])
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd, opts.ID, opts.Assignee = cmd, args[0], args[1]
			if runF != nil {
				return runF(opts)
			}
			return assignRun(opts)
		},
	}
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// AssignResult is what `incident assign` reports.
type AssignResult struct {
	ID       string `json:"id"`
	Assignee string `json:"assignee"`
}

func assignRun(opts *AssignOptions) error {
	f := opts.Factory
	err := cmdutil.Run(f, opts.Cmd, write(opts.ID), func(tx store.Tx) error {
		return tx.Incidents().AssignIncident(opts.ID, opts.Assignee)
	})
	if err != nil {
		return err
	}
	if format := opts.Output.Format(); format != output.Table {
		return output.WriteResult(f.IO, format, AssignResult{opts.ID, opts.Assignee})
	}
	_, err = fmt.Fprintln(f.IO.Out, output.Sanitize("Assigned "+opts.ID+" to "+opts.Assignee+"."))
	return err
}
