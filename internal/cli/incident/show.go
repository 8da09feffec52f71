// incident show: one incident with its accounts, notifications, timeline
// and audit history.

package incident

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/audit"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/incident"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/store"
)

// ShowOptions are the inputs of `incident show`.
type ShowOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
	ID      string
}

func newCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{Factory: f}
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
			opts.Cmd, opts.ID = cmd, args[0]
			if runF != nil {
				return runF(opts)
			}
			return showRun(opts)
		},
	}
	opts.Output = cmdutil.AddOutputFlag(f, cmd, output.Table, output.JSON)
	return cmdutil.MarkStore(cmd)
}

// ShowResult is the incident that `incident show` reports: the fields of
// IncidentResult, then those of a closed one. Its accounts, notifications,
// timeline and history follow it.
type ShowResult struct {
	IncidentResult
	RootCause  string `json:"root_cause"`
	Resolution string `json:"resolution"`
	Lessons    string `json:"lessons"`
	ClosedBy   string `json:"closed_by"`
	NoFreeze   bool   `json:"no_freeze"`
}

// AccountResult is an account the incident names.
type AccountResult struct {
	Username   string    `json:"username"`
	Frozen     bool      `json:"frozen"`
	RestoredAt time.Time `json:"restored_at"`
}

// NotificationResult is a party the incident was reported to.
type NotificationResult struct {
	Party    string    `json:"party"`
	Ref      string    `json:"ref"`
	At       time.Time `json:"at"`
	Operator string    `json:"operator"`
}

// EventResult is an event of the incident's timeline.
type EventResult struct {
	At       time.Time `json:"at"`
	Operator string    `json:"operator"`
	Kind     string    `json:"kind" out:"header=EVENT"`
	Detail   string    `json:"detail"`
}

// HistoryResult is an audit entry naming the incident, its time as the
// log has it.
type HistoryResult struct {
	Seq      int64  `json:"seq"`
	Time     string `json:"time"`
	Operator string `json:"operator"`
	Command  string `json:"command"`
	Outcome  string `json:"outcome"`
	Error    string `json:"error"`
}

// historyRow is an audit entry in the table, its time parsed.
type historyRow struct {
	Seq      int64     `json:"seq"`
	Time     time.Time `json:"time"`
	Operator string    `json:"operator"`
	Command  string    `json:"command"`
	Outcome  string    `json:"outcome"`
	Error    string    `json:"error"`
}

func showRun(opts *ShowOptions) error {
	f, id := opts.Factory, opts.ID
	var inc *incident.Incident
	var pol incident.Policy
	var ns []incident.Notification
	var named []store.NamedAccount
	var events []store.IncidentEvent
	var history []audit.Entry
	err := cmdutil.Run(f, opts.Cmd, store.Spec{Targets: []string{"incident:" + id}}, func(tx store.Tx) (err error) {
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
	r := incidentResult(inc, pol, ns, f.Now())
	details := ShowResult{r, inc.RootCause, inc.Resolution, inc.Lessons, inc.ClosedBy, inc.NoFreeze}
	accts := make([]AccountResult, 0, len(named))
	for _, n := range named {
		accts = append(accts, AccountResult{n.Username, n.Frozen, n.RestoredAt})
	}
	timeline := make([]EventResult, 0, len(events))
	for _, e := range events {
		timeline = append(timeline, EventResult{e.At, e.Operator, e.Kind, e.Detail})
	}
	if opts.Output.Format().IsJSON() {
		notes := make([]output.Object, 0, len(ns))
		for _, n := range ns {
			notes = append(notes, output.ResultObject(NotificationResult{n.Party, n.Ref, n.At, n.Operator}))
		}
		hist := make([]output.Object, 0, len(history))
		for _, e := range history {
			hist = append(hist, output.ResultObject(HistoryResult{e.Seq, e.At, e.Operator, e.Command, e.Outcome, e.Error}))
		}
		b, err := output.MarshalJSON(output.ResultObject(details).With("accounts", objects(accts), "notifications", notes,
			"timeline", objects(timeline), "history", hist))
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(f.IO.Out, "%s\n", b)
		return err
	}
	if err := output.WriteResult(f.IO, output.Table, details); err != nil {
		return err
	}
	fmt.Fprintln(f.IO.Out, "\nAccounts")
	if err := writeList(f, accts); err != nil {
		return err
	}
	fmt.Fprintln(f.IO.Out, "\nTimeline")
	if err := writeList(f, timeline); err != nil {
		return err
	}
	fmt.Fprintln(f.IO.Out, "\nHistory")
	rows := make([]historyRow, 0, len(history))
	for i := range history {
		e := &history[i]
		rows = append(rows, historyRow{e.Seq, e.Time(), e.Operator, e.Command, e.Outcome, e.Error})
	}
	return writeList(f, rows)
}

// objects returns results as Objects, for a list nested in another result.
func objects[T any](rs []T) []output.Object {
	out := make([]output.Object, 0, len(rs))
	for _, r := range rs {
		out = append(out, output.ResultObject(r))
	}
	return out
}

// writeList writes results as a table.
func writeList[T any](f *cmdutil.Factory, rs []T) error {
	w := output.NewResultList[T](f.IO, output.Table)
	for i := range rs {
		if err := w.Write(&rs[i]); err != nil {
			return err
		}
	}
	return w.Close()
}
