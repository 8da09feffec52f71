// incident close: the root cause, and with --restore the frozen accounts
// back, each with a new one-time password.

package incident

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/iostreams"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/store"
)

// CloseOptions are the inputs of `incident close`.
type CloseOptions struct {
	Factory                                      *cmdutil.Factory
	Cmd                                          *cobra.Command
	Output                                       *cmdutil.Output
	ID                                           string
	RootCause, Resolution, Lessons, PasswordFile string
	Restore                                      bool
}

func newCmdClose(f *cmdutil.Factory, runF func(*CloseOptions) error) *cobra.Command {
	opts := &CloseOptions{Factory: f}
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
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd, opts.ID = cmd, args[0]
			for _, t := range []struct {
				flag string
				v    *string
			}{{"--root-cause", &opts.RootCause}, {"--resolution", &opts.Resolution}, {"--lessons", &opts.Lessons}} {
				*t.v = strings.TrimSpace(*t.v)
				if err := account.Text(t.flag, *t.v, false); err != nil {
					return err
				}
			}
			if opts.PasswordFile != "" && !opts.Restore {
				return errs.Invalidf("--password-file goes with --restore")
			}
			if runF != nil {
				return runF(opts)
			}
			return closeRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.RootCause, "root-cause", "", "where the incident came from (required)")
	fl.StringVar(&opts.Resolution, "resolution", "", "what was done about it (required)")
	fl.StringVar(&opts.Lessons, "lessons", "", "what was learned")
	fl.BoolVar(&opts.Restore, "restore", false, "re-activate the accounts this incident froze")
	fl.StringVar(&opts.PasswordFile, "password-file", "", "with --restore, write the new passwords to this new file (mode 0600)")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// CloseResult is one account of a closed incident: restored or why not,
// with its new password unless it went to --password-file.
type CloseResult struct {
	ID              string `json:"id"`
	Username        string `json:"username"`
	Restored        bool   `json:"restored"`
	WhyNot          string `json:"why_not"`
	InitialPassword string `json:"initial_password"`
}

func closeRun(opts *CloseOptions) error {
	f := opts.Factory
	var results []CloseResult
	issuer := &cmdutil.Issuer{Path: opts.PasswordFile, Flag: "--password-file", Named: true, DryRun: cmdutil.IsDryRun(opts.Cmd)}
	render := func(ios *iostreams.IOStreams) error { return writeClose(ios, opts, results) }
	err := cmdutil.Run(f, opts.Cmd, write(opts.ID), func(tx store.Tx) error {
		// The file is created before anything changes, so a bad path
		// refuses the close instead of losing the passwords after it.
		if err := issuer.Open(); err != nil {
			return err
		}
		_, rs, err := tx.Incidents().CloseIncident(opts.ID, opts.RootCause, opts.Resolution, opts.Lessons, opts.Restore)
		if err != nil {
			return err
		}
		pol, err := tx.Accounts().AccountPolicy()
		if err != nil {
			return err
		}
		for _, r := range rs {
			res := CloseResult{ID: opts.ID, Username: r.Username, Restored: r.Restored, WhyNot: r.Why}
			if r.Restored {
				if res.InitialPassword, err = issuer.Issue(pol.Password, r.Username); err != nil {
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
			return errs.Wrap(errs.Internal, err, "cannot write the new passwords: %v; %s was not closed and no account was restored", err, opts.ID)
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
// their passwords unless they went to the password file.
func writeClose(ios *iostreams.IOStreams, opts *CloseOptions, results []CloseResult) error {
	if format := opts.Output.Format(); format != output.Table {
		w := output.NewResultList[CloseResult](ios, format)
		for _, r := range results {
			if opts.PasswordFile != "" {
				r.InitialPassword = ""
			}
			if err := w.Write(&r); err != nil {
				return err
			}
		}
		return w.Close()
	}
	fmt.Fprintf(ios.Out, "Closed %s.\n", opts.ID)
	for _, r := range results {
		switch {
		case !r.Restored:
			fmt.Fprintf(ios.Out, "Not restored %s: %s.\n", output.Sanitize(r.Username), output.Sanitize(r.WhyNot))
		case opts.PasswordFile != "":
			fmt.Fprintf(ios.Out, "Restored %s; its new initial password is in %s.\n", output.Sanitize(r.Username), output.Sanitize(opts.PasswordFile))
		default:
			fmt.Fprintf(ios.Out, "Restored %s; initial password (shown once, stored nowhere): %s\n", output.Sanitize(r.Username), r.InitialPassword)
		}
	}
	return nil
}
