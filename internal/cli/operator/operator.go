// Package operator implements `custos operator`: who may run custos, and
// with which roles.
package operator

import (
	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/cli/cmdutil"
)

// NewCmdOperator returns the `operator` command group.
func NewCmdOperator(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "operator <command>",
		Short: "Manage the operators who may run custos",
		Long: `Operators are the people who run custos, registered by their OS login name
with one or more roles:

  admin    everything, including operators and policy
  it       IT approval, activate, freeze, revoke, access, records, incidents
  manager  department approval and access review decisions
  auditor  reads everything and checks the audit log; changes nothing

A manager with a --department sees only that department: account list and
show, access list, review list, show and export (the department's items
and the items they review) and records list and show (records whose
subject is the username or employee ID of one of its accounts). Showing
another department's account, campaign or record is refused (exit 4) and
recorded. Another role (admin, it, auditor) or no department lifts the
limit.`,
	}
	cmdutil.Group(cmd)
	cmd.AddCommand(newCmdAdd(f, nil), newCmdList(f, nil), newCmdUpdate(f, nil), newCmdRemove(f, nil))
	return cmd
}
