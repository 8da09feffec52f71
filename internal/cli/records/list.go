// records list, and the record fields that add, show and lookup show
// print too.

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

// RecordResult is a record's fields; a table never cuts the class or the
// subject, which holds and filters name. Fitted to a terminal it leaves
// out the size and who added the record when, and shows the digest's
// first characters.
type RecordResult struct {
	ID        int64     `json:"id"`
	Class     string    `json:"class" out:"whole"`
	CreatedAt time.Time `json:"created_at"`
	Subject   string    `json:"subject" out:"whole"`
	Location  string    `json:"location"`
	Size      int64     `json:"size" out:"wide"`
	SHA256    string    `json:"sha256" out:"hash"`
	AddedAt   time.Time `json:"added_at" out:"wide"`
	AddedBy   string    `json:"added_by" out:"wide"`
}

func recordResult(r *records.Record) RecordResult {
	return RecordResult{r.ID, r.Class, r.CreatedAt, r.Subject, r.Location, r.Size, r.SHA256, r.AddedAt, r.AddedBy}
}

// DueResult is a record of records list --due: the record, and why it is
// due.
type DueResult struct {
	RecordResult
	Reason string `json:"reason"`
}

// ListOptions are the inputs of `records list`.
type ListOptions struct {
	Factory   *cmdutil.Factory
	Cmd       *cobra.Command
	Output    *cmdutil.Output
	Class     string
	AsOf      string
	Due, Held bool
	Limit     int
	// AsOfTime is AsOf parsed, or now.
	AsOfTime time.Time
}

func newCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{Factory: f}
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
			opts.Cmd = cmd
			if err := cmdutil.CheckLimit(cmd, opts.Limit); err != nil {
				return err
			}
			if opts.Due && opts.Held {
				return errs.Invalidf("--due and --held exclude each other")
			}
			opts.AsOfTime = f.Now()
			if opts.AsOf != "" {
				t, err := when.ParseTime(opts.AsOf, time.Local)
				if err != nil {
					return errs.Invalidf("--as-of: %v", err)
				}
				opts.AsOfTime = t
			}
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Class, "class", "", "only this class")
	cmd.Flags().BoolVar(&opts.Due, "due", false, "only records past retention and under no hold")
	cmd.Flags().BoolVar(&opts.Held, "held", false, "only records under an active hold")
	cmd.Flags().StringVar(&opts.AsOf, "as-of", "", "with --due, decide as of this date or time")
	cmdutil.AddLimitFlag(cmd, &opts.Limit, "records")
	opts.Output = cmdutil.AddOutputFlag(f, cmd, output.Table, output.JSON, output.JSONL, output.CSV)
	return cmdutil.MarkStore(cmd)
}

func listRun(opts *ListOptions) error {
	f := opts.Factory
	format := opts.Output.Format()
	filter := store.RecordFilter{Class: opts.Class, Due: opts.Due, Held: opts.Held, AsOf: opts.AsOfTime, Limit: opts.Limit}
	// One result, refilled for every row: a list of millions allocates
	// none per row.
	var put func(*records.Record, records.Decision) error
	var end func() error
	if opts.Due {
		w := output.NewResultList[DueResult](f.IO, format)
		var res DueResult
		put = func(r *records.Record, d records.Decision) error {
			res = DueResult{recordResult(r), d.Reason}
			return w.Write(&res)
		}
		end = w.Close
	} else {
		w := output.NewResultList[RecordResult](f.IO, format)
		var res RecordResult
		put = func(r *records.Record, _ records.Decision) error {
			res = recordResult(r)
			return w.Write(&res)
		}
		end = w.Close
	}
	err := cmdutil.Run(f, opts.Cmd, store.Spec{}, func(tx store.Tx) error {
		return tx.Records().ListRecords(filter, put)
	})
	if err != nil {
		return err
	}
	return end()
}
