// records show: one record and its retention verdict.

package records

import (
	"strconv"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/records"
	"github.com/custos-dev/custos/internal/store"
)

// ShowOptions are the inputs of `records show`.
type ShowOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
	ID      int64
	// Arg is the ID as given, which the audit entry names.
	Arg string
}

func newCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{Factory: f}
	cmd := &cobra.Command{
		Use:     "show ID",
		Short:   "Show a record and what retention decides for it",
		Long:    "Show one record with the retention decision for it now: kept (and why: a hold, no schedule, not yet due) or due.",
		Example: `  $ custos records show 4711`,
		Args:    cmdutil.ExactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id < 1 {
				return errs.Invalidf("%q is not a record id", args[0])
			}
			opts.ID, opts.Arg = id, args[0]
			if runF != nil {
				return runF(opts)
			}
			return showRun(opts)
		},
	}
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// ShowResult is a record and what retention decides for it now: keep or
// due for purging, and why.
type ShowResult struct {
	RecordResult
	Retention string `json:"retention"`
	Reason    string `json:"reason"`
}

func showRun(opts *ShowOptions) error {
	f := opts.Factory
	var r *records.Record
	var d records.Decision
	err := cmdutil.Run(f, opts.Cmd, store.Spec{Targets: []string{"record:" + opts.Arg}}, func(tx store.Tx) (err error) {
		if r, err = tx.Records().GetRecord(opts.ID); err != nil {
			return err
		}
		schedules, err := tx.Records().Schedules()
		if err != nil {
			return err
		}
		holds, err := tx.Records().Holds(false)
		if err != nil {
			return err
		}
		d = records.Decide(r, schedules, holds, f.Now())
		return nil
	})
	if err != nil {
		return err
	}
	verdict := "keep"
	if d.Purge {
		verdict = "due for purging"
	}
	return output.WriteResult(f.IO, opts.Output.Format(), ShowResult{recordResult(r), verdict, d.Reason})
}
