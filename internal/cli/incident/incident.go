// Package incident implements `custos incident`: security incidents from
// opening, with the affected accounts frozen, to closing with their cause.
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
	"github.com/custos-dev/custos/internal/iostreams"
	"github.com/custos-dev/custos/internal/operator"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/when"
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
	cmd.AddCommand(newCmdOpen(f), newCmdNote(f), newCmdAssign(f), newCmdNotify(f), newCmdUpdate(f),
		newCmdClose(f), newCmdList(f), newCmdShow(f))
	return cmd
}

// idArg validates an incident ID argument.
func idArg(cmd *cobra.Command, args []string) error {
	if err := cmdutil.ExactArgs("ID")(cmd, args); err != nil {
		return err
	}
	return incident.ValidID(args[0])
}

// OpenOptions are the inputs of `incident open`.
type OpenOptions struct {
	Type, Severity, Summary, Detected string
	Accounts                          []string
	NoFreeze                          bool
}

func newCmdOpen(f *cmdutil.Factory) *cobra.Command {
	opts := &OpenOptions{}
	var out *cmdutil.Output
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
		RunE: func(cmd *cobra.Command, args []string) error { return openRun(f, cmd, out, opts) },
	}
	fl := cmd.Flags()
	cmdutil.EnumFlag(fl, &opts.Type, "type", "", "", append([]string{""}, incident.Types...), "incident type")
	cmdutil.EnumFlag(fl, &opts.Severity, "severity", "", "", append([]string{""}, incident.Severities...), "severity")
	fl.StringVar(&opts.Summary, "summary", "", "what happened (required)")
	fl.StringSliceVar(&opts.Accounts, "account", nil, "an affected account (repeatable)")
	fl.StringVar(&opts.Detected, "detected", "", "when it was detected: YYYY-MM-DD or RFC 3339 (default now)")
	fl.BoolVar(&opts.NoFreeze, "no-freeze", false, "do not freeze the named accounts (recorded)")
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

func openRun(f *cmdutil.Factory, cmd *cobra.Command, out *cmdutil.Output, opts *OpenOptions) error {
	switch {
	case opts.Type == "":
		return errs.Invalidf("--type is required: %s", strings.Join(incident.Types, ", "))
	case opts.Severity == "":
		return errs.Invalidf("--severity is required: %s", strings.Join(incident.Severities, ", "))
	}
	if err := account.Text("--summary", strings.TrimSpace(opts.Summary), true); err != nil {
		return err
	}
	now := f.Now()
	detected := now
	if opts.Detected != "" {
		var err error
		if detected, err = when.ParseTime(opts.Detected, time.Local); err != nil {
			return errs.Invalidf("--detected: %v", err)
		}
		if incident.CheckDetected(detected, now) != nil {
			return errs.Invalidf("--detected %s is in the future", opts.Detected)
		}
	}
	inc := &incident.Incident{Type: opts.Type, Severity: opts.Severity, Summary: strings.TrimSpace(opts.Summary),
		DetectedAt: detected, NoFreeze: opts.NoFreeze}
	spec := store.Spec{Write: true}
	for _, u := range opts.Accounts {
		spec.Targets = append(spec.Targets, "account:"+u)
	}
	var named []store.NamedAccount
	err := cmdutil.Run(f, cmd, spec, func(tx store.Tx) (err error) {
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
	if format := out.Format(); format != output.Table {
		return output.WriteObject(f.IO, format, output.Cols("id", "type", "severity", "state", "detected_at", "deadline", "accounts", "frozen"),
			inc.ID, inc.Type, inc.Severity, string(inc.State), inc.DetectedAt, inc.Deadline, opts.Accounts, frozen)
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

// simple builds the note, assign, notify and update commands: an ID, a
// few flags, one store call, one line of output. run returns the line and
// the values of fields, which are the JSON result after "id".
type simple struct {
	use, short, long, example string
	flags                     func(*cobra.Command)
	fields                    []string
	run                       func(tx store.Tx, id string) (msg string, values []any, err error)
	check                     func() error
}

func (s simple) command(f *cmdutil.Factory) *cobra.Command {
	var out *cmdutil.Output
	cmd := &cobra.Command{
		Use: s.use, Short: s.short, Long: s.long, Example: s.example,
		Args: idArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0]
			if s.check != nil {
				if err := s.check(); err != nil {
					return err
				}
			}
			var msg string
			var values []any
			err := cmdutil.Run(f, cmd, write(id), func(tx store.Tx) (err error) {
				msg, values, err = s.run(tx, id)
				return err
			})
			if err != nil {
				return err
			}
			if format := out.Format(); format != output.Table {
				return output.WriteObject(f.IO, format, output.Cols(append([]string{"id"}, s.fields...)...), append([]any{id}, values...)...)
			}
			_, err = fmt.Fprintln(f.IO.Out, output.Sanitize(msg))
			return err
		},
	}
	s.flags(cmd)
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

func newCmdNote(f *cmdutil.Factory) *cobra.Command {
	var text string
	return simple{
		use: "note ID --text TEXT", short: "Add a note to an incident's timeline",
		long:    "Add a note (what was found, what was done) to an open incident's timeline.",
		example: `  $ custos incident note INC-2026-0007 --text "paste removed by the host at 14:20"`,
		flags:   func(c *cobra.Command) { c.Flags().StringVar(&text, "text", "", "the note (required)") },
		check:   func() error { return account.Text("--text", strings.TrimSpace(text), true) },
		fields:  []string{"note"},
		run: func(tx store.Tx, id string) (string, []any, error) {
			note := strings.TrimSpace(text)
			return "Noted on " + id + ".", []any{note}, tx.Incidents().NoteIncident(id, note)
		},
	}.command(f)
}

func newCmdAssign(f *cmdutil.Factory) *cobra.Command {
	var assignee string
	cmd := simple{
		use: "assign ID OPERATOR", short: "Assign an incident to an operator",
		long:    "Assign an open incident to a registered operator (exit 3 for an unknown one).",
		example: `  $ custos incident assign INC-2026-0007 ines`,
		flags:   func(*cobra.Command) {},
		fields:  []string{"assignee"},
		run: func(tx store.Tx, id string) (string, []any, error) {
			return "Assigned " + id + " to " + assignee + ".", []any{assignee}, tx.Incidents().AssignIncident(id, assignee)
		},
	}.command(f)
	cmd.Args = func(c *cobra.Command, args []string) error {
		if err := cmdutil.ExactArgs("ID", "OPERATOR")(c, args); err != nil {
			return err
		}
		assignee = args[1]
		if err := operator.ValidateName(assignee); err != nil {
			return err
		}
		return incident.ValidID(args[0])
	}
	return cmd
}

func newCmdNotify(f *cmdutil.Factory) *cobra.Command {
	var party, ref string
	return simple{
		use: "notify ID --party regulator|customers|management --ref TEXT", short: "Record that a party was notified",
		long: `Record that the regulator, the customers or management was notified, with a
reference (a case number, a mail ID). This is how an incident is reported:
management for every incident, and for a data leak every party of
incident.data_leak_disclosure. Recording the same notification again changes
nothing.`,
		example: `  $ custos incident notify INC-2026-0008 --party regulator --ref "DPA case 2026-1187"`,
		flags: func(c *cobra.Command) {
			cmdutil.EnumFlag(c.Flags(), &party, "party", "", "", append([]string{""}, incident.Parties...), "who was notified")
			c.Flags().StringVar(&ref, "ref", "", "reference of the notification (required)")
		},
		check: func() error {
			if party == "" {
				return errs.Invalidf("--party is required: %s", strings.Join(incident.Parties, ", "))
			}
			return account.Text("--ref", strings.TrimSpace(ref), true)
		},
		fields: []string{"party", "ref", "changed"},
		run: func(tx store.Tx, id string) (string, []any, error) {
			r := strings.TrimSpace(ref)
			changed, err := tx.Incidents().NotifyIncident(id, party, r)
			values := []any{party, r, changed}
			if !changed && err == nil {
				return "That notification of " + id + " is already recorded; nothing changed.", values, nil
			}
			return "Recorded that " + notified(party) + " of " + id + ".", values, err
		},
	}.command(f)
}

func newCmdUpdate(f *cmdutil.Factory) *cobra.Command {
	var severity, summary string
	return simple{
		use: "update ID [--severity S] [--summary TEXT]", short: "Change an incident's severity or summary",
		long:    "Change the severity or the summary of an open incident; the change is on its timeline.",
		example: `  $ custos incident update INC-2026-0007 --severity critical`,
		flags: func(c *cobra.Command) {
			cmdutil.EnumFlag(c.Flags(), &severity, "severity", "", "", append([]string{""}, incident.Severities...), "new severity")
			c.Flags().StringVar(&summary, "summary", "", "new summary")
		},
		check: func() error {
			if severity == "" && strings.TrimSpace(summary) == "" {
				return errs.Invalidf("give --severity or --summary")
			}
			return account.Text("--summary", strings.TrimSpace(summary), false)
		},
		fields: []string{"severity", "summary"},
		run: func(tx store.Tx, id string) (string, []any, error) {
			inc, err := tx.Incidents().UpdateIncident(id, severity, strings.TrimSpace(summary))
			if err != nil {
				return "", nil, err
			}
			return fmt.Sprintf("%s is %s: %s", id, inc.Severity, inc.Summary), []any{string(inc.Severity), inc.Summary}, nil
		},
	}.command(f)
}

// CloseOptions are the inputs of `incident close`.
type CloseOptions struct {
	RootCause, Resolution, Lessons, PasswordFile string
	Restore                                      bool
}

func newCmdClose(f *cmdutil.Factory) *cobra.Command {
	opts := &CloseOptions{}
	var out *cmdutil.Output
	cmd := &cobra.Command{
		Use:   "close ID --root-cause TEXT --resolution TEXT [--lessons TEXT] [--restore]",
		Short: "Close an incident with its root cause",
		Long: `Close an incident, recording where it came from, what was done and what was
learned. Refused: a missing root cause or resolution (exit 2), a data leak
not yet disclosed to every party of incident.data_leak_disclosure (exit 5).

--restore re-activates every account this incident froze, each with
must_change_password and a new one-time password printed once (or written,
one "username password" line each, to a new 0600 --password-file), unless
another open incident still names it. If the passwords cannot be written
(a full disk, a closed pipe), nothing is closed or restored (exit 1) and
the failure is recorded.`,
		Example: `  $ custos incident close INC-2026-0007 --root-cause "password reused on a breached forum" \
      --resolution "passwords rotated, MFA enforced" --lessons "block password reuse" --restore`,
		Args: idArg,
		RunE: func(cmd *cobra.Command, args []string) error { return closeRun(f, cmd, out, args[0], opts) },
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.RootCause, "root-cause", "", "where the incident came from (required)")
	fl.StringVar(&opts.Resolution, "resolution", "", "what was done about it (required)")
	fl.StringVar(&opts.Lessons, "lessons", "", "what was learned")
	fl.BoolVar(&opts.Restore, "restore", false, "re-activate the accounts this incident froze")
	fl.StringVar(&opts.PasswordFile, "password-file", "", "with --restore, write the new passwords to this new file (mode 0600)")
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

type restored struct {
	store.Restore
	password string
}

func closeRun(f *cmdutil.Factory, cmd *cobra.Command, out *cmdutil.Output, id string, opts *CloseOptions) error {
	for _, t := range []struct{ flag, v string }{{"--root-cause", opts.RootCause}, {"--resolution", opts.Resolution}, {"--lessons", opts.Lessons}} {
		if err := account.Text(t.flag, strings.TrimSpace(t.v), false); err != nil {
			return err
		}
	}
	if opts.PasswordFile != "" && !opts.Restore {
		return errs.Invalidf("--password-file goes with --restore")
	}
	var results []restored
	issuer := &cmdutil.Issuer{Path: opts.PasswordFile, Flag: "--password-file", Named: true, DryRun: cmdutil.IsDryRun(cmd)}
	render := func(ios *iostreams.IOStreams) error { return writeClose(ios, out, id, results, opts.PasswordFile) }
	err := cmdutil.Run(f, cmd, write(id), func(tx store.Tx) error {
		// The file is created before anything changes, so a bad path
		// refuses the close instead of losing the passwords after it.
		if err := issuer.Open(); err != nil {
			return err
		}
		_, rs, err := tx.Incidents().CloseIncident(id, strings.TrimSpace(opts.RootCause), strings.TrimSpace(opts.Resolution), strings.TrimSpace(opts.Lessons), opts.Restore)
		if err != nil {
			return err
		}
		pol, err := tx.Accounts().AccountPolicy()
		if err != nil {
			return err
		}
		for _, r := range rs {
			res := restored{Restore: r}
			if r.Restored {
				if res.password, err = issuer.Issue(pol.Password, r.Username); err != nil {
					return err
				}
			}
			results = append(results, res)
		}
		if !opts.Restore {
			return nil
		}
		// With --restore the result, the passwords with it, is written
		// before the commit, as account activate does: a password nobody
		// received must not leave a re-activated account behind.
		if err := issuer.Deliver(f.IO, render); err != nil {
			return errs.Wrap(errs.Internal, err, "cannot write the new passwords: %v; %s was not closed and no account was restored", err, id)
		}
		return nil
	})
	issuer.Close(err)
	if err != nil || opts.Restore {
		return err
	}
	return render(f.IO)
}

// writeClose renders the result of a close: the accounts restored, with
// their passwords unless they went to passwordFile.
func writeClose(ios *iostreams.IOStreams, out *cmdutil.Output, id string, results []restored, passwordFile string) error {
	if format := out.Format(); format != output.Table {
		w := output.NewList(ios, format, output.Cols("id", "username", "restored", "why_not", "initial_password"))
		for _, r := range results {
			pw := r.password
			if passwordFile != "" {
				pw = ""
			}
			if err := w.Row(id, r.Username, r.Restored, r.Why, pw); err != nil {
				return err
			}
		}
		return w.Close()
	}
	fmt.Fprintf(ios.Out, "Closed %s.\n", id)
	for _, r := range results {
		switch {
		case !r.Restored:
			fmt.Fprintf(ios.Out, "Not restored %s: %s.\n", output.Sanitize(r.Username), output.Sanitize(r.Why))
		case passwordFile != "":
			fmt.Fprintf(ios.Out, "Restored %s; its new initial password is in %s.\n", output.Sanitize(r.Username), output.Sanitize(passwordFile))
		default:
			fmt.Fprintf(ios.Out, "Restored %s; initial password (shown once, stored nowhere): %s\n", output.Sanitize(r.Username), r.password)
		}
	}
	return nil
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
