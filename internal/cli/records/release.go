// records release: end a legal hold.

package records

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/request"
	"github.com/custos-dev/custos/internal/store"
)

// ReleaseOptions are the inputs of `records release`.
type ReleaseOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
	Name    string
	Reason  string
}

func newCmdRelease(f *cmdutil.Factory, runF func(*ReleaseOptions) error) *cobra.Command {
	opts := &ReleaseOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "release NAME --reason TEXT",
		Short: "Release a legal hold",
		Long: `Release a hold once its matter is closed; its records then follow their
schedules again. Releasing a released hold changes nothing.

Under policy records.change_approval=required (the default) the release is
a request that an officer or an admin other than you approves with custos
request approve; it applies then.`,
		Example: `  $ custos records release acme-dispute --reason "settled 2026-11-20"`,
		Args:    cmdutil.ExactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd, opts.Name = cmd, args[0]
			opts.Reason = strings.TrimSpace(opts.Reason)
			if err := account.Text("--reason", opts.Reason, true); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return releaseRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Reason, "reason", "", "why the hold ends (required)")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// ReleaseResult is what `records release` reports.
type ReleaseResult struct {
	Name    string `json:"name"`
	Changed bool   `json:"changed"`
}

func releaseRun(opts *ReleaseOptions) error {
	f := opts.Factory
	var changed bool
	var q *request.Request
	err := cmdutil.Run(f, opts.Cmd, write("hold:"+opts.Name), func(tx store.Tx) (err error) {
		changed, q, err = tx.Requests().ReleaseHoldOrAsk(opts.Name, opts.Reason)
		return err
	})
	if err != nil {
		return err
	}
	if q != nil {
		return requested(f, opts.Output, q)
	}
	if format := opts.Output.Format(); format != output.Table {
		return output.WriteResult(f.IO, format, ReleaseResult{opts.Name, changed})
	}
	if !changed {
		_, err = fmt.Fprintf(f.IO.Out, "Hold %s is already released; nothing changed.\n", opts.Name)
		return err
	}
	_, err = fmt.Fprintf(f.IO.Out, "Released hold %s.\n", opts.Name)
	return err
}
