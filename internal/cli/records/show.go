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

func newCmdShow(f *cmdutil.Factory) *cobra.Command {
	var out *cmdutil.Output
	cmd := &cobra.Command{
		Use:     "show ID",
		Short:   "Show a record and what retention decides for it",
		Long:    "Show one record with the retention decision for it now: kept (and why: a hold, no schedule, not yet due) or due.",
		Example: `  $ custos records show 4711`,
		Args:    cmdutil.ExactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id < 1 {
				return errs.Invalidf("%q is not a record id", args[0])
			}
			var r *records.Record
			var d records.Decision
			err = cmdutil.Run(f, cmd, store.Spec{Targets: []string{"record:" + args[0]}}, func(tx store.Tx) (err error) {
				if r, err = tx.Records().GetRecord(id); err != nil {
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
			cols := append(recordColumns[:len(recordColumns):len(recordColumns)], output.Cols("retention", "reason")...)
			return output.WriteObject(f.IO, out.Format(), cols, append(recordRow(r), verdict, d.Reason)...)
		},
	}
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}
