// Package request implements `custos request`: the requests that wait for
// approvals, and approving, rejecting and withdrawing them.
package request

import (
	"fmt"
	"slices"
	"strings"

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
	cmd.AddCommand(newCmdList(f), newCmdShow(f), newCmdApprove(f), newCmdClose(f, false), newCmdClose(f, true))
	return cmd
}

var listColumns = output.Whole(output.Cols("id", "kind", "state", "requester", "change", "pending_stages", "created_at", "expires_at"), "id")

func changeText(q *request.Request) string { return request.Describe(q.Kind, q.Payload) }

func newCmdList(f *cmdutil.Factory) *cobra.Command {
	var filter store.RequestFilter
	var out *cmdutil.Output
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
			if err := cmdutil.CheckLimit(cmd, filter.Limit); err != nil {
				return err
			}
			if filter.Kind != "" && !slices.Contains(request.Kinds, filter.Kind) {
				return errs.Invalidf("--kind %q: the kinds are %s", filter.Kind, strings.Join(request.Kinds, ", "))
			}
			format := out.Format()
			w := output.NewList(f.IO, format, listColumns)
			err := cmdutil.Run(f, cmd, store.Spec{}, func(tx store.Tx) error {
				now := tx.Now()
				return tx.Requests().ListRequests(filter, func(q *request.Request) error {
					return w.Row(q.ID, q.Kind, string(q.StateAt(now)), q.Requester.Operator, changeText(q), strings.Join(q.PendingStages(), ","),
						q.CreatedAt, q.ExpiresAt)
				})
			})
			if err != nil {
				return err
			}
			return w.Close()
		},
	}
	cmd.Flags().BoolVar(&filter.Pending, "pending", false, "only requests still waiting for approvals")
	cmd.Flags().BoolVar(&filter.Mine, "mine", false, "only the requests you asked for")
	cmd.Flags().StringVar(&filter.Kind, "kind", "", "only requests of this kind (access, retention, hold-release)")
	cmdutil.AddLimitFlag(cmd, &filter.Limit, "requests")
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

func newCmdShow(f *cmdutil.Factory) *cobra.Command {
	var out *cmdutil.Output
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
			var q *request.Request
			var state request.State
			err := cmdutil.Run(f, cmd, store.Spec{Targets: []string{"request:" + args[0]}}, func(tx store.Tx) (err error) {
				if q, err = tx.Requests().GetRequest(args[0]); err == nil {
					state = q.StateAt(tx.Now())
				}
				return err
			})
			if err != nil {
				return err
			}
			if format := out.Format(); format != output.Table {
				approvals := make([]map[string]any, len(q.Approvals))
				for i, a := range q.Approvals {
					approvals[i] = map[string]any{"stage": a.Stage, "operator": a.By.Operator, "real_operator": a.By.Real,
						"at": a.At, "reason": a.Reason, "sha256": a.PayloadSHA256, "proxy": a.Proxy}
				}
				return output.WriteObject(f.IO, format,
					output.Cols("id", "kind", "state", "requester", "real_requester", "reason", "change", "payload", "sha256", "stages", "pending_stages", "approvals", "created_at", "expires_at", "outcome"),
					q.ID, q.Kind, string(state), q.Requester.Operator, q.Requester.Real, q.Reason, changeText(q), q.Payload, q.SHA256,
					q.Stages, q.PendingStages(), approvals, q.CreatedAt, q.ExpiresAt, q.Outcome)
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
		},
	}
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

func newCmdApprove(f *cmdutil.Factory) *cobra.Command {
	var stage, reason string
	var out *cmdutil.Output
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
			if stage != "" {
				stage = strings.ToLower(strings.TrimSpace(stage))
			}
			var res *store.RequestApproval
			err := cmdutil.Run(f, cmd, store.Spec{Write: true, Targets: []string{"request:" + args[0]}}, func(tx store.Tx) (err error) {
				res, err = tx.Requests().ApproveRequest(args[0], stage, strings.TrimSpace(reason))
				return err
			})
			if err != nil {
				return err
			}
			q := res.Request
			if format := out.Format(); format != output.Table {
				var grant any
				if res.Grant != nil {
					grant = res.Grant.ID
				}
				return output.WriteObject(f.IO, format, output.Cols("id", "stage", "state", "pending_stages", "applied", "failed", "grant"),
					q.ID, res.Stage, string(q.State), q.PendingStages(), res.Applied, res.Failed, grant)
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
		},
	}
	cmd.Flags().StringVar(&stage, "stage", "", "the stage to give (inferred when you are eligible for one)")
	cmd.Flags().StringVar(&reason, "reason", "", "why you approve")
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

func newCmdClose(f *cmdutil.Factory, withdraw bool) *cobra.Command {
	var reason string
	var out *cmdutil.Output
	verb, done := "reject", "Rejected"
	use, short := "reject ID --reason TEXT", "Reject a pending request (someone eligible for a stage it needs)"
	if withdraw {
		verb, done = "withdraw", "Withdrew"
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
			if err := account.Text("--reason", strings.TrimSpace(reason), !withdraw); err != nil {
				return err
			}
			var q *request.Request
			err := cmdutil.Run(f, cmd, store.Spec{Write: true, Targets: []string{"request:" + args[0]}}, func(tx store.Tx) (err error) {
				q, err = tx.Requests().CloseRequest(args[0], strings.TrimSpace(reason), withdraw)
				return err
			})
			if err != nil {
				return err
			}
			if format := out.Format(); format != output.Table {
				return output.WriteObject(f.IO, format, output.Cols("id", "state"), q.ID, string(q.State))
			}
			_, err = fmt.Fprintf(f.IO.Out, "%s %s.\n", done, q.ID)
			return err
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why")
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}
