// Package records implements `custos records`: retention schedules, legal
// holds, the catalogue, and verified purges.
package records

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/records"
	"github.com/custos-dev/custos/internal/request"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/when"
)

// NewCmdRecords returns the `records` command group.
func NewCmdRecords(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "records <command>",
		Short: "Retention schedules, legal holds, the catalogue and purges",
		Long: `Records are catalogue entries for the organisation's records (call logs,
chat and mail archives, recordings, customer files): a class, a creation
time, an optional subject and location, size and SHA-256.

Each class may have a retention schedule (records retain); a class without
one is never purged. Legal holds (records hold) keep what they cover,
whatever its age. records purge backs up before it cleans up: it archives
what is due, verifies the archive, and only then deletes, in short batches.
A purge killed at any point can simply be run again.

IT and admins change records; every operator may list and show them.`,
	}
	cmdutil.Group(cmd)
	cmd.AddCommand(newCmdRetain(f), newCmdHold(f), newCmdRelease(f), newCmdAdd(f), newCmdImport(f),
		newCmdList(f), newCmdShow(f), newCmdPurge(f), newCmdRestore(f), newCmdLookup(f))
	return cmd
}

func write(object string) store.Spec {
	return store.Spec{Write: true, Targets: []string{object}}
}

func newCmdRetain(f *cmdutil.Factory) *cobra.Command {
	var forDur, description, reason string
	var lock bool
	var out *cmdutil.Output
	cmd := &cobra.Command{
		Use:   "retain [CLASS (--for DURATION [--description TEXT] | --lock --reason TEXT)]",
		Short: "Set a class's retention period, or list the schedules and holds",
		Long: `With a class, set how long its records are kept (90d, 12w, 6m, 3y, P3Y;
months and years are calendar arithmetic). Without arguments, list the
schedules and the active legal holds.

A new class or a longer period applies at once. A shorter period lets
records be purged sooner: under policy records.change_approval=required
(the default) it is a request that an officer or an admin other than you
approves with custos request approve; it applies then.

--lock makes the class's current period a minimum that nobody can shorten
again, admins included (it can still be lengthened): the preservation lock
of a regulated record. It is a request for an officer too, under the same
policy.`,
		Example: `  $ custos records retain voice --for 3y --description "call recordings"
  $ custos records retain text --for 5y
  $ custos records retain voice --lock --reason "regulator: call recordings kept 3 years"
  $ custos records retain`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				if forDur != "" || lock {
					return errs.Invalidf("--for and --lock need a CLASS")
				}
				return listRetention(f, cmd, out)
			}
			class := args[0]
			if err := records.ValidClass(class); err != nil {
				return err
			}
			if lock {
				if description != "" {
					return errs.Invalidf("--lock locks the period as it is: set --description without --lock")
				}
				return lockRetention(f, cmd, out, class, forDur, reason)
			}
			if reason != "" {
				return errs.Invalidf("--reason goes with --lock")
			}
			if forDur == "" {
				return errs.Invalidf("--for is required: how long %s records are kept, e.g. 3y", class)
			}
			d, err := when.ParseDuration(forDur)
			if err != nil {
				return errs.Invalidf("--for: %v", err)
			}
			if err := account.Text("--description", description, false); err != nil {
				return err
			}
			var changed bool
			var q *request.Request
			err = cmdutil.Run(f, cmd, write("retention:"+class), func(tx store.Tx) (err error) {
				changed, q, err = tx.Requests().RetainClass(class, d, description)
				return err
			})
			if err != nil {
				return err
			}
			if q != nil {
				return requested(f, out, q)
			}
			if format := out.Format(); format != output.Table {
				return output.WriteObject(f.IO, format, output.Cols("class", "retain", "changed"), class, d.String(), changed)
			}
			if !changed {
				_, err = fmt.Fprintf(f.IO.Out, "%s is already kept for %s; nothing changed.\n", class, d)
				return err
			}
			_, err = fmt.Fprintf(f.IO.Out, "Records of class %s are kept for %s.\n", class, d)
			return err
		},
	}
	cmd.Flags().StringVar(&forDur, "for", "", "how long records of the class are kept")
	cmd.Flags().StringVar(&description, "description", "", "what the class holds")
	cmd.Flags().BoolVar(&lock, "lock", false, "make the current period a minimum nobody can shorten again")
	cmd.Flags().StringVar(&reason, "reason", "", "why the schedule is locked (with --lock)")
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// lockRetention is records retain CLASS --lock.
func lockRetention(f *cmdutil.Factory, cmd *cobra.Command, out *cmdutil.Output, class, forDur, reason string) error {
	if forDur != "" {
		return errs.Invalidf("--lock locks the current period: set it with --for first, then lock it")
	}
	if err := account.Text("--reason", reason, true); err != nil {
		return err
	}
	var changed bool
	var q *request.Request
	var s *records.Schedule
	err := cmdutil.Run(f, cmd, write("retention:"+class), func(tx store.Tx) (err error) {
		if changed, q, err = tx.Requests().LockClass(class, reason); err != nil || q != nil {
			return err
		}
		s, err = tx.Records().Schedule(class)
		return err
	})
	if err != nil {
		return err
	}
	if q != nil {
		return requested(f, out, q)
	}
	if format := out.Format(); format != output.Table {
		return output.WriteObject(f.IO, format, output.Cols("class", "retain", "locked_at", "changed"), class, s.Retain.String(), s.LockedAt, changed)
	}
	if !changed {
		_, err = fmt.Fprintf(f.IO.Out, "%s is already locked at %s at least; nothing changed.\n", class, s.LockedRetain)
		return err
	}
	_, err = fmt.Fprintf(f.IO.Out, "The retention of %s is locked at %s at least: it can be lengthened, never shortened.\n", class, s.Retain)
	return err
}

// requested says that a change became a request.
func requested(f *cmdutil.Factory, out *cmdutil.Output, q *request.Request) error {
	if format := out.Format(); format != output.Table {
		return output.WriteObject(f.IO, format, output.Cols("request", "kind", "state", "stages", "change"),
			q.ID, q.Kind, string(q.State), q.Stages, request.Describe(q.Kind, q.Payload))
	}
	_, err := fmt.Fprintf(f.IO.Out, "Requested %s: %s; it needs %s (custos request approve %s).\n",
		q.ID, output.Sanitize(request.Describe(q.Kind, q.Payload)), strings.Join(q.Stages, ", "), q.ID)
	return err
}

func listRetention(f *cmdutil.Factory, cmd *cobra.Command, out *cmdutil.Output) error {
	var schedules map[string]records.Schedule
	var holds []records.Hold
	err := cmdutil.Run(f, cmd, store.Spec{}, func(tx store.Tx) (err error) {
		if schedules, err = tx.Records().Schedules(); err != nil {
			return err
		}
		holds, err = tx.Records().Holds(false)
		return err
	})
	if err != nil {
		return err
	}
	format := out.Format()
	w := output.NewList(f.IO, format, output.Cols("class", "retain", "description", "set_by", "set_at", "locked_at"))
	for _, c := range sortedKeys(schedules) {
		s := schedules[c]
		if err := w.Row(c, s.Retain.String(), s.Description, s.SetBy, s.SetAt, s.LockedAt); err != nil {
			return err
		}
	}
	if err := w.Close(); err != nil || format != output.Table {
		return err
	}
	if len(holds) > 0 {
		fmt.Fprintln(f.IO.Out, "\nActive holds")
		return writeHolds(f, output.Table, holds)
	}
	return nil
}

func writeHolds(f *cmdutil.Factory, format output.Format, holds []records.Hold) error {
	w := output.NewList(f.IO, format, output.Cols("name", "covers", "reason", "created_by", "created_at", "released_at", "released_by"))
	for i := range holds {
		h := &holds[i]
		if err := w.Row(h.Name, h.Describe(), h.Reason, h.CreatedBy, h.CreatedAt, h.ReleasedAt, h.ReleasedBy); err != nil {
			return err
		}
	}
	return w.Close()
}

func newCmdHold(f *cmdutil.Factory) *cobra.Command {
	var reason, class, subject, from, to string
	var ids []string
	var list, all bool
	var out *cmdutil.Output
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
			if list {
				return cmdutil.NoArgs(cmd, args)
			}
			return cmdutil.ExactArgs("NAME")(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if list {
				var holds []records.Hold
				err := cmdutil.Run(f, cmd, store.Spec{}, func(tx store.Tx) (err error) {
					holds, err = tx.Records().Holds(all)
					return err
				})
				if err != nil {
					return err
				}
				return writeHolds(f, out.Format(), holds)
			}
			h := &records.Hold{Name: args[0], Reason: strings.TrimSpace(reason)}
			if err := records.ValidClass(h.Name); err != nil {
				return errs.Invalidf("invalid hold name %q: use lower-case letters, digits, '.', '_' or '-'", h.Name)
			}
			if err := account.Text("--reason", h.Reason, true); err != nil {
				return err
			}
			kinds := 0
			if class != "" {
				kinds++
				h.Kind, h.Value = records.HoldClass, class
			}
			if subject != "" {
				kinds++
				h.Kind, h.Value = records.HoldSubject, subject
			}
			if len(ids) > 0 {
				kinds++
				h.Kind = records.HoldRecords
				var err error
				if h.Records, err = parseRecordIDs(ids); err != nil {
					return err
				}
			}
			if from != "" || to != "" {
				kinds++
				h.Kind = records.HoldRange
				var err error
				if h.From, err = when.ParseTime(from, time.Local); err != nil {
					return errs.Invalidf("--from: %v", err)
				}
				if h.To, err = when.ParseTime(to, time.Local); err != nil {
					return errs.Invalidf("--to: %v", err)
				}
				if !h.To.After(h.From) {
					return errs.Invalidf("--to must be after --from")
				}
			}
			if kinds != 1 {
				return errs.Invalidf("give exactly one of --class, --subject, --record or --from/--to")
			}
			err := cmdutil.Run(f, cmd, write("hold:"+h.Name), func(tx store.Tx) error { return tx.Records().AddHold(h) })
			if err != nil {
				return err
			}
			if format := out.Format(); format != output.Table {
				return output.WriteObject(f.IO, format, output.Cols("name", "covers", "reason"), h.Name, h.Describe(), h.Reason)
			}
			_, err = fmt.Fprintf(f.IO.Out, "Placed hold %s on %s.\n", h.Name, output.Sanitize(h.Describe()))
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&reason, "reason", "", "why: the dispute, audit or case (required)")
	fl.StringVar(&class, "class", "", "hold every record of this class")
	fl.StringVar(&subject, "subject", "", "hold every record of this subject")
	fl.StringSliceVar(&ids, "record", nil, "hold these record ids (repeatable)")
	fl.StringVar(&from, "from", "", "hold records created from this date or time")
	fl.StringVar(&to, "to", "", "...up to this date or time (exclusive)")
	fl.BoolVar(&list, "list", false, "list the holds")
	fl.BoolVar(&all, "all", false, "with --list, include released holds")
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

func newCmdRelease(f *cmdutil.Factory) *cobra.Command {
	var reason string
	var out *cmdutil.Output
	cmd := &cobra.Command{
		Use:   "release NAME --reason TEXT",
		Short: "Release a legal hold",
		Long: `Release a hold once its matter is closed; its records then follow their
schedules again. Releasing a released hold changes nothing.

Under policy records.change_approval=required (the default) the release is
a request that an officer or an admin other than you approves with custos
request approve; it applies then.`,
		Example: `  $ custos records release acme-dispute --reason "settled 2026-11-20"`,
		Args:    cmdutil.ExactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if err := account.Text("--reason", strings.TrimSpace(reason), true); err != nil {
				return err
			}
			var changed bool
			var q *request.Request
			err := cmdutil.Run(f, cmd, write("hold:"+name), func(tx store.Tx) (err error) {
				changed, q, err = tx.Requests().ReleaseHoldOrAsk(name, strings.TrimSpace(reason))
				return err
			})
			if err != nil {
				return err
			}
			if q != nil {
				return requested(f, out, q)
			}
			if format := out.Format(); format != output.Table {
				return output.WriteObject(f.IO, format, output.Cols("name", "changed"), name, changed)
			}
			if !changed {
				_, err = fmt.Fprintf(f.IO.Out, "Hold %s is already released; nothing changed.\n", name)
				return err
			}
			_, err = fmt.Fprintf(f.IO.Out, "Released hold %s.\n", name)
			return err
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why the hold ends (required)")
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

func sortedKeys(m map[string]records.Schedule) []string { return slices.Sorted(maps.Keys(m)) }

// parseRecordIDs reads --record values: ids, repeated or comma-separated.
func parseRecordIDs(values []string) ([]int64, error) {
	var out []int64
	for _, s := range values {
		for _, p := range strings.Split(s, ",") {
			id, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
			if err != nil || id < 1 {
				return nil, errs.Invalidf("--record %q is not a record id", p)
			}
			out = append(out, id)
		}
	}
	return out, nil
}
