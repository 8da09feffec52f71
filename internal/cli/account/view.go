package account

import (
	"encoding/json"
	"fmt"
	"time"

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
	// Expiring is --expiring parsed, nil when not given.
	Expiring *when.Duration
	// Limit is --limit, 0 when not given.
	Limit int
}

func newCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{Factory: f}
	var expiring string
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
			if expiring != "" {
				d, err := when.ParseDuration(expiring)
				if err != nil {
					return errs.Invalidf("--expiring: %v", err)
				}
				opts.Expiring = &d
			}
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
	cmdutil.EnumFlag(cmd.Flags(), &opts.State, "state", "", "", states, "only accounts in this state")
	cmd.Flags().StringVar(&opts.Department, "department", "", "only accounts of this department")
	cmd.Flags().StringVar(&expiring, "expiring", "", "only active accounts whose last day is within this duration")
	cmdutil.AddLimitFlag(cmd, &opts.Limit, "accounts")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// AccountRow is an account in a table: the columns worth reading at a
// terminal, the wide ones left out when the table is fitted to it.
type AccountRow struct {
	Username   string `json:"username" out:"whole"`
	Name       string `json:"name"`
	State      string `json:"state"`
	Type       string `json:"type" out:"wide"`
	Department string `json:"department"`
	Position   string `json:"position" out:"wide"`
	Until      string `json:"until"`
	Clearance  string `json:"clearance" out:"wide"`
}

func listRun(opts *ListOptions) error {
	f := opts.Factory
	filter := store.AccountFilter{State: opts.State, Department: opts.Department, Limit: opts.Limit}
	if opts.Expiring != nil {
		filter.ExpiringBy = opts.Expiring.After(f.Now()).Format(account.DateFormat)
	}
	format := opts.Output.Format()
	// A table has columns of its own, and fitted to a terminal leaves out
	// the wide ones; -o wide and --columns have every field.
	var each func(a *account.Account) error
	var close func() error
	if format == output.Table && !opts.Output.Wide() {
		w := output.NewResultList[AccountRow](f.IO, format)
		each = func(a *account.Account) error {
			return w.Write(&AccountRow{a.Username, a.Name, string(a.State), string(a.Type), a.Department, a.Position, a.Until, string(a.Clearance)})
		}
		close = w.Close
	} else {
		w := output.NewResultList[AccountResult](f.IO, format)
		each = func(a *account.Account) error {
			r := accountResult(a)
			return w.Write(&r)
		}
		close = w.Close
	}
	err := cmdutil.Run(f, opts.Cmd, store.Spec{}, func(tx store.Tx) error {
		return tx.Accounts().ListAccounts(filter, each)
	})
	if err != nil {
		return err
	}
	return close()
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
	if err := output.WriteResult(f.IO, output.Table, accountResult(a)); err != nil {
		return err
	}
	section(f, "Approvals")
	aw := output.NewResultList[ApprovalResult](f.IO, output.Table)
	for _, ap := range approvals {
		aw.Write(&ApprovalResult{ap.Stage, ap.Operator, ap.RealOperator, ap.Proxy, ap.At, ap.Reason})
	}
	if err := aw.Close(); err != nil {
		return err
	}
	section(f, "Grants")
	gw := output.NewResultList[GrantRow](f.IO, output.Table)
	for _, g := range grants {
		gw.Write(&GrantRow{g.ID, g.Resource, g.Role, g.Until, g.InForce(a.State, today), g.GrantedBy, g.RevokedAt, g.RevokeReason})
	}
	if err := gw.Close(); err != nil {
		return err
	}
	if err := writeAccountChanges(f, changes, schedules); err != nil {
		return err
	}
	if rev != nil {
		section(f, "Revocation")
		output.WriteResult(f.IO, output.Table, RevocationRow{rev.At, rev.RevokedBy, rev.Reason, rev.Snapshot})
	}
	section(f, "History")
	hw := output.NewResultList[HistoryRow](f.IO, output.Table)
	for i := range history {
		e := &history[i]
		who := e.Operator
		if e.RealOperator != e.Operator {
			who = e.RealOperator + " as " + e.Operator
		}
		hw.Write(&HistoryRow{e.Seq, e.Time(), who, e.Command, e.Outcome, e.Error})
	}
	return hw.Close()
}

// ApprovalResult is one approval stage given, in account show.
type ApprovalResult struct {
	Stage        string    `json:"stage"`
	Operator     string    `json:"operator"`
	RealOperator string    `json:"real_operator"`
	Proxy        bool      `json:"proxy"`
	At           time.Time `json:"at"`
	Reason       string    `json:"reason"`
}

// GrantRow is one of the account's grants in account show's table.
type GrantRow struct {
	ID           int64     `json:"id"`
	Resource     string    `json:"resource"`
	Role         string    `json:"role"`
	Until        string    `json:"until"`
	InForce      bool      `json:"in_force"`
	GrantedBy    string    `json:"granted_by"`
	RevokedAt    time.Time `json:"revoked_at"`
	RevokeReason string    `json:"revoke_reason"`
}

// GrantResult is one of the account's grants in account show's JSON.
type GrantResult struct {
	ID           int64     `json:"id"`
	Resource     string    `json:"resource"`
	Role         string    `json:"role"`
	Until        string    `json:"until"`
	InForce      bool      `json:"in_force"`
	Reason       string    `json:"reason"`
	GrantedBy    string    `json:"granted_by"`
	GrantedAt    time.Time `json:"granted_at"`
	RevokedAt    time.Time `json:"revoked_at"`
	RevokedBy    string    `json:"revoked_by"`
	RevokeReason string    `json:"revoke_reason"`
}

// RevocationRow is the revocation of an account in account show's table.
type RevocationRow struct {
	At        time.Time `json:"at"`
	RevokedBy string    `json:"revoked_by"`
	Reason    string    `json:"reason"`
	// Snapshot is what the account held when revoked, as JSON.
	Snapshot string `json:"snapshot"`
}

// RevocationResult is the revocation of an account in account show's
// JSON, the snapshot nested as JSON.
type RevocationResult struct {
	At        time.Time       `json:"at"`
	RevokedBy string          `json:"revoked_by"`
	Reason    string          `json:"reason"`
	Snapshot  json.RawMessage `json:"snapshot"`
}

// HistoryRow is one audit entry naming the account, in account show's
// table: who is "REAL as OPERATOR" when they differ.
type HistoryRow struct {
	Seq     int64     `json:"seq"`
	Time    time.Time `json:"time"`
	Who     string    `json:"operator"`
	Command string    `json:"command"`
	Outcome string    `json:"outcome"`
	Error   string    `json:"error"`
}

// HistoryResult is one audit entry naming the account, in account show's
// JSON.
type HistoryResult struct {
	Seq int64 `json:"seq"`
	// Time is the entry's time as stored.
	Time         string `json:"time"`
	RealOperator string `json:"real_operator"`
	Operator     string `json:"operator"`
	Command      string `json:"command"`
	Outcome      string `json:"outcome"`
	Error        string `json:"error"`
}

// ShowResult is account show's JSON: the account's fields, then what is
// recorded about it. The lists hold the results above, as objects.
type ShowResult struct {
	AccountResult
	Approvals []output.Object `json:"approvals"`
	Grants    []output.Object `json:"grants"`
	Changes   []output.Object `json:"changes"`
	Scheduled []output.Object `json:"scheduled"`
	// Revocation is a RevocationResult, or nil.
	Revocation *output.Object  `json:"revocation"`
	History    []output.Object `json:"history"`
}

func section(f *cmdutil.Factory, title string) { fmt.Fprintf(f.IO.Out, "\n%s\n", title) }

func showJSON(f *cmdutil.Factory, a *account.Account, approvals []account.Approval, grants []*access.Grant, today string, rev *store.Revocation, history []audit.Entry, changes []store.ChangeRecord, schedules []account.Schedule) error {
	r := ShowResult{accountResult(a),
		[]output.Object{}, []output.Object{}, changesJSON(changes), schedulesJSON(schedules), nil, []output.Object{},
	}
	for _, ap := range approvals {
		r.Approvals = append(r.Approvals, output.ResultObject(ApprovalResult{ap.Stage, ap.Operator, ap.RealOperator, ap.Proxy, ap.At, ap.Reason}))
	}
	for _, g := range grants {
		r.Grants = append(r.Grants, output.ResultObject(GrantResult{g.ID, g.Resource, g.Role, g.Until,
			g.InForce(a.State, today), g.Reason, g.GrantedBy, g.GrantedAt, g.RevokedAt, g.RevokedBy, g.RevokeReason}))
	}
	if rev != nil {
		o := output.ResultObject(RevocationResult{rev.At, rev.RevokedBy, rev.Reason, json.RawMessage(rev.Snapshot)})
		r.Revocation = &o
	}
	for _, e := range history {
		r.History = append(r.History, output.ResultObject(HistoryResult{e.Seq, e.At, e.RealOperator, e.Operator, e.Command, e.Outcome, e.Error}))
	}
	return output.WriteResult(f.IO, output.JSON, r)
}

// ExpireOptions are the inputs of `account expire`.
type ExpireOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
	// AsOf is --as-of as YYYY-MM-DD, "" for today.
	AsOf   string
	DryRun bool
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
			if opts.AsOf != "" {
				d, err := account.ParseDate(opts.AsOf)
				if err != nil {
					return errs.Invalidf("--as-of: %v", err)
				}
				// Freezing accounts before their last day is not catching
				// up; a preview of what will expire is a dry run.
				if !opts.DryRun && d > today(f) {
					return errs.Invalidf("--as-of %s is in the future", d).
						WithHint("--as-of is for catching up on the past; add --dry-run to preview what will expire then")
				}
				opts.AsOf = d
			}
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

// ExpireResult is one thing `account expire` did or would do.
type ExpireResult struct {
	Username   string `json:"username"`
	Name       string `json:"name"`
	Department string `json:"department"`
	Until      string `json:"until"`
	Frozen     bool   `json:"frozen"`
	// Action is expire, or the scheduled change and its date.
	Action  string `json:"action"`
	Outcome string `json:"outcome"`
}

func expireRun(opts *ExpireOptions) error {
	f := opts.Factory
	asOf := opts.AsOf
	if asOf == "" {
		asOf = today(f)
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
	w := output.NewResultList[ExpireResult](f.IO, format)
	for _, a := range due {
		outcome := "frozen"
		if opts.DryRun {
			outcome = "would freeze"
		}
		if err := w.Write(&ExpireResult{a.Username, a.Name, a.Department, a.Until, !opts.DryRun, "expire", outcome}); err != nil {
			return err
		}
	}
	for _, r := range scheduled {
		a := r.Account
		action := string(r.Schedule.Kind) + " " + r.Schedule.On
		if err := w.Write(&ExpireResult{a.Username, a.Name, a.Department, a.Until, a.State == account.Frozen && !opts.DryRun, action, r.Outcome}); err != nil {
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
