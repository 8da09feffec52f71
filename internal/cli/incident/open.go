// incident open: a new incident, its accounts frozen as policy says.

package incident

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/incident"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/when"
)

// OpenOptions are the inputs of `incident open`.
type OpenOptions struct {
	Factory                           *cmdutil.Factory
	Cmd                               *cobra.Command
	Output                            *cmdutil.Output
	Type, Severity, Summary, Detected string
	Accounts                          []string
	NoFreeze                          bool
	// DetectedAt is --detected parsed, or now.
	DetectedAt time.Time
}

func newCmdOpen(f *cmdutil.Factory, runF func(*OpenOptions) error) *cobra.Command {
	opts := &OpenOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "open --type T --severity S --summary TEXT [--account U…] [--detected TIME] [--no-freeze]",
		Short: "Open an incident",
		Long: `Open an incident. It gets the next ID of the year (INC-2026-0001) and a
reporting deadline of --detected (default now) plus incident.report_hours.
For the auto-freeze types the named active accounts are frozen in the same
transaction, each freeze recorded against the incident; --no-freeze opts out
and is recorded. An unknown account is exit 3 and nothing is opened.`,
		Example: `  $ custos incident open --type credential-leak --severity high \
      --summary "VPN credentials posted on a paste site" --account zoe --account ivan
  $ custos incident open --type data-leak --severity critical --detected 2026-11-20T09:00:00Z \
      --summary "customer export left on a public share"`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			switch {
			case opts.Type == "":
				return errs.Invalidf("--type is required: %s", strings.Join(incident.Types, ", "))
			case opts.Severity == "":
				return errs.Invalidf("--severity is required: %s", strings.Join(incident.Severities, ", "))
			}
			opts.Summary = strings.TrimSpace(opts.Summary)
			if err := account.Text("--summary", opts.Summary, true); err != nil {
				return err
			}
			now := f.Now()
			opts.DetectedAt = now
			if opts.Detected != "" {
				var err error
				if opts.DetectedAt, err = when.ParseTime(opts.Detected, time.Local); err != nil {
					return errs.Invalidf("--detected: %v", err)
				}
				if incident.CheckDetected(opts.DetectedAt, now) != nil {
					return errs.Invalidf("--detected %s is in the future", opts.Detected)
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return openRun(opts)
		},
	}
	fl := cmd.Flags()
	cmdutil.EnumFlag(fl, &opts.Type, "type", "", "", append([]string{""}, incident.Types...), "incident type")
	cmdutil.EnumFlag(fl, &opts.Severity, "severity", "", "", append([]string{""}, incident.Severities...), "severity")
	fl.StringVar(&opts.Summary, "summary", "", "what happened (required)")
	fl.StringSliceVar(&opts.Accounts, "account", nil, "an affected account (repeatable)")
	fl.StringVar(&opts.Detected, "detected", "", "when it was detected: YYYY-MM-DD or RFC 3339 (default now)")
	fl.BoolVar(&opts.NoFreeze, "no-freeze", false, "do not freeze the named accounts (recorded)")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// OpenResult is what `incident open` reports.
type OpenResult struct {
	ID         string    `json:"id"`
	Type       string    `json:"type"`
	Severity   string    `json:"severity"`
	State      string    `json:"state"`
	DetectedAt time.Time `json:"detected_at"`
	Deadline   time.Time `json:"deadline"`
	Accounts   []string  `json:"accounts"`
	Frozen     []string  `json:"frozen"`
}

func openRun(opts *OpenOptions) error {
	f := opts.Factory
	inc := &incident.Incident{Type: opts.Type, Severity: opts.Severity, Summary: opts.Summary,
		DetectedAt: opts.DetectedAt, NoFreeze: opts.NoFreeze}
	spec := store.Spec{Write: true}
	for _, u := range opts.Accounts {
		spec.Targets = append(spec.Targets, "account:"+u)
	}
	var named []store.NamedAccount
	err := cmdutil.Run(f, opts.Cmd, spec, func(tx store.Tx) (err error) {
		named, err = tx.Incidents().OpenIncident(inc, opts.Accounts)
		return err
	})
	if err != nil {
		return err
	}
	var frozen []string
	for _, n := range named {
		if n.Frozen {
			frozen = append(frozen, n.Username)
		}
	}
	if format := opts.Output.Format(); format != output.Table {
		return output.WriteResult(f.IO, format, OpenResult{inc.ID, inc.Type, inc.Severity, string(inc.State),
			inc.DetectedAt, inc.Deadline, opts.Accounts, frozen})
	}
	fmt.Fprintf(f.IO.Out, "Opened %s (%s, %s); report by %s.\n", inc.ID, inc.Type, inc.Severity, inc.Deadline.UTC().Format(time.RFC3339))
	if len(frozen) > 0 {
		fmt.Fprintf(f.IO.Out, "Froze %s.\n", output.Sanitize(strings.Join(frozen, ", ")))
	}
	if opts.NoFreeze && len(opts.Accounts) > 0 {
		fmt.Fprintln(f.IO.Out, "The named accounts were not frozen (--no-freeze, recorded).")
	}
	return nil
}
