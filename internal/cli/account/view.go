package account

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/access"
	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/audit"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/when"
)

// ListOptions are the inputs of `account list`.
type ListOptions struct {
	Factory    *cmdutil.Factory
	Cmd        *cobra.Command
	Output     *cmdutil.Output
	State      string
	Department string
	Expiring   string
	// Limit is --limit, 0 when not given.
	Limit int
}

func newCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{Factory: f}
	states := []string{""}
	for _, s := range account.States {
		states = append(states, string(s))
	}
	cmd := &cobra.Command{
		Use:   "list [--state S] [--department D] [--expiring DURATION] [--limit N]",
		Short: "List accounts",
		Long: `List accounts in username order. --expiring 30d lists the active accounts
whose last day falls within the next 30 days (durations: 90d, 12w, 6m, 1y,
P3M). --limit N lists the first N only. The list streams in every format,
whatever the size; a table takes its column widths from its first rows and
cuts a longer name, department or position in a later row with "…" (never
a username).`,
		Example: `  $ custos account list --state requested
  $ custos account list --department Sales -o csv > sales-accounts.csv
  $ custos account list --expiring 30d
  $ custos account list --state active --limit 20`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			if err := cmdutil.CheckLimit(cmd, opts.Limit); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
	cmdutil.EnumFlag(cmd.Flags(), &opts.State, "state", "", "", states, "only accounts in this state")
	cmd.Flags().StringVar(&opts.Department, "department", "", "only accounts of this department")
	cmd.Flags().StringVar(&opts.Expiring, "expiring", "", "only active accounts whose last day is within this duration")
	cmdutil.AddLimitFlag(cmd, &opts.Limit, "accounts")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

func listRun(opts *ListOptions) error {
	f := opts.Factory
	filter := store.AccountFilter{State: opts.State, Department: opts.Department, Limit: opts.Limit}
	if opts.Expiring != "" {
		d, err := when.ParseDuration(opts.Expiring)
		if err != nil {
			return errs.Invalidf("--expiring: %v", err)
		}
		filter.ExpiringBy = d.After(f.Now()).Format(account.DateFormat)
	}
	format := opts.Output.Format()
	cols := accountColumns
	// A table has columns of its own, and fitted to a terminal leaves out
	// the wide ones; -o wide and --columns have every field.
	short := format == output.Table && !opts.Output.Wide()
	if short {
		cols = output.WideOnly(output.Whole(output.Cols("username", "name", "state", "type", "department", "position", "until", "clearance"), "username"),
			"type", "position", "clearance")
	}
	w := output.NewList(f.IO, format, cols)
	err := cmdutil.Run(f, opts.Cmd, store.Spec{}, func(tx store.Tx) error {
		return tx.Accounts().ListAccounts(filter, func(a *account.Account) error {
			if !short {
				return w.Row(accountRow(a)...)
			}
			return w.Row(a.Username, a.Name, string(a.State), string(a.Type), a.Department, a.Position, a.Until, string(a.Clearance))
		})
	})
	if err != nil {
		return err
	}
	return w.Close()
}

// ShowOptions are the inputs of `account show`.
type ShowOptions struct {
	Factory  *cmdutil.Factory
	Cmd      *cobra.Command
	Output   *cmdutil.Output
	Username string
}

func newCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "show USERNAME",
		Short: "Show an account: details, approvals, revocation and history",
		Long: `Show everything recorded about an account: its details, the approval stages
given (who, when, why), the snapshot kept if it was revoked, and its history
from the audit log, refused attempts included.`,
		Example: `  $ custos account show zoe
  $ custos account show zoe -o json | jq '.history[] | select(.outcome != "ok")'`,
		Args: cmdutil.ExactArgs("USERNAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd, opts.Username = cmd, args[0]
			if runF != nil {
				return runF(opts)
			}
			return showRun(opts)
		},
	}
	opts.Output = cmdutil.AddOutputFlag(f, cmd, output.Table, output.JSON)
	return cmdutil.MarkStore(cmd)
}

func showRun(opts *ShowOptions) error {
	f := opts.Factory
	var a *account.Account
	var approvals []account.Approval
	var rev *store.Revocation
	var grants []*access.Grant
	var history []audit.Entry
	var changes []store.ChangeRecord
	var schedules []account.Schedule
	err := cmdutil.Run(f, opts.Cmd, store.Spec{Targets: []string{"account:" + opts.Username}}, func(tx store.Tx) (err error) {
		if a, err = tx.Accounts().SeeAccount(opts.Username); err != nil {
			return err
		}
		if approvals, err = tx.Accounts().Approvals(opts.Username); err != nil {
			return err
		}
		if rev, err = tx.Accounts().AccountRevocation(opts.Username); err != nil {
			return err
		}
		err = tx.Access().ListGrants(store.GrantFilter{Account: opts.Username, All: true}, func(g *access.Grant, _ account.State) error {
			grants = append(grants, g)
			return nil
		})
		if err != nil {
			return err
		}
		if changes, schedules, err = accountChanges(tx, opts.Username, grants); err != nil {
			return err
		}
		return tx.Audit().AuditLog(store.AuditFilter{Object: "account:" + opts.Username}, func(e *audit.Entry) error {
			history = append(history, *e)
			return nil
		})
	})
	if err != nil {
		return err
	}
	today := today(f)
	if opts.Output.Format().IsJSON() {
		return showJSON(f, a, approvals, grants, today, rev, history, changes, schedules)
	}
	if err := output.WriteObject(f.IO, output.Table, accountColumns, accountRow(a)...); err != nil {
		return err
	}
	section(f, "Approvals")
	w := output.NewList(f.IO, output.Table, output.Cols("stage", "operator", "real_operator", "proxy", "at", "reason"))
	for _, ap := range approvals {
		w.Row(ap.Stage, ap.Operator, ap.RealOperator, ap.Proxy, ap.At, ap.Reason)
	}
	if err := w.Close(); err != nil {
		return err
	}
	section(f, "Grants")
	w = output.NewList(f.IO, output.Table, output.Cols("id", "resource", "role", "until", "in_force", "granted_by", "revoked_at", "revoke_reason"))
	for _, g := range grants {
		w.Row(g.ID, g.Resource, g.Role, g.Until, g.InForce(a.State, today), g.GrantedBy, g.RevokedAt, g.RevokeReason)
	}
	if err := w.Close(); err != nil {
		return err
	}
	if err := writeAccountChanges(f, changes, schedules); err != nil {
		return err
	}
	if rev != nil {
		section(f, "Revocation")
		output.WriteObject(f.IO, output.Table, output.Cols("at", "revoked_by", "reason", "snapshot"), rev.At, rev.RevokedBy, rev.Reason, rev.Snapshot)
	}
	section(f, "History")
	w = output.NewList(f.IO, output.Table, output.Cols("seq", "time", "operator", "command", "outcome", "error"))
	for i := range history {
		e := &history[i]
		who := e.Operator
		if e.RealOperator != e.Operator {
			who = e.RealOperator + " as " + e.Operator
		}
		w.Row(e.Seq, e.Time(), who, e.Command, e.Outcome, e.Error)
	}
	return w.Close()
}

func section(f *cmdutil.Factory, title string) { fmt.Fprintf(f.IO.Out, "\n%s\n", title) }

func showJSON(f *cmdutil.Factory, a *account.Account, approvals []account.Approval, grants []*access.Grant, today string, rev *store.Revocation, history []audit.Entry, changes []store.ChangeRecord, schedules []account.Schedule) error {
	obj := output.ObjectOf(accountColumns, accountRow(a)...)
	aps := []output.Object{}
	for _, ap := range approvals {
		aps = append(aps, output.Pairs("stage", ap.Stage, "operator", ap.Operator, "real_operator", ap.RealOperator,
			"proxy", ap.Proxy, "at", ap.At, "reason", ap.Reason))
	}
	gs := []output.Object{}
	for _, g := range grants {
		gs = append(gs, output.Pairs("id", g.ID, "resource", g.Resource, "role", g.Role, "until", g.Until,
			"in_force", g.InForce(a.State, today), "reason", g.Reason, "granted_by", g.GrantedBy, "granted_at", g.GrantedAt,
			"revoked_at", g.RevokedAt, "revoked_by", g.RevokedBy, "revoke_reason", g.RevokeReason))
	}
	var revocation any
	if rev != nil {
		revocation = output.Pairs("at", rev.At, "revoked_by", rev.RevokedBy, "reason", rev.Reason, "snapshot", json.RawMessage(rev.Snapshot))
	}
	hist := []output.Object{}
	for _, e := range history {
		hist = append(hist, output.Pairs("seq", e.Seq, "time", e.At, "real_operator", e.RealOperator,
			"operator", e.Operator, "command", e.Command, "outcome", e.Outcome, "error", e.Error))
	}
	obj = obj.With("approvals", aps, "grants", gs, "changes", changesJSON(changes), "scheduled", schedulesJSON(schedules), "revocation", revocation, "history", hist)
	b, err := output.MarshalJSON(obj)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(f.IO.Out, "%s\n", b)
	return err
}

// ExpireOptions are the inputs of `account expire`.
type ExpireOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
	AsOf    string
	DryRun  bool
}

func newCmdExpire(f *cmdutil.Factory, runF func(*ExpireOptions) error) *cobra.Command {
	opts := &ExpireOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "expire [--as-of DATE] [--dry-run]",
		Short: "Freeze accounts past their last day; carry out leavers and transfers (for cron)",
		Long: `Freeze every active account whose last day (--until) is before today, or
before --as-of DATE, and carry out every leaver (account leave) and
approved transfer (account transfer) whose date is today or earlier. Made
for cron: it prints what it did (nothing when there is nothing to do), one
row each with its action and outcome, and is safe to run as often as you
like. --dry-run lists them and changes nothing. A future --as-of is refused (exit 2)
unless with --dry-run, which previews what will expire then.`,
		Example: `  # crontab: every night at 00:05
  5 0 * * *  custos account expire -o jsonl >> /var/log/custos-expire.jsonl
  $ custos account expire --as-of 2027-01-01 --dry-run`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			if runF != nil {
				return runF(opts)
			}
			return expireRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.AsOf, "as-of", "", "freeze accounts whose last day is before this date (default today)")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "list the accounts and change nothing")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

func expireRun(opts *ExpireOptions) error {
	f := opts.Factory
	asOf := today(f)
	if opts.AsOf != "" {
		d, err := account.ParseDate(opts.AsOf)
		if err != nil {
			return errs.Invalidf("--as-of: %v", err)
		}
		asOf = d
	}
	// Freezing accounts before their last day is not catching up; a
	// preview of what will expire is a dry run.
	if !opts.DryRun && asOf > today(f) {
		return errs.Invalidf("--as-of %s is in the future", asOf).
			WithHint("--as-of is for catching up on the past; add --dry-run to preview what will expire then")
	}
	spec := store.Spec{Write: !opts.DryRun}
	var due []*account.Account
	var scheduled []store.ScheduleResult
	err := cmdutil.Run(f, opts.Cmd, spec, func(tx store.Tx) (err error) {
		if due, err = tx.Accounts().ExpireAccounts(asOf, opts.DryRun); err != nil {
			return err
		}
		// A leaver's "on" date is the first day without access: due on
		// asOf itself, where an end date is the last day with it.
		scheduled, err = tx.Accounts().CarryOutSchedules(asOf, opts.DryRun)
		return err
	})
	if err != nil {
		return err
	}
	format := opts.Output.Format()
	w := output.NewList(f.IO, format, output.Cols("username", "name", "department", "until", "frozen", "action", "outcome"))
	for _, a := range due {
		outcome := "frozen"
		if opts.DryRun {
			outcome = "would freeze"
		}
		if err := w.Row(a.Username, a.Name, a.Department, a.Until, !opts.DryRun, "expire", outcome); err != nil {
			return err
		}
	}
	for _, r := range scheduled {
		a := r.Account
		action := string(r.Schedule.Kind) + " " + r.Schedule.On
		if err := w.Row(a.Username, a.Name, a.Department, a.Until, a.State == account.Frozen && !opts.DryRun, action, r.Outcome); err != nil {
			return err
		}
	}
	if format == output.Table && len(due)+len(scheduled) == 0 {
		fmt.Fprintf(f.IO.ErrOut, "No active account ended before %s, and no leaver or transfer is due.\n", asOf)
		return nil
	}
	if err := w.Close(); err != nil {
		return err
	}
	if format == output.Table && opts.DryRun {
		f.DryRunNoted()
		fmt.Fprintf(f.IO.ErrOut, "Dry run: %d account(s) would be frozen and %d scheduled change(s) made; nothing changed.\n", len(due), len(scheduled))
	}
	return nil
}
