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

// RemoveOptions are the inputs of `operator remove`.
type RemoveOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
	Name    string
}

func newCmdRemove(f *cmdutil.Factory, runF func(*RemoveOptions) error) *cobra.Command {
	opts := &RemoveOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "remove NAME",
		Short: "Remove an operator",
		Long: `Remove an operator: they may no longer run custos. The operator stays in the
store as removed, so the history that names them stays readable.

Only admins may remove operators. The last admin cannot be removed (exit 5);
an unknown operator is exit 3.`,
		Example: `  $ custos operator remove alice`,
		Args:    cmdutil.ExactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd, opts.Name = cmd, args[0]
			if err := operator.ValidateName(opts.Name); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return removeRun(opts)
		},
	}
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// RemoveResult is what `operator remove` reports.
type RemoveResult struct {
	Name    string   `json:"name"`
	Roles   []string `json:"roles"`
	Removed bool     `json:"removed"`
}

func removeRun(opts *RemoveOptions) error {
	f := opts.Factory
	var removed *operator.Operator
	var owned []string
	err := cmdutil.Run(f, opts.Cmd, store.Spec{Write: true, Targets: []string{"operator:" + opts.Name}}, func(tx store.Tx) (err error) {
		if removed, err = tx.Operators().RemoveOperator(opts.Name); err != nil {
			return err
		}
		owned, err = tx.Accounts().OwnedResources(opts.Name)
		return err
	})
	if err != nil {
		return err
	}
	if len(owned) > 0 {
		// Their grants fall to the department's manager or the admins in
		// reviews until someone adopts them.
		fmt.Fprintf(f.IO.ErrOut, "custos: notice: %s still owns %s; hand each over: custos access resource update NAME --owner OPERATOR --reason TEXT\n",
			output.Sanitize(opts.Name), strings.Join(owned, ", "))
	}
	if format := opts.Output.Format(); format != output.Table {
		return output.WriteResult(f.IO, format, RemoveResult{removed.Name, removed.RoleNames(), true})
	}
	_, err = fmt.Fprintf(f.IO.Out, "Removed operator %s.\n", output.Sanitize(removed.Name))
	return err
}
