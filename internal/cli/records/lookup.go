// records lookup: asking to see the records about a person, and seeing
// them once the look-up is approved.

package records

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/records"
	"github.com/custos-dev/custos/internal/request"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/when"
)

func newCmdLookup(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lookup",
		Short: "Ask to see the records about a person, and see them once approved",
		Long: `Looking up another person's records (their call logs, chats, mail) needs
an approved request with a stated purpose. "lookup request" asks: the
viewer's department manager, then IT, approve it, and an officer too
when it is for someone outside the organisation (--external, with the
legal basis in --authority). Once approved, "lookup show" lists the
records in scope to the one operator it was approved for, for policy
records.lookup_days (default 7) after its approval; every record shown
is named in that command's audit entry. After that, ask again.`,
	}
	cmdutil.Group(cmd)
	cmd.AddCommand(newCmdLookupRequest(f, nil), newCmdLookupShow(f, nil))
	return cmd
}

// LookupRequestOptions are the inputs of `records lookup request`: Lookup
// is the look-up the flags describe, checked.
type LookupRequestOptions struct {
	Factory  *cmdutil.Factory
	Cmd      *cobra.Command
	Output   *cmdutil.Output
	Lookup   request.Lookup
	Records  []string
	From, To string
}

func newCmdLookupRequest(f *cmdutil.Factory, runF func(*LookupRequestOptions) error) *cobra.Command {
	opts := &LookupRequestOptions{Factory: f}
	l := &opts.Lookup
	cmd := &cobra.Command{
		Use:   "request (--subject S | --record ID… | --class C --from DATE --to DATE) --purpose TEXT [--for OPERATOR] [--external --authority TEXT]",
		Short: "Ask to look up records, for a stated purpose",
		Long: `Ask to see the records of one subject, given records, or one class over
a period (--to exclusive), for a stated purpose. The request needs the
department stage (a manager of the viewer's department), then the it
stage, and with --external the officer stage as well. --for OPERATOR
lets a manager ask on behalf of a member of their department, who will
be the one to see the records.`,
		Example: `  $ custos records lookup request --subject zoe --purpose "zoe's complaint about a billed call, ticket 4411"
  $ custos records lookup request --class voice --from 2026-11-01 --to 2026-11-08 --purpose "call quality review" --for ivan
  $ custos records lookup request --subject acme --purpose "court order" --external --authority "District Court order 2026-CV-118"`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			var err error
			if len(opts.Records) > 0 {
				if l.Records, err = parseRecordIDs(opts.Records); err != nil {
					return err
				}
			}
			if l.Class != "" {
				if err := records.ValidClass(l.Class); err != nil {
					return err
				}
			}
			for _, p := range []struct {
				flag, v string
				dst     *string
			}{{"--from", opts.From, &l.From}, {"--to", opts.To, &l.To}} {
				if p.v == "" {
					continue
				}
				t, err := when.ParseTime(p.v, time.Local)
				if err != nil {
					return errs.Invalidf("%s: %v", p.flag, err)
				}
				*p.dst = t.UTC().Format(time.RFC3339)
			}
			if err := l.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return lookupRequestRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&l.Subject, "subject", "", "the records of this subject")
	fl.StringSliceVar(&opts.Records, "record", nil, "these records (repeat or comma-separate)")
	fl.StringVar(&l.Class, "class", "", "the records of this class created in --from … --to")
	fl.StringVar(&opts.From, "from", "", "with --class: created at or after this date")
	fl.StringVar(&opts.To, "to", "", "with --class: created before this date")
	fl.StringVar(&l.Purpose, "purpose", "", "why the records are needed (required)")
	fl.StringVar(&l.Viewer, "for", "", "the operator who will see them (a manager asking for their staff)")
	fl.BoolVar(&l.External, "external", false, "the look-up is for someone outside the organisation")
	fl.StringVar(&l.Authority, "authority", "", "the legal basis of an external look-up")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

func lookupRequestRun(opts *LookupRequestOptions) error {
	var q *request.Request
	err := cmdutil.Run(opts.Factory, opts.Cmd, store.Spec{Write: true}, func(tx store.Tx) (err error) {
		q, err = tx.Records().RequestLookup(opts.Lookup)
		return err
	})
	if err != nil {
		return err
	}
	return requested(opts.Factory, opts.Output, q)
}

// LookupShowOptions are the inputs of `records lookup show`.
type LookupShowOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
	Request string
}

func newCmdLookupShow(f *cmdutil.Factory, runF func(*LookupShowOptions) error) *cobra.Command {
	opts := &LookupShowOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "show REQ",
		Short: "List the records of an approved look-up",
		Long: `List the records in scope of an approved look-up, to the operator it was
approved for, within policy records.lookup_days of its approval (exit 4
otherwise). Every record listed is named in the audit entry of this
command.`,
		Example: `  $ custos records lookup show REQ-2026-0012`,
		Args:    cmdutil.ExactArgs("REQ"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd, opts.Request = cmd, args[0]
			if runF != nil {
				return runF(opts)
			}
			return lookupShowRun(opts)
		},
	}
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

func lookupShowRun(opts *LookupShowOptions) error {
	f := opts.Factory
	format := opts.Output.Format()
	w := output.NewResultList[RecordResult](f.IO, format)
	var q *request.Request
	var res RecordResult
	err := cmdutil.Run(f, opts.Cmd, store.Spec{Targets: []string{"request:" + opts.Request}}, func(tx store.Tx) (err error) {
		q, err = tx.Records().ShowLookup(opts.Request, func(r *records.Record) error {
			res = recordResult(r)
			return w.Write(&res)
		})
		return err
	})
	if err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	if format == output.Table {
		l, _ := request.ParseLookup(q.Payload)
		fmt.Fprintf(f.IO.ErrOut, "Look-up %s for %s: %s.\n", q.ID, l.Viewer, output.Sanitize(l.Purpose))
	}
	return nil
}
