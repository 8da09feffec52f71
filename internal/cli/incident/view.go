package incident

import (
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/audit"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/incident"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/store"
)

var incidentColumns = output.Whole(output.Cols("id", "type", "severity", "state", "summary", "detected_at", "deadline",
	"overdue", "unreported", "assignee", "opened_by", "closed_at"), "id")

func incidentRow(inc *incident.Incident, pol incident.Policy, ns []incident.Notification, f *cmdutil.Factory) []any {
	var unreported []string
	if inc.State == incident.Open {
		unreported = pol.Unreported(inc, ns)
	}
	return []any{inc.ID, inc.Type, inc.Severity, string(inc.State), inc.Summary, inc.DetectedAt, inc.Deadline,
		pol.Overdue(inc, ns, f.Now()), unreported, inc.Assignee, inc.OpenedBy, inc.ClosedAt}
}

func newCmdList(f *cmdutil.Factory) *cobra.Command {
	var open, overdue bool
	var typ, severity string
	var limit int
	var out *cmdutil.Output
	cmd := &cobra.Command{
		Use:   "list [--open] [--overdue] [--type T] [--severity S] [--limit N]",
		Short: "List incidents",
		Long: `List incidents in ID order. --overdue lists the open incidents past their
reporting deadline that are not yet reported to every required party.
--limit N lists the first N only.`,
		Example: `  $ custos incident list --open
  $ custos incident list --overdue -o json   # for a monitoring check`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.CheckLimit(cmd, limit); err != nil {
				return err
			}
			format := out.Format()
			cols := incidentColumns
			if format == output.Table {
				cols = output.Whole(output.Cols("id", "type", "severity", "state", "detected_at", "deadline", "overdue", "assignee", "summary"), "id")
			}
			w := output.NewList(f.IO, format, cols)
			filter := store.IncidentFilter{Open: open, Overdue: overdue, Type: typ, Severity: severity, Limit: limit}
			err := cmdutil.Run(f, cmd, store.Spec{}, func(tx store.Tx) error {
				pol, err := tx.Incidents().IncidentPolicy()
				if err != nil {
					return err
				}
				return tx.Incidents().ListIncidents(filter, func(inc *incident.Incident, ns []incident.Notification) error {
					row := incidentRow(inc, pol, ns, f)
					if format == output.Table {
						row = []any{row[0], row[1], row[2], row[3], row[5], row[6], row[7], row[9], row[4]}
					}
					return w.Row(row...)
				})
			})
			if err != nil {
				return err
			}
			return w.Close()
		},
	}
	cmd.Flags().BoolVar(&open, "open", false, "only open incidents")
	cmd.Flags().BoolVar(&overdue, "overdue", false, "only open incidents past their reporting deadline and not yet reported")
	cmdutil.EnumFlag(cmd.Flags(), &typ, "type", "", "", append([]string{""}, incident.Types...), "only this type")
	cmdutil.EnumFlag(cmd.Flags(), &severity, "severity", "", "", append([]string{""}, incident.Severities...), "only this severity")
	cmdutil.AddLimitFlag(cmd, &limit, "incidents")
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

func newCmdShow(f *cmdutil.Factory) *cobra.Command {
	var out *cmdutil.Output
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show an incident with its timeline",
		Long: `Show an incident: its details, the accounts it names (and whether it froze
and restored them), its notifications, its timeline (opening, freezes,
notes, assignments, notifications, updates, closing, restorations) and its
history from the audit log, refused attempts included.`,
		Example: `  $ custos incident show INC-2026-0007`,
		Args:    idArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0]
			var inc *incident.Incident
			var pol incident.Policy
			var ns []incident.Notification
			var named []store.NamedAccount
			var events []store.IncidentEvent
			var history []audit.Entry
			err := cmdutil.Run(f, cmd, store.Spec{Targets: []string{"incident:" + id}}, func(tx store.Tx) (err error) {
				if inc, err = tx.Incidents().GetIncident(id); err != nil {
					return err
				}
				if pol, err = tx.Incidents().IncidentPolicy(); err != nil {
					return err
				}
				if ns, err = tx.Incidents().Notifications(id); err != nil {
					return err
				}
				if named, err = tx.Incidents().IncidentAccounts(id); err != nil {
					return err
				}
				if events, err = tx.Incidents().IncidentEvents(id); err != nil {
					return err
				}
				return tx.Audit().AuditLog(store.AuditFilter{Object: "incident:" + id}, func(e *audit.Entry) error {
					history = append(history, *e)
					return nil
				})
			})
			if err != nil {
				return err
			}
			details := slices.Concat(incidentColumns, output.Cols("root_cause", "resolution", "lessons", "closed_by", "no_freeze"))
			values := append(incidentRow(inc, pol, ns, f), inc.RootCause, inc.Resolution, inc.Lessons, inc.ClosedBy, inc.NoFreeze)
			if out.Format().IsJSON() {
				obj := output.ObjectOf(details, values...)
				accts := []output.Object{}
				for _, n := range named {
					accts = append(accts, output.Pairs("username", n.Username, "frozen", n.Frozen, "restored_at", n.RestoredAt))
				}
				notes := []output.Object{}
				for _, n := range ns {
					notes = append(notes, output.Pairs("party", n.Party, "ref", n.Ref, "at", n.At, "operator", n.Operator))
				}
				timeline := []output.Object{}
				for _, e := range events {
					timeline = append(timeline, output.Pairs("at", e.At, "operator", e.Operator, "kind", e.Kind, "detail", e.Detail))
				}
				hist := []output.Object{}
				for _, e := range history {
					hist = append(hist, output.Pairs("seq", e.Seq, "time", e.At, "operator", e.Operator, "command", e.Command, "outcome", e.Outcome, "error", e.Error))
				}
				b, err := output.MarshalJSON(obj.With("accounts", accts, "notifications", notes, "timeline", timeline, "history", hist))
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(f.IO.Out, "%s\n", b)
				return err
			}
			if err := output.WriteObject(f.IO, output.Table, details, values...); err != nil {
				return err
			}
			fmt.Fprintln(f.IO.Out, "\nAccounts")
			w := output.NewList(f.IO, output.Table, output.Cols("username", "frozen", "restored_at"))
			for _, n := range named {
				w.Row(n.Username, n.Frozen, n.RestoredAt)
			}
			w.Close()
			fmt.Fprintln(f.IO.Out, "\nTimeline")
			w = output.NewList(f.IO, output.Table, output.Cols("at", "operator", "event", "detail"))
			for _, e := range events {
				w.Row(e.At, e.Operator, e.Kind, e.Detail)
			}
			w.Close()
			fmt.Fprintln(f.IO.Out, "\nHistory")
			w = output.NewList(f.IO, output.Table, output.Cols("seq", "time", "operator", "command", "outcome", "error"))
			for i := range history {
				e := &history[i]
				w.Row(e.Seq, e.Time(), e.Operator, e.Command, e.Outcome, e.Error)
			}
			return w.Close()
		},
	}
	out = cmdutil.AddOutputFlag(f, cmd, output.Table, output.JSON)
	return cmdutil.MarkStore(cmd)
}
