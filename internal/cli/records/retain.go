// records retain: a class's retention period, its lock, or the list of
// schedules and holds.

package records

import (
	"fmt"
	"maps"
	"slices"
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

// RetainOptions are the inputs of `records retain`: no Class lists the
// schedules; Lock locks Class's period; otherwise For sets it.
type RetainOptions struct {
	Factory     *cmdutil.Factory
	Cmd         *cobra.Command
	Output      *cmdutil.Output
	Class       string
	For         string
	Description string
	Lock        bool
	Reason      string
	// Retain is For parsed.
	Retain when.Duration
}

func newCmdRetain(f *cmdutil.Factory, runF func(*RetainOptions) error) *cobra.Command {
	opts := &RetainOptions{Factory: f}
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
			opts.Cmd = cmd
			if err := opts.check(args); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return retainRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.For, "for", "", "how long records of the class are kept")
	cmd.Flags().StringVar(&opts.Description, "description", "", "what the class holds")
	cmd.Flags().BoolVar(&opts.Lock, "lock", false, "make the current period a minimum nobody can shorten again")
	cmd.Flags().StringVar(&opts.Reason, "reason", "", "why the schedule is locked (with --lock)")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// check is the flag rules of the three modes.
func (opts *RetainOptions) check(args []string) error {
	if len(args) == 0 {
		if opts.For != "" || opts.Lock {
			return errs.Invalidf("--for and --lock need a CLASS")
		}
		return nil
	}
	opts.Class = args[0]
	if err := records.ValidClass(opts.Class); err != nil {
		return err
	}
	if opts.Lock {
		if opts.Description != "" {
			return errs.Invalidf("--lock locks the period as it is: set --description without --lock")
		}
		if opts.For != "" {
			return errs.Invalidf("--lock locks the current period: set it with --for first, then lock it")
		}
		return account.Text("--reason", opts.Reason, true)
	}
	if opts.Reason != "" {
		return errs.Invalidf("--reason goes with --lock")
	}
	if opts.For == "" {
		return errs.Invalidf("--for is required: how long %s records are kept, e.g. 3y", opts.Class)
	}
	d, err := when.ParseDuration(opts.For)
	if err != nil {
		return errs.Invalidf("--for: %v", err)
	}
	opts.Retain = d
	return account.Text("--description", opts.Description, false)
}

// RetainResult is what `records retain CLASS --for D` reports.
type RetainResult struct {
	Class   string `json:"class"`
	Retain  string `json:"retain"`
	Changed bool   `json:"changed"`
}

// LockResult is what `records retain CLASS --lock` reports.
type LockResult struct {
	Class    string    `json:"class"`
	Retain   string    `json:"retain"`
	LockedAt time.Time `json:"locked_at"`
	Changed  bool      `json:"changed"`
}

// ScheduleResult is a class's schedule in the list.
type ScheduleResult struct {
	Class       string    `json:"class"`
	Retain      string    `json:"retain"`
	Description string    `json:"description"`
	SetBy       string    `json:"set_by"`
	SetAt       time.Time `json:"set_at"`
	LockedAt    time.Time `json:"locked_at"`
}

func retainRun(opts *RetainOptions) error {
	switch {
	case opts.Class == "":
		return listRetention(opts)
	case opts.Lock:
		return lockRetention(opts)
	}
	f, class, d := opts.Factory, opts.Class, opts.Retain
	var changed bool
	var q *request.Request
	err := cmdutil.Run(f, opts.Cmd, write("retention:"+class), func(tx store.Tx) (err error) {
		changed, q, err = tx.Requests().RetainClass(class, d, opts.Description)
		return err
	})
	if err != nil {
		return err
	}
	if q != nil {
		return requested(f, opts.Output, q)
	}
	if format := opts.Output.Format(); format != output.Table {
		return output.WriteResult(f.IO, format, RetainResult{class, d.String(), changed})
	}
	if !changed {
		_, err = fmt.Fprintf(f.IO.Out, "%s is already kept for %s; nothing changed.\n", class, d)
		return err
	}
	_, err = fmt.Fprintf(f.IO.Out, "Records of class %s are kept for %s.\n", class, d)
	return err
}

// lockRetention is records retain CLASS --lock.
func lockRetention(opts *RetainOptions) error {
	f, class := opts.Factory, opts.Class
	var changed bool
	var q *request.Request
	var s *records.Schedule
	err := cmdutil.Run(f, opts.Cmd, write("retention:"+class), func(tx store.Tx) (err error) {
		if changed, q, err = tx.Requests().LockClass(class, opts.Reason); err != nil || q != nil {
			return err
		}
		s, err = tx.Records().Schedule(class)
		return err
	})
	if err != nil {
		return err
	}
	if q != nil {
		return requested(f, opts.Output, q)
	}
	if format := opts.Output.Format(); format != output.Table {
		return output.WriteResult(f.IO, format, LockResult{class, s.Retain.String(), s.LockedAt, changed})
	}
	if !changed {
		_, err = fmt.Fprintf(f.IO.Out, "%s is already locked at %s at least; nothing changed.\n", class, s.LockedRetain)
		return err
	}
	_, err = fmt.Fprintf(f.IO.Out, "The retention of %s is locked at %s at least: it can be lengthened, never shortened.\n", class, s.Retain)
	return err
}

func listRetention(opts *RetainOptions) error {
	f := opts.Factory
	var schedules map[string]records.Schedule
	var holds []records.Hold
	err := cmdutil.Run(f, opts.Cmd, store.Spec{}, func(tx store.Tx) (err error) {
		if schedules, err = tx.Records().Schedules(); err != nil {
			return err
		}
		holds, err = tx.Records().Holds(false)
		return err
	})
	if err != nil {
		return err
	}
	format := opts.Output.Format()
	w := output.NewResultList[ScheduleResult](f.IO, format)
	for _, c := range slices.Sorted(maps.Keys(schedules)) {
		s := schedules[c]
		if err := w.Write(&ScheduleResult{c, s.Retain.String(), s.Description, s.SetBy, s.SetAt, s.LockedAt}); err != nil {
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
