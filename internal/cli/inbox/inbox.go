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
func NewCmdInbox(f *cmdutil.Factory) *cobra.Command {
	var out *cmdutil.Output
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
			var items []store.InboxItem
			err := cmdutil.Run(f, cmd, store.Spec{}, func(tx store.Tx) (err error) {
				items, err = tx.Work().Inbox()
				return err
			})
			if err != nil {
				return err
			}
			w := output.NewList(f.IO, out.Format(), output.Cols("kind", "id", "what", "command"))
			for _, it := range items {
				if err := w.Row(it.Kind, it.ID, it.What, it.Command); err != nil {
					return err
				}
			}
			if len(items) == 0 && out.Format() == output.Table {
				_, err := fmt.Fprintln(f.IO.Out, "Nothing awaits you.")
				return err
			}
			return w.Close()
		},
	}
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// NewCmdDue returns `custos due`.
func NewCmdDue(f *cmdutil.Factory) *cobra.Command {
	var within time.Duration
	var out *cmdutil.Output
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
			if within < 0 {
				return errs.Invalidf("--within must not be negative")
			}
			var items []store.DueItem
			err := cmdutil.Run(f, cmd, store.Spec{}, func(tx store.Tx) (err error) {
				items, err = tx.Work().Due(within)
				return err
			})
			if err != nil {
				return err
			}
			w := output.NewList(f.IO, out.Format(), output.Cols("kind", "id", "what", "when", "overdue", "command"))
			overdue := 0
			for _, it := range items {
				if it.Overdue {
					overdue++
				}
				var when any = it.When
				if it.When.IsZero() {
					when = ""
				}
				if err := w.Row(it.Kind, it.ID, it.What, when, it.Overdue, it.Command); err != nil {
					return err
				}
			}
			if len(items) == 0 && out.Format() == output.Table {
				fmt.Fprintln(f.IO.Out, "Nothing is overdue or due soon.")
			} else if err := w.Close(); err != nil {
				return err
			}
			if overdue > 0 {
				return errs.New(errs.Overdue, "%d item(s) overdue", overdue)
			}
			return nil
		},
	}
	cmd.Flags().DurationVar(&within, "within", 7*24*time.Hour, "also list what falls due within this long")
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}
