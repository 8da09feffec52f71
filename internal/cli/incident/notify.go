// incident notify: a party told of an incident.

package incident

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/incident"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/store"
)

// NotifyOptions are the inputs of `incident notify`.
type NotifyOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
	ID      string
	Party   string
	Ref     string
}

func newCmdNotify(f *cmdutil.Factory, runF func(*NotifyOptions) error) *cobra.Command {
	opts := &NotifyOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "notify ID --party regulator|customers|management --ref TEXT",
		Short: "Record that a party was notified",
		Long: `Record that the regulator, the customers or management was notified, with a
reference (a case number, a mail ID). This is how an incident is reported:
management for every incident, and for a data leak every party of
incident.data_leak_disclosure. Recording the same notification again changes
nothing.`,
		Example: `  $ custos incident notify INC-2026-0008 --party regulator --ref "DPA case 2026-1187"`,
		Args:    idArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd, opts.ID = cmd, args[0]
			if opts.Party == "" {
				return errs.Invalidf("--party is required: %s", strings.Join(incident.Parties, ", "))
			}
			opts.Ref = strings.TrimSpace(opts.Ref)
			if err := account.Text("--ref", opts.Ref, true); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return notifyRun(opts)
		},
	}
	cmdutil.EnumFlag(cmd.Flags(), &opts.Party, "party", "", "", append([]string{""}, incident.Parties...), "who was notified")
	cmd.Flags().StringVar(&opts.Ref, "ref", "", "reference of the notification (required)")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// NotifyResult is what `incident notify` reports.
type NotifyResult struct {
	ID      string `json:"id"`
	Party   string `json:"party"`
	Ref     string `json:"ref"`
	Changed bool   `json:"changed"`
}

func notifyRun(opts *NotifyOptions) error {
	f := opts.Factory
	var changed bool
	err := cmdutil.Run(f, opts.Cmd, write(opts.ID), func(tx store.Tx) (err error) {
		changed, err = tx.Incidents().NotifyIncident(opts.ID, opts.Party, opts.Ref)
		return err
	})
	if err != nil {
		return err
	}
	if format := opts.Output.Format(); format != output.Table {
		return output.WriteResult(f.IO, format, NotifyResult{opts.ID, opts.Party, opts.Ref, changed})
	}
	msg := "Recorded that " + notified(opts.Party) + " of " + opts.ID + "."
	if !changed {
		msg = "That notification of " + opts.ID + " is already recorded; nothing changed."
	}
	_, err = fmt.Fprintln(f.IO.Out, output.Sanitize(msg))
	return err
}
