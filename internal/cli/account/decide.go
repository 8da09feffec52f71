package account

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/store"
)

// AccountResult is the flat form of an account in JSON and CSV.
type AccountResult struct {
	Username           string    `json:"username"`
	Name               string    `json:"name"`
	EmployeeID         string    `json:"employee_id"`
	Department         string    `json:"department"`
	Position           string    `json:"position"`
	Email              string    `json:"email"`
	Type               string    `json:"type"`
	Until              string    `json:"until"`
	Clearance          string    `json:"clearance"`
	State              string    `json:"state"`
	MustChangePassword bool      `json:"must_change_password"`
	AgreementRef       string    `json:"agreement_ref"`
	Reason             string    `json:"reason"`
	RequestedBy        string    `json:"requested_by"`
	RequestedAt        time.Time `json:"requested_at"`
	UpdatedAt          time.Time `json:"updated_at"`
	StateReason        string    `json:"state_reason"`
	Incident           string    `json:"incident"`
	RequestedByReal    string    `json:"requested_by_real"`
}

func accountResult(a *account.Account) AccountResult {
	return AccountResult{a.Username, a.Name, a.EmployeeID, a.Department, a.Position, a.Email, string(a.Type),
		a.Until, string(a.Clearance), string(a.State), a.MustChangePassword, a.AgreementRef, a.Reason,
		a.RequestedBy, a.RequestedAt, a.UpdatedAt, a.StateReason, a.Incident, a.RequestedByReal}
}

// DecideOptions are the inputs of `account approve` and `account reject`.
type DecideOptions struct {
	Factory  *cmdutil.Factory
	Cmd      *cobra.Command
	Output   *cmdutil.Output
	Username string
	Stage    string
	Reason   string
}

func newCmdApprove(f *cmdutil.Factory, runF func(*DecideOptions) error) *cobra.Command {
	opts := &DecideOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "approve USERNAME --stage department|it [--reason TEXT]",
		Short: "Give one approval stage to an account request",
		Long: `Give the department or the IT approval stage to a requested account. When
every stage of the policy account.approval_stages is given, the account is
approved and can be activated.

Refused (exit 4): the requester approving their own request, one person
giving both stages, a manager outside the account's department, a manager
giving the IT stage, IT giving the department stage. Under the policy
approval.proxy=deny (the default) the person at the terminal counts as
well as the operator named by --as: an admin who requested an account, or
gave one stage, under any name may not approve it again under another.
With approval.proxy=allow only the names acted as count. Either way an
approval given through --as is recorded as proxy. Refused (exit 5): an
account that is not requested, a stage someone else already gave. Giving
the same stage again changes nothing.`,
		Example: `  $ custos account approve zoe --stage department --as maria
  $ custos account approve zoe --stage it --reason "laptop ready"`,
		Args: cmdutil.ExactArgs("USERNAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd, opts.Username = cmd, args[0]
			if opts.Stage == "" {
				return errs.Invalidf("--stage is required: department or it")
			}
			if err := account.Text("--reason", opts.Reason, false); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return approveRun(opts)
		},
	}
	cmdutil.EnumFlag(cmd.Flags(), &opts.Stage, "stage", "", "", []string{"", account.StageDepartment, account.StageIT}, "the approval stage")
	cmd.Flags().StringVar(&opts.Reason, "reason", "", "why it is approved")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// ApproveResult is what `account approve` reports.
type ApproveResult struct {
	Username string `json:"username"`
	Stage    string `json:"stage"`
	State    string `json:"state"`
	Changed  bool   `json:"changed"`
	// Pending are the stages still needed.
	Pending []string `json:"pending_stages"`
	Proxy   bool     `json:"proxy"`
}

func approveRun(opts *DecideOptions) error {
	f := opts.Factory
	var res *store.ApproveResult
	err := cmdutil.Run(f, opts.Cmd, write(opts.Username), func(tx store.Tx) (err error) {
		res, err = tx.Accounts().ApproveAccount(opts.Username, opts.Stage, opts.Reason)
		return err
	})
	if err != nil {
		return err
	}
	a := res.Account
	if format := opts.Output.Format(); format != output.Table {
		return output.WriteResult(f.IO, format, ApproveResult{a.Username, opts.Stage, string(a.State), res.Changed, res.Pending, res.Proxy})
	}
	switch {
	case !res.Changed:
		fmt.Fprintf(f.IO.Out, "You already gave the %s stage of %s; nothing changed.\n", opts.Stage, output.Sanitize(a.Username))
	case a.State == account.Approved:
		fmt.Fprintf(f.IO.Out, "Approved %s: every stage is given; it can be activated.\n", output.Sanitize(a.Username))
	default:
		fmt.Fprintf(f.IO.Out, "Gave the %s stage of %s; still needed: %s.\n", opts.Stage, output.Sanitize(a.Username), strings.Join(res.Pending, ", "))
	}
	return nil
}

func newCmdReject(f *cmdutil.Factory, runF func(*DecideOptions) error) *cobra.Command {
	opts := &DecideOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "reject USERNAME --reason TEXT",
		Short: "Reject an account request",
		Long: `Reject a requested account; rejection is final. IT, admins and the
department's managers may reject, and a requester may withdraw their own
request. Rejecting a rejected request changes nothing.`,
		Example: `  $ custos account reject zoe --reason "duplicate of zoe.a"`,
		Args:    cmdutil.ExactArgs("USERNAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd, opts.Username = cmd, args[0]
			if err := account.Text("--reason", opts.Reason, true); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return rejectRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Reason, "reason", "", "why it is rejected (required)")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

func rejectRun(opts *DecideOptions) error {
	return changeState(opts.Factory, opts.Cmd, opts.Output, opts.Username, opts.Reason,
		func(tx store.Tx) (*account.Account, bool, error) {
			return tx.Accounts().RejectAccount(opts.Username, opts.Reason)
		},
		"Rejected", "is already rejected")
}

// StateResult is what a state change with a reason reports (account
// reject, freeze, revoke).
type StateResult struct {
	Username string `json:"username"`
	State    string `json:"state"`
	Changed  bool   `json:"changed"`
	Reason   string `json:"reason"`
}

// changeState runs a state change whose reason RunE checked and reports it.
func changeState(f *cmdutil.Factory, cmd *cobra.Command, out *cmdutil.Output, username, reason string,
	do func(store.Tx) (*account.Account, bool, error), done, already string) error {
	var a *account.Account
	var changed bool
	err := cmdutil.Run(f, cmd, write(username), func(tx store.Tx) (err error) {
		a, changed, err = do(tx)
		return err
	})
	if err != nil {
		return err
	}
	if format := out.Format(); format != output.Table {
		return output.WriteResult(f.IO, format, StateResult{a.Username, string(a.State), changed, reason})
	}
	if !changed {
		_, err = fmt.Fprintf(f.IO.Out, "%s %s; nothing changed.\n", output.Sanitize(a.Username), already)
		return err
	}
	_, err = fmt.Fprintf(f.IO.Out, "%s %s.\n", done, output.Sanitize(a.Username))
	return err
}
