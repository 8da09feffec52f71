// Package account implements `custos account`: the life of every account
// from request to revocation.
package account

import (
	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/store"
)

// NewCmdAccount returns the `account` command group.
func NewCmdAccount(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "account <command>",
		Short: "Request, approve, activate, freeze and revoke accounts",
		Long: `An account lives through these states:

  requested → approved → active ⇄ frozen → revoked
  requested → rejected

A request states who the account is for and why. It needs the approval
stages of the policy account.approval_stages (by default the department's
manager, then IT), each given by a different operator, neither of them the
requester. Activation records the signed usage agreement and prints a
one-time initial password that the user must change. Freezing suspends an
account at once; revocation is final and keeps a snapshot of what the
account held. One person (employee ID) holds one live account.`,
	}
	cmdutil.Group(cmd)
	cmd.AddCommand(
		newCmdRequest(f, nil), newCmdApprove(f, nil), newCmdReject(f, nil),
		newCmdActivate(f, nil), newCmdFreeze(f, nil), newCmdRevoke(f, nil),
		newCmdList(f, nil), newCmdShow(f, nil), newCmdExpire(f, nil),
		newCmdUpdate(f, nil), newCmdLeave(f, nil), newCmdTransfer(f, nil), newCmdReconcile(f, nil),
	)
	return cmd
}

func write(username string) store.Spec {
	return store.Spec{Write: true, Targets: []string{"account:" + username}}
}
