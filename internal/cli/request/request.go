// Package request implements `custos request`: the requests that wait for
// approvals, and approving, rejecting and withdrawing them.
package request

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/request"
	"github.com/custos-dev/custos/internal/store"
)

// NewCmdRequest returns `custos request` and its verbs.
func NewCmdRequest(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "request",
		Short: "Requests that wait for approvals",
		Long: `Changes that need approval are requests: custos access request asks for a
grant; shortening a retention schedule (records retain) and releasing a
legal hold (records release) ask an officer, under policy
records.change_approval=required, the default. A request holds the exact change (its SHA-256 is what approvals
approve), who asked and why, and the stages the organisation's policy
requires. Each stage is given by someone eligible for it who did not ask
and gave no other stage (the real operator counts too, so --as does not
help); the last approval applies the change, every rule checked again.
A request is pending, then applied (or approved, when the change could not
be applied, with the reason), or rejected, withdrawn or expired.`,
	}
	cmdutil.Group(cmd)
	cmd.AddCommand(newCmdList(f, nil), newCmdShow(f, nil), newCmdApprove(f, nil), newCmdClose(f, false, nil), newCmdClose(f, true, nil))
	return cmd
}

func changeText(q *request.Request) string { return request.Describe(q.Kind, q.Payload) }

// ListOptions are the inputs of `request list`.
type ListOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
	Pending bool
	Mine    bool
	Kind    string
	// Limit is the most requests listed; 0 lists all.
	Limit int
}

func newCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "list [--pending] [--mine] [--kind K] [--limit N]",
		Short: "List requests, newest first",
		Long: `List requests, newest first, with the stages each still needs. A pending
request past its expiry is listed as expired. --limit N lists the newest N
only.`,
		Example: `  $ custos request list --pending
  $ custos request list --mine -o json
  $ custos request list --limit 20`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			if err := cmdutil.CheckLimit(cmd, opts.Limit); err != nil {
				return err
			}
			if opts.Kind != "" && !slices.Contains(request.Kinds, opts.Kind) {
				return errs.Invalidf("--kind %q: the kinds are %s", opts.Kind, strings.Join(request.Kinds, ", "))
			}
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Pending, "pending", false, "only requests still waiting for approvals")
	cmd.Flags().BoolVar(&opts.Mine, "mine", false, "only the requests you asked for")
	cmd.Flags().StringVar(&opts.Kind, "kind", "", "only requests of this kind (access, retention, hold-release)")
	cmdutil.AddLimitFlag(cmd, &opts.Limit, "requests")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// ListResult is one request in `request list`.
type ListResult struct {
	ID        string `json:"id" out:"whole"`
	Kind      string `json:"kind"`
	State     string `json:"state"`
	Requester string `json:"requester"`
	Change    string `json:"change"`
	// PendingStages are the stages it still needs, comma-separated.
	PendingStages string    `json:"pending_stages"`
	CreatedAt     time.Time `json:"created_at"`
	ExpiresAt     time.Time `json:"expires_at"`
}

func listRun(opts *ListOptions) error {
	f := opts.Factory
	w := output.NewResultList[ListResult](f.IO, opts.Output.Format())
	filter := store.RequestFilter{Pending: opts.Pending, Mine: opts.Mine, Kind: opts.Kind, Limit: opts.Limit}
	err := cmdutil.Run(f, opts.Cmd, store.Spec{}, func(tx store.Tx) error {
		now := tx.Now()
		return tx.Requests().ListRequests(filter, func(q *request.Request) error {
			return w.Write(&ListResult{q.ID, q.Kind, string(q.StateAt(now)), q.Requester.Operator, changeText(q),
				strings.Join(q.PendingStages(), ","), q.CreatedAt, q.ExpiresAt})
		})
	})
	if err != nil {
		return err
	}
	return w.Close()
}

// ShowOptions are the inputs of `request show`.
type ShowOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
	ID      string
}

func newCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show a request: its change, stages, approvals and outcome",
		Long: `Show a request: the change it asks for (in words, and the exact payload
approvals name) and its SHA-256, who asked and why,
the stages it needs, each approval (stage, who, when, why), what it still
waits for, and what became of it.`,
		Example: `  $ custos request show REQ-2026-0007`,
		Args:    cmdutil.ExactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd, opts.ID = cmd, args[0]
			if runF != nil {
				return runF(opts)
			}
			return showRun(opts)
		},
	}
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// ShowResult is a request as `request show` reports it.
type ShowResult struct {
	ID            string    `json:"id"`
	Kind          string    `json:"kind"`
	State         string    `json:"state"`
	Requester     string    `json:"requester"`
	RealRequester string    `json:"real_requester"`
	Reason        string    `json:"reason"`
	Change        string    `json:"change"`
	Payload       string    `json:"payload"`
	SHA256        string    `json:"sha256"`
	Stages        []string  `json:"stages"`
	PendingStages []string  `json:"pending_stages"`
	Approvals     Approvals `json:"approvals"`
	CreatedAt     time.Time `json:"created_at"`
	ExpiresAt     time.Time `json:"expires_at"`
	Outcome       string    `json:"outcome"`
}

// Approvals are a request's approvals, in the order given.
type Approvals []ApprovalResult

// ApprovalResult is one approval of a request. Its fields are in the
// order of their names, as the JSON has always had them, and encode as
// encoding/json does (an empty reason is "", not null).
type ApprovalResult struct {
	At           time.Time `json:"at"`
	Operator     string    `json:"operator"`
	Proxy        bool      `json:"proxy"`
	RealOperator string    `json:"real_operator"`
	Reason       string    `json:"reason"`
	SHA256       string    `json:"sha256"`
	Stage        string    `json:"stage"`
}

// String is the approvals as a CSV cell has always shown them: Go's
// printing of each approval's fields by name.
func (l Approvals) String() string {
	m := make([]map[string]any, len(l))
	for i, a := range l {
		m[i] = map[string]any{"stage": a.Stage, "operator": a.Operator, "real_operator": a.RealOperator,
			"at": a.At, "reason": a.Reason, "sha256": a.SHA256, "proxy": a.Proxy}
	}
	return fmt.Sprint(m)
}

func showResult(q *request.Request, state request.State) ShowResult {
	approvals := make(Approvals, len(q.Approvals))
	for i, a := range q.Approvals {
		approvals[i] = ApprovalResult{At: a.At, Operator: a.By.Operator, Proxy: a.Proxy, RealOperator: a.By.Real,
			Reason: a.Reason, SHA256: a.PayloadSHA256, Stage: a.Stage}
	}
	return ShowResult{q.ID, q.Kind, string(state), q.Requester.Operator, q.Requester.Real, q.Reason, changeText(q), q.Payload, q.SHA256,
		q.Stages, q.PendingStages(), approvals, q.CreatedAt, q.ExpiresAt, q.Outcome}
}

func showRun(opts *ShowOptions) error {
	f := opts.Factory
	var q *request.Request
	var state request.State
	err := cmdutil.Run(f, opts.Cmd, store.Spec{Targets: []string{"request:" + opts.ID}}, func(tx store.Tx) (err error) {
		if q, err = tx.Requests().GetRequest(opts.ID); err == nil {
			state = q.StateAt(tx.Now())
		}
		return err
	})
	if err != nil {
		return err
	}
	if format := opts.Output.Format(); format != output.Table {
		return output.WriteResult(f.IO, format, showResult(q, state))
	}
	w := f.IO.Out
	fmt.Fprintf(w, "%s  %s request, %s\n", q.ID, q.Kind, state)
	fmt.Fprintf(w, "change:     %s\n", output.Sanitize(changeText(q)))
	fmt.Fprintf(w, "payload:    %s\n", output.Sanitize(q.Payload))
	fmt.Fprintf(w, "asked by:   %s, %s\n", output.Sanitize(account.Party{Operator: q.Requester.Operator, Real: q.Requester.Real}.String()), output.Text(q.CreatedAt))
	fmt.Fprintf(w, "reason:     %s\n", output.Sanitize(q.Reason))
	fmt.Fprintf(w, "stages:     %s\n", strings.Join(q.Stages, ", "))
	for _, a := range q.Approvals {
		fmt.Fprintf(w, "approved:   %s by %s, %s: %s\n", a.Stage, output.Sanitize(a.By.String()), output.Text(a.At), output.Sanitize(a.Reason))
	}
	if p := q.PendingStages(); state == request.Pending && len(p) > 0 {
		fmt.Fprintf(w, "waiting:    %s (expires %s)\n", strings.Join(p, ", "), output.Text(q.ExpiresAt))
	}
	if q.Outcome != "" {
		fmt.Fprintf(w, "outcome:    %s\n", output.Sanitize(q.Outcome))
	}
	fmt.Fprintf(w, "sha256:     %s\n", q.SHA256)
	return nil
}

// ApproveOptions are the inputs of `request approve`.
type ApproveOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
	ID      string
	// Stage is the stage to give, lower-cased; "" infers it.
	Stage  string
	Reason string
}

func newCmdApprove(f *cmdutil.Factory, runF func(*ApproveOptions) error) *cobra.Command {
	opts := &ApproveOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "approve ID [--stage S] [--reason TEXT]",
		Short: "Give a stage of a request; the last one applies it",
		Long: `Give one stage of a pending request. Without --stage, the stage is the one
you are eligible for among those it still needs. Refused (exit 4): the
one who asked, someone who gave another stage (the real operator counts
too, under policy approval.proxy=deny), someone not eligible for the stage.
A request no longer pending, or a stage already given, is exit 5.

The last approval applies the change in the same transaction, every rule
checked again now; if the change is refused now (say, the account was
frozen meanwhile), the approval stands, the request stays approved with
the reason, and the command says so.`,
		Example: `  $ custos request approve REQ-2026-0007 --reason "confirmed with the team lead"`,
		Args:    cmdutil.ExactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd, opts.ID = cmd, args[0]
			opts.Stage = strings.ToLower(strings.TrimSpace(opts.Stage))
			opts.Reason = strings.TrimSpace(opts.Reason)
			if runF != nil {
				return runF(opts)
			}
			return approveRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Stage, "stage", "", "the stage to give (inferred when you are eligible for one)")
	cmd.Flags().StringVar(&opts.Reason, "reason", "", "why you approve")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// ApproveResult is what `request approve` reports.
type ApproveResult struct {
	ID            string   `json:"id"`
	Stage         string   `json:"stage"`
	State         string   `json:"state"`
	PendingStages []string `json:"pending_stages"`
	// Applied: this approval was the last and its change was made.
	Applied bool `json:"applied"`
	// Failed is why the change could not be applied, or "".
	Failed string `json:"failed"`
	// Grant is the id (int64) of the grant an access request made, or nil.
	Grant any `json:"grant"`
}

func approveRun(opts *ApproveOptions) error {
	f := opts.Factory
	var res *store.RequestApproval
	err := cmdutil.Run(f, opts.Cmd, store.Spec{Write: true, Targets: []string{"request:" + opts.ID}}, func(tx store.Tx) (err error) {
		res, err = tx.Requests().ApproveRequest(opts.ID, opts.Stage, opts.Reason)
		return err
	})
	if err != nil {
		return err
	}
	q := res.Request
	if format := opts.Output.Format(); format != output.Table {
		var grant any
		if res.Grant != nil {
			grant = res.Grant.ID
		}
		return output.WriteResult(f.IO, format, ApproveResult{q.ID, res.Stage, string(q.State), q.PendingStages(), res.Applied, res.Failed, grant})
	}
	switch {
	case res.Applied:
		_, err = fmt.Fprintf(f.IO.Out, "Approved the %s stage of %s; it is applied: %s.\n", res.Stage, q.ID, output.Sanitize(q.Outcome))
	case q.State == request.Approved && res.Failed == "":
		// Carried out by a later command: a purge plan, a look-up.
		_, err = fmt.Fprintf(f.IO.Out, "Approved the %s stage of %s, its last: %s.\n", res.Stage, q.ID, output.Sanitize(q.Outcome))
	case res.Failed != "":
		fmt.Fprintf(f.IO.Out, "Approved the %s stage of %s, its last; the change could not be applied now.\n", res.Stage, q.ID)
		_, err = fmt.Fprintf(f.IO.ErrOut, "custos: warning: %s stays approved but not applied: %s\n", q.ID, output.Sanitize(res.Failed))
	default:
		_, err = fmt.Fprintf(f.IO.Out, "Approved the %s stage of %s; it still needs %s.\n", res.Stage, q.ID, strings.Join(q.PendingStages(), ", "))
	}
	return err
}

// CloseOptions are the inputs of `request reject` and `request withdraw`.
type CloseOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
	ID      string
	Reason  string
	// Withdraw is request withdraw (the one who asked, or an admin); a
	// reject needs a reason.
	Withdraw bool
}

func newCmdClose(f *cmdutil.Factory, withdraw bool, runF func(*CloseOptions) error) *cobra.Command {
	opts := &CloseOptions{Factory: f, Withdraw: withdraw}
	verb := "reject"
	use, short := "reject ID --reason TEXT", "Reject a pending request (someone eligible for a stage it needs)"
	if withdraw {
		verb = "withdraw"
		use, short = "withdraw ID [--reason TEXT]", "Withdraw a pending request (the one who asked, or an admin)"
	}
	long := `Reject a pending request: anyone eligible for a stage it still needs may,
with a reason. It is then closed; asking again makes a new request.`
	if withdraw {
		long = `Withdraw a pending request you asked for (an admin may withdraw anyone's).
It is then closed; asking again makes a new request.`
	}
	cmd := &cobra.Command{
		Use:     use,
		Short:   short,
		Long:    long,
		Example: "  $ custos request " + verb + " REQ-2026-0007 --reason \"no longer needed\"",
		Args:    cmdutil.ExactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd, opts.ID = cmd, args[0]
			opts.Reason = strings.TrimSpace(opts.Reason)
			if err := account.Text("--reason", opts.Reason, !opts.Withdraw); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return closeRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Reason, "reason", "", "why")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// CloseResult is what `request reject` and `request withdraw` report.
type CloseResult struct {
	ID    string `json:"id"`
	State string `json:"state"`
}

func closeRun(opts *CloseOptions) error {
	f := opts.Factory
	var q *request.Request
	err := cmdutil.Run(f, opts.Cmd, store.Spec{Write: true, Targets: []string{"request:" + opts.ID}}, func(tx store.Tx) (err error) {
		q, err = tx.Requests().CloseRequest(opts.ID, opts.Reason, opts.Withdraw)
		return err
	})
	if err != nil {
		return err
	}
	if format := opts.Output.Format(); format != output.Table {
		return output.WriteResult(f.IO, format, CloseResult{q.ID, string(q.State)})
	}
	done := "Rejected"
	if opts.Withdraw {
		done = "Withdrew"
	}
	_, err = fmt.Fprintf(f.IO.Out, "%s %s.\n", done, q.ID)
	return err
}
