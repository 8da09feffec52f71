package operator

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/operator"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/store"
)

// AddOptions are the inputs of `operator add`.
type AddOptions struct {
	Factory    *cmdutil.Factory
	Cmd        *cobra.Command
	Output     *cmdutil.Output
	Name       string
	Roles      []string
	Department string
}

func newCmdAdd(f *cmdutil.Factory, runF func(*AddOptions) error) *cobra.Command {
	opts := &AddOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "add NAME --role ROLE [--department D]",
		Short: "Register an operator",
		Long: `Register the OS user NAME (on PostgreSQL, the login role NAME) as an
operator with one or more roles (admin, it, manager, auditor; repeat --role
or give a comma list). A manager's
--department limits their approvals and review decisions to it.

Only admins may add operators. Adding an operator that already exists with
the same roles and department changes nothing (exit 0); with different ones
it is a conflict (exit 5). A removed operator may be added again.

On PostgreSQL, when the login role NAME does not exist or is not a member of
custos_app, the operator is still added and a notice prints the statement
that a role allowed to create roles must run; custos itself never needs that
privilege.`,
		Example: `  $ custos operator add alice --role it
  $ custos operator add bob --role manager --department Sales
  $ custos operator add carol --role it,auditor`,
		Args: cmdutil.ExactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd, opts.Name = cmd, args[0]
			if runF != nil {
				return runF(opts)
			}
			return addRun(opts)
		},
	}
	cmd.Flags().StringSliceVar(&opts.Roles, "role", nil, "role: admin, it, manager or auditor (repeatable)")
	cmd.Flags().StringVar(&opts.Department, "department", "", "department the operator belongs to")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// AddResult is what `operator add` reports.
type AddResult struct {
	Name       string   `json:"name"`
	Roles      []string `json:"roles"`
	Department string   `json:"department"`
	Changed    bool     `json:"changed"`
}

func addRun(opts *AddOptions) error {
	f := opts.Factory
	if err := operator.ValidateName(opts.Name); err != nil {
		return err
	}
	roles, err := operator.ParseRoles(opts.Roles)
	if err != nil {
		return err
	}
	dept := strings.TrimSpace(opts.Department)
	if err := operator.ValidateDepartment(dept); err != nil {
		return err
	}
	var op *operator.Operator
	var res store.AddResult
	var login string
	err = cmdutil.Run(f, opts.Cmd, store.Spec{Write: true, Targets: []string{"operator:" + opts.Name}}, func(tx store.Tx) error {
		op = &operator.Operator{Name: opts.Name, Roles: roles, Department: dept, CreatedBy: tx.Operator().Name}
		if res, err = tx.Operators().AddOperator(op); err != nil {
			return err
		}
		login, err = tx.Operators().LoginStatement(op.Name)
		return err
	})
	if err != nil {
		return err
	}
	if login != "" {
		fmt.Fprintf(f.IO.ErrOut, "custos: notice: %s cannot log in to the store yet; a role that may create roles must run: %s\n",
			output.Sanitize(op.Name), output.Sanitize(login))
	}
	format := opts.Output.Format()
	if format != output.Table {
		return output.WriteResult(f.IO, format, AddResult{op.Name, op.RoleNames(), op.Department, res != store.Unchanged})
	}
	desc := strings.Join(op.RoleNames(), ",")
	if op.Department != "" {
		desc += ", department " + output.Sanitize(op.Department)
	}
	if res == store.Unchanged {
		_, err = fmt.Fprintf(f.IO.Out, "Operator %s is already registered as %s; nothing changed.\n", output.Sanitize(op.Name), desc)
	} else {
		_, err = fmt.Fprintf(f.IO.Out, "Added operator %s (%s).\n", output.Sanitize(op.Name), desc)
	}
	return err
}
