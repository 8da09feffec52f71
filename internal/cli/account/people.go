package account

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/access"
	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/output"
	reqs "github.com/custos-dev/custos/internal/request"
	"github.com/custos-dev/custos/internal/store"
)

// UpdateOptions are the inputs of `account update`.
type UpdateOptions struct {
	Factory   *cmdutil.Factory
	Cmd       *cobra.Command
	Output    *cmdutil.Output
	Username  string
	Edit      account.Edit
	Clearance string
	Reason    string
	Batch     batchFlags
}

func newCmdUpdate(f *cmdutil.Factory, runF func(*UpdateOptions) error) *cobra.Command {
	opts := &UpdateOptions{Factory: f}
	var until, position, email, name string
	cmd := &cobra.Command{
		Use:   "update (USERNAME [--until DATE] [--position P] [--email E] [--name N] [--clearance C] --reason TEXT | --from-file F.csv [--dry-run])",
		Short: "Correct or extend an account: end date, position, email, name, clearance",
		Long: `Change an account's details, each field's before and after recorded with the
reason (account show lists them under Changes): extend a contractor's
--until (none clears an employee's), correct a --name, record a new
--position or --email. A field given as it already is changes nothing.

--clearance C is not changed here but asked for: it files a request
(custos request) for the stages department (a manager of the account's
department) and it, applied when both are given. A transfer to another
department is custos account transfer.

Refused: no field or no --reason (exit 2), a malformed value or an end
date in the past (exit 2), a revoked or rejected account (exit 5), an
unknown account (exit 3).

--from-file F.csv updates one account per row (columns username, until,
position, email, name, clearance, reason; an empty cell leaves the field
as it is). Each row is checked, done and audited on its own, and the
result lists every row; --dry-run checks every row and changes nothing.
The exit code is 0 only if every row succeeded (otherwise that of the
first failed row).`,
		Example: `  $ custos account update li.wei --until 2027-12-31 --reason "contract extended to December"
  $ custos account update zoe --name "Zoë Ångström-Berg" --reason "married; HR ticket 4471"
  $ custos account update zoe --clearance confidential --reason "handles customer contracts"
  $ custos account update --from-file extensions.csv --dry-run`,
		Args: batchArgs(&opts.Batch),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			if opts.Batch.FromFile != "" {
				if runF != nil {
					return runF(opts)
				}
				return updateRun(opts)
			}
			opts.Username = args[0]
			fl := cmd.Flags()
			for _, p := range []struct {
				flag string
				v    *string
				dst  **string
			}{{"until", &until, &opts.Edit.Until}, {"position", &position, &opts.Edit.Position}, {"email", &email, &opts.Edit.Email}, {"name", &name, &opts.Edit.Name}} {
				if fl.Changed(p.flag) {
					*p.dst = p.v
				}
			}
			if opts.Edit.Empty() && opts.Clearance == "" {
				return errs.Invalidf("nothing to update: give --until, --position, --email, --name or --clearance")
			}
			opts.Reason = strings.TrimSpace(opts.Reason)
			if err := account.Text("--reason", opts.Reason, true); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return updateRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&until, "until", "", "the account's new last day, YYYY-MM-DD (none clears an employee's)")
	fl.StringVar(&position, "position", "", "the person's new position")
	fl.StringVar(&email, "email", "", "the person's new email address")
	fl.StringVar(&name, "name", "", "the person's corrected name")
	cmdutil.EnumFlag(fl, &opts.Clearance, "clearance", "", "", append([]string{""}, account.Levels...), "ask for a new clearance (a request)")
	fl.StringVar(&opts.Reason, "reason", "", "why it changes (required)")
	addBatchFlags(cmd, &opts.Batch, updateColumns)
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

func updateRun(opts *UpdateOptions) error {
	f := opts.Factory
	if opts.Batch.FromFile != "" {
		rows, err := updateRows(opts.Batch.FromFile, f)
		if err != nil {
			return err
		}
		return runBatch(f, opts.Cmd, opts.Output, rows, opts.Batch.DryRun)
	}
	var changes []account.Change
	var q *reqs.Request
	err := cmdutil.Run(f, opts.Cmd, write(opts.Username), func(tx store.Tx) (err error) {
		if !opts.Edit.Empty() {
			if _, changes, err = tx.Accounts().UpdateAccount(opts.Username, opts.Edit, opts.Reason); err != nil {
				return err
			}
		}
		if opts.Clearance != "" {
			q, err = tx.Accounts().RequestClearance(opts.Username, opts.Clearance, opts.Reason)
		}
		return err
	})
	if err != nil {
		return err
	}
	return writeChanges(f, opts.Output.Format(), opts.Username, changes, q)
}

// UpdateResult is what `account update` reports.
type UpdateResult struct {
	Username string `json:"username"`
	Changed  bool   `json:"changed"`
	// Changes are FieldChange results, one per field changed.
	Changes []output.Object `json:"changes"`
	// Request is the id of the clearance request filed, if any.
	Request string `json:"request"`
}

// FieldChange is one field an update changed.
type FieldChange struct {
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// writeChanges renders the fields an edit changed and the request it
// filed, if any.
func writeChanges(f *cmdutil.Factory, format output.Format, username string, changes []account.Change, q *reqs.Request) error {
	if format != output.Table {
		r := UpdateResult{Username: username, Changed: len(changes) > 0, Changes: make([]output.Object, len(changes))}
		for i, c := range changes {
			r.Changes[i] = output.ResultObject(FieldChange{c.Field, c.Before, c.After})
		}
		if q != nil {
			r.Request = q.ID
		}
		// The result nests a list, which has no CSV form: CSV gets the
		// JSON object too.
		return output.WriteResult(f.IO, output.JSON, r)
	}
	for _, c := range changes {
		fmt.Fprintf(f.IO.Out, "%s: %s → %s\n", c.Field, output.Sanitize(orNone(c.Before)), output.Sanitize(orNone(c.After)))
	}
	if len(changes) == 0 && q == nil {
		fmt.Fprintf(f.IO.Out, "%s is already so; nothing changed.\n", output.Sanitize(username))
	}
	if q != nil {
		fmt.Fprintf(f.IO.Out, "Requested %s: %s; it needs %s.\n", q.ID, output.Sanitize(reqs.Describe(q.Kind, q.Payload)), strings.Join(q.Stages, ", "))
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// LeaveOptions are the inputs of `account leave`.
type LeaveOptions struct {
	Factory  *cmdutil.Factory
	Cmd      *cobra.Command
	Output   *cmdutil.Output
	Username string
	On       string
	Then     string
	Reason   string
	Batch    batchFlags
}

func newCmdLeave(f *cmdutil.Factory, runF func(*LeaveOptions) error) *cobra.Command {
	opts := &LeaveOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "leave (USERNAME --on DATE --reason TEXT [--then freeze|revoke] | --from-file F.csv [--dry-run])",
		Short: "Schedule a leaver: HR's advance notice, carried out on the date",
		Long: `Record HR's advance notice that the account's holder leaves. From --on DATE
(the first day without access) the account is frozen, or with --then
revoke revoked with all its grants; custos account expire (run by cron)
does it on that date, not before, and custos due lists it until then. A
second notice for the same account replaces the first (the date moved);
account show lists both.

Refused: a date in the past or no --reason (exit 2), a requested account
(reject it instead) or a revoked or rejected one (exit 5), an unknown
account (exit 3).

--from-file F.csv (columns username, on, then, reason) schedules one
leaver per row, each on its own, with --dry-run to check them all first;
exit 0 only if every row succeeded.`,
		Example: `  $ custos account leave zoe --on 2026-12-31 --reason "resigned; HR ticket 5120"
  $ custos account leave li.wei --on 2027-01-15 --then revoke --reason "contract ends"
  $ custos account leave --from-file leavers-december.csv`,
		Args: batchArgs(&opts.Batch),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			if opts.Batch.FromFile == "" {
				opts.Username = args[0]
				if opts.On == "" {
					return errs.Invalidf("--on is required: the date from which the account is closed")
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return leaveRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.On, "on", "", "the first day without access, YYYY-MM-DD (required)")
	cmdutil.EnumFlag(cmd.Flags(), &opts.Then, "then", "", account.ThenFreeze, []string{account.ThenFreeze, account.ThenRevoke}, "what the account becomes on the date")
	cmd.Flags().StringVar(&opts.Reason, "reason", "", "why the person leaves (required)")
	addBatchFlags(cmd, &opts.Batch, leaveColumns)
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// LeaveResult is what `account leave` reports.
type LeaveResult struct {
	Username string `json:"username"`
	On       string `json:"on"`
	Then     string `json:"then"`
	State    string `json:"state"`
	// ReplacedOn is the date of the notice this one replaces, if any.
	ReplacedOn string `json:"replaced_on"`
}

func leaveRun(opts *LeaveOptions) error {
	f := opts.Factory
	if opts.Batch.FromFile != "" {
		rows, err := leaveRows(opts.Batch.FromFile, f)
		if err != nil {
			return err
		}
		return runBatch(f, opts.Cmd, opts.Output, rows, opts.Batch.DryRun)
	}
	var s, replaced *account.Schedule
	err := cmdutil.Run(f, opts.Cmd, write(opts.Username), func(tx store.Tx) (err error) {
		s, replaced, err = tx.Accounts().ScheduleLeave(opts.Username, opts.On, opts.Then, opts.Reason)
		return err
	})
	if err != nil {
		return err
	}
	if format := opts.Output.Format(); format != output.Table {
		r := LeaveResult{Username: s.Username, On: s.On, Then: s.Then, State: string(s.State)}
		if replaced != nil {
			r.ReplacedOn = replaced.On
		}
		return output.WriteResult(f.IO, format, r)
	}
	fmt.Fprintf(f.IO.Out, "%s leaves on %s: the account will be %s by custos account expire that day.\n", output.Sanitize(s.Username), s.On, pastTense(s.Then))
	if replaced != nil {
		fmt.Fprintf(f.IO.Out, "This replaces the notice for %s.\n", replaced.On)
	}
	return nil
}

func pastTense(then string) string {
	if then == account.ThenRevoke {
		return "revoked"
	}
	return "frozen"
}

// TransferOptions are the inputs of `account transfer`.
type TransferOptions struct {
	Factory    *cmdutil.Factory
	Cmd        *cobra.Command
	Output     *cmdutil.Output
	Username   string
	Department string
	Position   string
	On         string
	Keep       []string
	Reason     string
	Batch      batchFlags
}

func newCmdTransfer(f *cmdutil.Factory, runF func(*TransferOptions) error) *cobra.Command {
	opts := &TransferOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "transfer (USERNAME --department D --position P --reason TEXT [--on DATE] [--keep RESOURCE:ROLE…] | --from-file F.csv [--dry-run])",
		Short: "Ask to move an account to another department (the mover)",
		Long: `Ask for a transfer: the request (custos request) needs the stages department
(a manager of the NEW department) and it, each by someone other than the
one who asked. When the last is given, the transfer is made at once, or on
--on DATE by custos account expire (until then account show lists it as
scheduled). On the date the department and position change (recorded with
before and after), and every grant is handled by policy
account.transfer_grants:

  review  (default) an automatic review campaign, transfer-USER-DATE, puts
          each grant before a manager of the new department, due in
          review.due_days; they keep or revoke with access review decide
  revoke  every grant is revoked except those named with --keep
  keep    every grant stays

Refused: a missing --department, --position or --reason, a date in the
past, a --keep the account does not hold or given under another policy
(exit 2), an account that is not active or frozen, or already there, or
with a transfer already asked for (exit 5).

--from-file F.csv (columns username, department, position, on, keep,
reason; keep lists RESOURCE:ROLE separated by ';') asks for one transfer
per row, each on its own, with --dry-run to check them all first; exit 0
only if every row succeeded.`,
		Example: `  $ custos account transfer zoe --department Finance --position Controller \
      --reason "internal move, HR ticket 5301" --on 2027-01-01
  Requested REQ-2026-0012: move zoe from Sales to Finance as Controller on 2027-01-01; it needs department, it.`,
		Args: batchArgs(&opts.Batch),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			if opts.Batch.FromFile == "" {
				opts.Username = args[0]
				var err error
				if opts.Keep, err = access.ParseKeep(opts.Keep); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return transferRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Department, "department", "", "the new department (required)")
	fl.StringVar(&opts.Position, "position", "", "the new position (required)")
	fl.StringVar(&opts.On, "on", "", "the date of the move, YYYY-MM-DD (default: when approved)")
	fl.StringSliceVar(&opts.Keep, "keep", nil, "a grant to keep, RESOURCE:ROLE, under account.transfer_grants=revoke (repeatable)")
	fl.StringVar(&opts.Reason, "reason", "", "why the person moves (required)")
	addBatchFlags(cmd, &opts.Batch, transferColumns)
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// RequestResult is the request a command filed (account transfer).
type RequestResult struct {
	ID     string   `json:"id"`
	Kind   string   `json:"kind"`
	State  string   `json:"state"`
	Stages []string `json:"stages"`
	SHA256 string   `json:"sha256"`
}

func transferRun(opts *TransferOptions) error {
	f := opts.Factory
	if opts.Batch.FromFile != "" {
		rows, err := transferRows(opts.Batch.FromFile, f)
		if err != nil {
			return err
		}
		return runBatch(f, opts.Cmd, opts.Output, rows, opts.Batch.DryRun)
	}
	var q *reqs.Request
	err := cmdutil.Run(f, opts.Cmd, write(opts.Username), func(tx store.Tx) (err error) {
		q, err = tx.Accounts().RequestTransfer(opts.Username, opts.Department, opts.Position, opts.On, opts.Keep, opts.Reason)
		return err
	})
	if err != nil {
		return err
	}
	if format := opts.Output.Format(); format != output.Table {
		return output.WriteResult(f.IO, format, RequestResult{q.ID, q.Kind, string(q.State), q.Stages, q.SHA256})
	}
	_, err = fmt.Fprintf(f.IO.Out, "Requested %s: %s; it needs %s.\n", q.ID, output.Sanitize(reqs.Describe(q.Kind, q.Payload)), strings.Join(q.Stages, ", "))
	return err
}
