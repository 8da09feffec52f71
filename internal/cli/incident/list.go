// incident list, and the incident fields that show prints too.

package incident

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/incident"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/store"
)

// ListOptions are the inputs of `incident list`.
type ListOptions struct {
	Factory        *cmdutil.Factory
	Cmd            *cobra.Command
	Output         *cmdutil.Output
	Open, Overdue  bool
	Type, Severity string
	Limit          int
}

func newCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{Factory: f}
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
	cmd.Flags().BoolVar(&opts.Open, "open", false, "only open incidents")
	cmd.Flags().BoolVar(&opts.Overdue, "overdue", false, "only open incidents past their reporting deadline and not yet reported")
	cmdutil.EnumFlag(cmd.Flags(), &opts.Type, "type", "", "", append([]string{""}, incident.Types...), "only this type")
	cmdutil.EnumFlag(cmd.Flags(), &opts.Severity, "severity", "", "", append([]string{""}, incident.Severities...), "only this severity")
	cmdutil.AddLimitFlag(cmd, &opts.Limit, "incidents")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// IncidentResult is one incident as list and show report it: unreported
// names the parties an open incident still must be reported to.
type IncidentResult struct {
	ID         string    `json:"id" out:"whole"`
	Type       string    `json:"type"`
	Severity   string    `json:"severity"`
	State      string    `json:"state"`
	Summary    string    `json:"summary"`
	DetectedAt time.Time `json:"detected_at"`
	Deadline   time.Time `json:"deadline"`
	Overdue    bool      `json:"overdue"`
	Unreported []string  `json:"unreported"`
	Assignee   string    `json:"assignee"`
	OpenedBy   string    `json:"opened_by"`
	ClosedAt   time.Time `json:"closed_at"`
}

// incidentRow is an incident in the table of incident list: the summary
// last, where a narrow terminal cuts it.
type incidentRow struct {
	ID         string    `json:"id" out:"whole"`
	Type       string    `json:"type"`
	Severity   string    `json:"severity"`
	State      string    `json:"state"`
	DetectedAt time.Time `json:"detected_at"`
	Deadline   time.Time `json:"deadline"`
	Overdue    bool      `json:"overdue"`
	Assignee   string    `json:"assignee"`
	Summary    string    `json:"summary"`
}

func incidentResult(inc *incident.Incident, pol incident.Policy, ns []incident.Notification, now time.Time) IncidentResult {
	var unreported []string
	if inc.State == incident.Open {
		unreported = pol.Unreported(inc, ns)
	}
	return IncidentResult{inc.ID, inc.Type, inc.Severity, string(inc.State), inc.Summary, inc.DetectedAt, inc.Deadline,
		pol.Overdue(inc, ns, now), unreported, inc.Assignee, inc.OpenedBy, inc.ClosedAt}
}

func listRun(opts *ListOptions) error {
	f := opts.Factory
	format := opts.Output.Format()
	var put func(*IncidentResult) error
	var end func() error
	if format == output.Table {
		w := output.NewResultList[incidentRow](f.IO, format)
		put = func(r *IncidentResult) error {
			return w.Write(&incidentRow{r.ID, r.Type, r.Severity, r.State, r.DetectedAt, r.Deadline, r.Overdue, r.Assignee, r.Summary})
		}
		end = w.Close
	} else {
		w := output.NewResultList[IncidentResult](f.IO, format)
		put, end = w.Write, w.Close
	}
	filter := store.IncidentFilter{Open: opts.Open, Overdue: opts.Overdue, Type: opts.Type, Severity: opts.Severity, Limit: opts.Limit}
	err := cmdutil.Run(f, opts.Cmd, store.Spec{}, func(tx store.Tx) error {
		pol, err := tx.Incidents().IncidentPolicy()
		if err != nil {
			return err
		}
		return tx.Incidents().ListIncidents(filter, func(inc *incident.Incident, ns []incident.Notification) error {
			r := incidentResult(inc, pol, ns, f.Now())
			return put(&r)
		})
	})
	if err != nil {
		return err
	}
	return end()
}
