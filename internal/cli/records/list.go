// records list, and the record columns that add and show print too.

package records

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/records"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/when"
)

// recordColumns are a record's fields; a table never cuts the class or
// the subject, which holds and filters name. Fitted to a terminal it
// leaves out the size and who added the record when, and shows the
// digest's first characters.
var recordColumns = output.Hashes(output.WideOnly(output.Whole(
	output.Cols("id", "class", "created_at", "subject", "location", "size", "sha256", "added_at", "added_by"),
	"class", "subject"), "size", "added_at", "added_by"), "sha256")

func recordRow(r *records.Record) []any {
	return []any{r.ID, r.Class, r.CreatedAt, r.Subject, r.Location, r.Size, r.SHA256, r.AddedAt, r.AddedBy}
}

func newCmdList(f *cmdutil.Factory) *cobra.Command {
	var class, asOf string
	var due, held bool
	var limit int
	var out *cmdutil.Output
	cmd := &cobra.Command{
		Use:   "list [--class C] [--due] [--held] [--limit N]",
		Short: "List records",
		Long: `List records by class and creation time. --due lists the records past
their retention and under no hold (as of now, or --as-of), with the
reason; --held lists the records an active hold covers. --limit N lists
the first N only. The list streams in every format, whatever the size of
the catalogue; a table takes its column widths from its first rows and
cuts a longer location in a later row with "…" (never an ID, a class or a
subject).`,
		Example: `  $ custos records list --class voice --due
  $ custos records list --held -o csv > held.csv
  $ custos records list --due --limit 100`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.CheckLimit(cmd, limit); err != nil {
				return err
			}
			if due && held {
				return errs.Invalidf("--due and --held exclude each other")
			}
			filter := store.RecordFilter{Class: class, Due: due, Held: held, AsOf: f.Now(), Limit: limit}
			if asOf != "" {
				t, err := when.ParseTime(asOf, time.Local)
				if err != nil {
					return errs.Invalidf("--as-of: %v", err)
				}
				filter.AsOf = t
			}
			format := out.Format()
			cols := recordColumns
			if due {
				cols = append(cols[:len(cols):len(cols)], output.Column{Name: "reason"})
			}
			w := output.NewList(f.IO, format, cols)
			err := cmdutil.Run(f, cmd, store.Spec{}, func(tx store.Tx) error {
				return tx.Records().ListRecords(filter, func(r *records.Record, d records.Decision) error {
					row := recordRow(r)
					if due {
						row = append(row, d.Reason)
					}
					return w.Row(row...)
				})
			})
			if err != nil {
				return err
			}
			return w.Close()
		},
	}
	cmd.Flags().StringVar(&class, "class", "", "only this class")
	cmd.Flags().BoolVar(&due, "due", false, "only records past retention and under no hold")
	cmd.Flags().BoolVar(&held, "held", false, "only records under an active hold")
	cmd.Flags().StringVar(&asOf, "as-of", "", "with --due, decide as of this date or time")
	cmdutil.AddLimitFlag(cmd, &limit, "records")
	out = cmdutil.AddOutputFlag(f, cmd, output.Table, output.JSON, output.JSONL, output.CSV)
	return cmdutil.MarkStore(cmd)
}
