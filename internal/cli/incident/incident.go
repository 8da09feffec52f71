// Package incident implements `custos incident`: security incidents from
// opening, with the affected accounts frozen, to closing with their cause.
package incident

import (
	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/incident"
	"github.com/custos-dev/custos/internal/store"
)

func write(id string) store.Spec {
	return store.Spec{Write: true, Targets: []string{"incident:" + id}}
}

// NewCmdIncident returns the `incident` command group.
func NewCmdIncident(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "incident <command>",
		Short: "Open, track and close security incidents",
		Long: `Security incidents from detection to closure. Opening a credential-leak or
unauthorized-access incident (policy incident.auto_freeze_types) freezes the
accounts it names in the same transaction. Every incident must be reported
within incident.report_hours of detection (24 by default): to management,
and a data leak to every party of incident.data_leak_disclosure (the
regulator and the customers); a data leak cannot be closed before that.
Closing records the root cause and resolution; --restore re-activates the
accounts the incident froze, each with a new one-time password.

IT and admins may change incidents; every operator may list and show them.`,
	}
	cmdutil.Group(cmd)
	cmd.AddCommand(newCmdOpen(f, nil), newCmdNote(f, nil), newCmdAssign(f, nil), newCmdNotify(f, nil), newCmdUpdate(f, nil),
		newCmdClose(f, nil), newCmdList(f, nil), newCmdShow(f, nil))
	return cmd
}

// idArg validates an incident ID argument.
func idArg(cmd *cobra.Command, args []string) error {
	if err := cmdutil.ExactArgs("ID")(cmd, args); err != nil {
		return err
	}
	return incident.ValidID(args[0])
}

// notified says who was notified, in a sentence: "the regulator was
// notified", "customers were notified".
func notified(party string) string {
	switch party {
	case "regulator":
		return "the regulator was notified"
	case "customers":
		return "customers were notified"
	}
	return party + " was notified"
}
