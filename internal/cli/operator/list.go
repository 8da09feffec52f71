package operator

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/operator"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/store"
)

// ListOptions are the inputs of `operator list`.
type ListOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
	All     bool
	// Limit is --limit, 0 when not given.
	Limit int
}

func newCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "list [--all] [--limit N]",
		Short: "List operators",
		Long: `List the registered operators in name order with their roles and
departments; --all includes removed ones, --limit N lists the first N only.`,
		Example: `  $ custos operator list
  $ custos operator list -o json | jq -r '.[] | select(.roles | index("admin")) | .name'`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			if err := cmdutil.CheckLimit(cmd, opts.Limit); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.All, "all", false, "include removed operators")
	cmdutil.AddLimitFlag(cmd, &opts.Limit, "operators")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// ListResult is one operator that `operator list` reports.
type ListResult struct {
	Name       string    `json:"name"`
	Roles      []string  `json:"roles"`
	Department string    `json:"department"`
	CreatedAt  time.Time `json:"created_at"`
	CreatedBy  string    `json:"created_by"`
	// RemovedAt is zero while the operator is active.
	RemovedAt time.Time `json:"removed_at"`
}

func listRun(opts *ListOptions) error {
	f := opts.Factory
	w := output.NewResultList[ListResult](f.IO, opts.Output.Format())
	err := cmdutil.Run(f, opts.Cmd, store.Spec{}, func(tx store.Tx) error {
		return tx.Operators().ListOperators(opts.All, opts.Limit, func(o *operator.Operator) error {
			return w.Write(&ListResult{o.Name, o.RoleNames(), o.Department, o.CreatedAt, o.CreatedBy, o.RemovedAt})
		})
	})
	if err != nil {
		return err
	}
	return w.Close()
}
