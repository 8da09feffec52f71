// records hold: place a legal hold, or list them.

package records

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/records"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/when"
)

// HoldOptions are the inputs of `records hold`: List lists the holds,
// otherwise Hold is the hold to place, built from the flags.
type HoldOptions struct {
	Factory                          *cmdutil.Factory
	Cmd                              *cobra.Command
	Output                           *cmdutil.Output
	Name                             string
	Reason, Class, Subject, From, To string
	Records                          []string
	List, All                        bool
	Hold                             *records.Hold
}

func newCmdHold(f *cmdutil.Factory, runF func(*HoldOptions) error) *cobra.Command {
	opts := &HoldOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "hold NAME --reason TEXT (--class C | --subject S | --record ID… | --from DATE --to DATE)",
		Short: "Place a legal hold, or list holds",
		Long: `Place a legal hold: while it is active, no record it covers is purged,
whatever its age. A hold covers one class, one subject, given records, or
records created in a time range (--to exclusive). --list lists the holds
(--all includes released ones).`,
		Example: `  $ custos records hold acme-dispute --reason "litigation 2026-CV-118" --subject acme
  $ custos records hold audit-2025 --reason "external audit" --from 2025-01-01 --to 2026-01-01
  $ custos records hold --list`,
		Args: func(cmd *cobra.Command, args []string) error {
			if opts.List {
				return cmdutil.NoArgs(cmd, args)
			}
			return cmdutil.ExactArgs("NAME")(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			if !opts.List {
				opts.Name = args[0]
				h, err := opts.hold()
				if err != nil {
					return err
				}
				opts.Hold = h
			}
			if runF != nil {
				return runF(opts)
			}
			return holdRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Reason, "reason", "", "why: the dispute, audit or case (required)")
	fl.StringVar(&opts.Class, "class", "", "hold every record of this class")
	fl.StringVar(&opts.Subject, "subject", "", "hold every record of this subject")
	fl.StringSliceVar(&opts.Records, "record", nil, "hold these record ids (repeatable)")
	fl.StringVar(&opts.From, "from", "", "hold records created from this date or time")
	fl.StringVar(&opts.To, "to", "", "...up to this date or time (exclusive)")
	fl.BoolVar(&opts.List, "list", false, "list the holds")
	fl.BoolVar(&opts.All, "all", false, "with --list, include released holds")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// hold builds the hold the flags describe: exactly one of a class, a
// subject, records or a time range.
func (opts *HoldOptions) hold() (*records.Hold, error) {
	h := &records.Hold{Name: opts.Name, Reason: strings.TrimSpace(opts.Reason)}
	if err := records.ValidClass(h.Name); err != nil {
		return nil, errs.Invalidf("invalid hold name %q: use lower-case letters, digits, '.', '_' or '-'", h.Name)
	}
	if err := account.Text("--reason", h.Reason, true); err != nil {
		return nil, err
	}
	kinds := 0
	if opts.Class != "" {
		kinds++
		h.Kind, h.Value = records.HoldClass, opts.Class
	}
	if opts.Subject != "" {
		kinds++
		h.Kind, h.Value = records.HoldSubject, opts.Subject
	}
	if len(opts.Records) > 0 {
		kinds++
		h.Kind = records.HoldRecords
		var err error
		if h.Records, err = parseRecordIDs(opts.Records); err != nil {
			return nil, err
		}
	}
	if opts.From != "" || opts.To != "" {
		kinds++
		h.Kind = records.HoldRange
		var err error
		if h.From, err = when.ParseTime(opts.From, time.Local); err != nil {
			return nil, errs.Invalidf("--from: %v", err)
		}
		if h.To, err = when.ParseTime(opts.To, time.Local); err != nil {
			return nil, errs.Invalidf("--to: %v", err)
		}
		if !h.To.After(h.From) {
			return nil, errs.Invalidf("--to must be after --from")
		}
	}
	if kinds != 1 {
		return nil, errs.Invalidf("give exactly one of --class, --subject, --record or --from/--to")
	}
	return h, nil
}

// PlacedResult is what `records hold NAME` reports.
type PlacedResult struct {
	Name   string `json:"name"`
	Covers string `json:"covers"`
	Reason string `json:"reason"`
}

// HoldResult is a hold in a list.
type HoldResult struct {
	Name       string    `json:"name"`
	Covers     string    `json:"covers"`
	Reason     string    `json:"reason"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
	ReleasedAt time.Time `json:"released_at"`
	ReleasedBy string    `json:"released_by"`
}

func holdRun(opts *HoldOptions) error {
	f := opts.Factory
	if opts.List {
		var holds []records.Hold
		err := cmdutil.Run(f, opts.Cmd, store.Spec{}, func(tx store.Tx) (err error) {
			holds, err = tx.Records().Holds(opts.All)
			return err
		})
		if err != nil {
			return err
		}
		return writeHolds(f, opts.Output.Format(), holds)
	}
	h := opts.Hold
	err := cmdutil.Run(f, opts.Cmd, write("hold:"+h.Name), func(tx store.Tx) error { return tx.Records().AddHold(h) })
	if err != nil {
		return err
	}
	if format := opts.Output.Format(); format != output.Table {
		return output.WriteResult(f.IO, format, PlacedResult{h.Name, h.Describe(), h.Reason})
	}
	_, err = fmt.Fprintf(f.IO.Out, "Placed hold %s on %s.\n", h.Name, output.Sanitize(h.Describe()))
	return err
}

func writeHolds(f *cmdutil.Factory, format output.Format, holds []records.Hold) error {
	w := output.NewResultList[HoldResult](f.IO, format)
	for i := range holds {
		h := &holds[i]
		if err := w.Write(&HoldResult{h.Name, h.Describe(), h.Reason, h.CreatedBy, h.CreatedAt, h.ReleasedAt, h.ReleasedBy}); err != nil {
			return err
		}
	}
	return w.Close()
}
