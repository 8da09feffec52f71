package operator

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/operator"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/store"
)

// UpdateOptions are the inputs of `operator update`.
type UpdateOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
	Name    string
	Roles   []operator.Role
	// Department is nil when --department is not given.
	Department *string
}

func newCmdUpdate(f *cmdutil.Factory, runF func(*UpdateOptions) error) *cobra.Command {
	opts := &UpdateOptions{Factory: f}
	var roles []string
	var dept string
	cmd := &cobra.Command{
		Use:   "update NAME --role ROLE… [--department D]",
		Short: "Change an operator's roles or department",
		Long: `Replace an operator's roles (repeat --role or give a comma list) and, with
--department, their department ("" clears it). The before and after are
recorded. Only admins may update operators; the last admin cannot lose the
admin role (exit 5); an unknown operator is exit 3; the same roles and
department again change nothing.`,
		Example: `  $ custos operator update bob --role manager --department Finance
  $ custos operator update carol --role it,auditor`,
		Args: cmdutil.ExactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd, opts.Name = cmd, args[0]
			if err := operator.ValidateName(opts.Name); err != nil {
				return err
			}
			var err error
			if opts.Roles, err = operator.ParseRoles(roles); err != nil {
				return err
			}
			if cmd.Flags().Changed("department") {
				d := strings.TrimSpace(dept)
				if err := operator.ValidateDepartment(d); err != nil {
					return err
				}
				opts.Department = &d
			}
			if runF != nil {
				return runF(opts)
			}
			return updateRun(opts)
		},
	}
	cmd.Flags().StringSliceVar(&roles, "role", nil, "role: admin, it, manager, officer or auditor (repeatable; replaces the roles)")
	cmd.Flags().StringVar(&dept, "department", "", "the operator's department")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// UpdateResult is what `operator update` reports.
type UpdateResult struct {
	Name       string   `json:"name"`
	Roles      []string `json:"roles"`
	Department string   `json:"department"`
	Changed    bool     `json:"changed"`
}

func updateRun(opts *UpdateOptions) error {
	f := opts.Factory
	var op *operator.Operator
	var changes []account.Change
	err := cmdutil.Run(f, opts.Cmd, store.Spec{Write: true, Targets: []string{"operator:" + opts.Name}}, func(tx store.Tx) (err error) {
		op, changes, err = tx.Accounts().UpdateOperator(opts.Name, opts.Roles, opts.Department)
		return err
	})
	if err != nil {
		return err
	}
	if format := opts.Output.Format(); format != output.Table {
		return output.WriteResult(f.IO, format, UpdateResult{op.Name, op.RoleNames(), op.Department, len(changes) > 0})
	}
	if len(changes) == 0 {
		_, err = fmt.Fprintf(f.IO.Out, "Operator %s is already so; nothing changed.\n", output.Sanitize(op.Name))
		return err
	}
	for _, c := range changes {
		fmt.Fprintf(f.IO.Out, "%s: %s → %s\n", c.Field, output.Sanitize(c.Before), output.Sanitize(c.After))
	}
	return nil
}
