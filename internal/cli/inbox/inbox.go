// Package inbox implements `custos inbox` and `custos due`: what awaits
// the operator, and what is overdue or due soon across the organisation.
package inbox

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/store"
)

// NewCmdInbox returns `custos inbox`.
func NewCmdInbox(f *cmdutil.Factory) *cobra.Command { return newCmdInbox(f, nil) }

// InboxOptions are the inputs of `inbox`.
type InboxOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
}

func newCmdInbox(f *cmdutil.Factory, runF func(*InboxOptions) error) *cobra.Command {
	opts := &InboxOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "inbox",
		Short: "What awaits you: approvals to give, items to decide, incidents",
		Long: `List what awaits you, the operator running it: the stages of account
requests and of requests (access, retention, hold releases) you may give,
your undecided access review items (one line per campaign), and the open
incidents assigned to you, each with the command that acts on it.`,
		Example: `  $ custos inbox
  $ custos inbox -o json | jq -r '.[].command'`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			if runF != nil {
				return runF(opts)
			}
			return inboxRun(opts)
		},
	}
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// InboxResult is one thing awaiting the operator, with the command that
// acts on it.
type InboxResult struct {
	Kind    string `json:"kind"`
	ID      string `json:"id"`
	What    string `json:"what"`
	Command string `json:"command"`
}

func inboxRun(opts *InboxOptions) error {
	f := opts.Factory
	var items []store.InboxItem
	err := cmdutil.Run(f, opts.Cmd, store.Spec{}, func(tx store.Tx) (err error) {
		items, err = tx.Work().Inbox()
		return err
	})
	if err != nil {
		return err
	}
	format := opts.Output.Format()
	w := output.NewResultList[InboxResult](f.IO, format)
	for _, it := range items {
		if err := w.Write(&InboxResult{it.Kind, it.ID, it.What, it.Command}); err != nil {
			return err
		}
	}
	if len(items) == 0 && format == output.Table {
		_, err := fmt.Fprintln(f.IO.Out, "Nothing awaits you.")
		return err
	}
	return w.Close()
}

// NewCmdDue returns `custos due`.
func NewCmdDue(f *cmdutil.Factory) *cobra.Command { return newCmdDue(f, nil) }

// DueOptions are the inputs of `due`.
type DueOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
	// Within is how far ahead to look, besides what is overdue.
	Within time.Duration
}

func newCmdDue(f *cmdutil.Factory, runF func(*DueOptions) error) *cobra.Command {
	opts := &DueOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "due [--within DURATION]",
		Short: "What is overdue or due soon across the organisation",
		Long: `List everything overdue, or due within --within (default 168h, a week):
accounts reaching their end date, scheduled leavers and transfers (account
leave, account transfer), open access reviews with undecided
items past or near their due date, open incidents not yet reported near or
past their reporting deadline, pending requests near their expiry, records
past retention, and the last audit checkpoint against policy
audit.checkpoint_days. Exit 8 when anything is overdue, 0 otherwise, so
cron and monitoring can alert on it.`,
		Example: `  $ custos due
  $ custos due --within 720h -o json
  # cron: mail the list when anything is overdue
  custos due >/tmp/due.txt || [ $? -ne 8 ] || mail -s "custos: overdue" it@example.org </tmp/due.txt`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			if opts.Within < 0 {
				return errs.Invalidf("--within must not be negative")
			}
			if runF != nil {
				return runF(opts)
			}
			return dueRun(opts)
		},
	}
	cmd.Flags().DurationVar(&opts.Within, "within", 7*24*time.Hour, "also list what falls due within this long")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// DueResult is one thing overdue or due soon, with the command that acts
// on it.
type DueResult struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
	What string `json:"what"`
	// When is when it falls due; zero (null) when it has no date.
	When    time.Time `json:"when"`
	Overdue bool      `json:"overdue"`
	Command string    `json:"command"`
}

func dueRun(opts *DueOptions) error {
	f := opts.Factory
	var items []store.DueItem
	err := cmdutil.Run(f, opts.Cmd, store.Spec{}, func(tx store.Tx) (err error) {
		items, err = tx.Work().Due(opts.Within)
		return err
	})
	if err != nil {
		return err
	}
	format := opts.Output.Format()
	w := output.NewResultList[DueResult](f.IO, format)
	overdue := 0
	for _, it := range items {
		if it.Overdue {
			overdue++
		}
		if err := w.Write(&DueResult{it.Kind, it.ID, it.What, it.When, it.Overdue, it.Command}); err != nil {
			return err
		}
	}
	if len(items) == 0 && format == output.Table {
		fmt.Fprintln(f.IO.Out, "Nothing is overdue or due soon.")
	} else if err := w.Close(); err != nil {
		return err
	}
	if overdue > 0 {
		return errs.New(errs.Overdue, "%d item(s) overdue", overdue)
	}
	return nil
}
