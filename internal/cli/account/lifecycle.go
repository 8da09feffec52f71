package account

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/iostreams"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/store"
)

// ActivateOptions are the inputs of `account activate`.
type ActivateOptions struct {
	Factory      *cmdutil.Factory
	Cmd          *cobra.Command
	Output       *cmdutil.Output
	Username     string
	AgreementRef string
	Reason       string
	PasswordFile string
}

func newCmdActivate(f *cmdutil.Factory, runF func(*ActivateOptions) error) *cobra.Command {
	opts := &ActivateOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "activate USERNAME (--agreement-ref REF | --reason TEXT) [--password-file F]",
		Short: "Activate an approved account, or re-activate a frozen one",
		Long: `Activate an approved account once the user has signed the usage agreement
(--agreement-ref names it), or re-activate a frozen one (--reason says why).
The account must change its password at first login; custos prints the
generated one-time initial password once. It meets the password policy
(password.min_length, password.require) and is never stored or logged.
--password-file F writes it to a new file F (mode 0600) instead. If the
password cannot be written (a full disk, a closed pipe), the activation is
rolled back (exit 1) and the failure recorded: nobody is left with an
active account whose password nobody received.

Refused: activation without --agreement-ref (exit 2), an account that is
requested, rejected, revoked or already active (exit 5).`,
		Example: `  $ custos account activate zoe --agreement-ref AUP-2026-0117
  $ custos account activate zoe --reason "back from leave" --password-file /root/zoe.pw`,
		Args: cmdutil.ExactArgs("USERNAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd, opts.Username = cmd, args[0]
			if err := account.Text("--agreement-ref", opts.AgreementRef, false); err != nil {
				return err
			}
			if err := account.Text("--reason", opts.Reason, false); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return activateRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.AgreementRef, "agreement-ref", "", "reference of the usage agreement the user signed")
	cmd.Flags().StringVar(&opts.Reason, "reason", "", "why a frozen account is re-activated")
	cmd.Flags().StringVar(&opts.PasswordFile, "password-file", "", "write the initial password to this new file (mode 0600) instead of stdout")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

func activateRun(opts *ActivateOptions) error {
	f := opts.Factory
	issuer := &cmdutil.Issuer{Path: opts.PasswordFile, Flag: "--password-file", DryRun: cmdutil.IsDryRun(opts.Cmd)}
	err := cmdutil.Run(f, opts.Cmd, write(opts.Username), func(tx store.Tx) error {
		// The file is created before the account changes, so a bad path
		// refuses the activation instead of losing the password after it.
		if err := issuer.Open(); err != nil {
			return err
		}
		a, err := tx.Accounts().ActivateAccount(opts.Username, opts.AgreementRef, opts.Reason)
		if err != nil {
			return err
		}
		pol, err := tx.Accounts().AccountPolicy()
		if err != nil {
			return err
		}
		password, err := issuer.Issue(pol.Password, a.Username)
		if err != nil {
			return err
		}
		// The result, the password with it, is written before the commit:
		// a password nobody received (stdout on a full disk, a closed
		// pipe) must not leave an active account behind.
		err = issuer.Deliver(f.IO, func(ios *iostreams.IOStreams) error {
			return writeActivation(ios, opts, a, password, issuer.ToFile())
		})
		if err != nil {
			return errs.Wrap(errs.Internal, err, "cannot write the initial password: %v; %s was not activated", err, opts.Username)
		}
		return nil
	})
	issuer.Close(err)
	return err
}

// ActivateResult is what `account activate` reports.
type ActivateResult struct {
	Username           string `json:"username"`
	State              string `json:"state"`
	MustChangePassword bool   `json:"must_change_password"`
	AgreementRef       string `json:"agreement_ref"`
	// InitialPassword is empty when it went to PasswordFile.
	InitialPassword string `json:"initial_password"`
	PasswordFile    string `json:"password_file"`
}

// writeActivation renders the result of an activation.
func writeActivation(ios *iostreams.IOStreams, opts *ActivateOptions, a *account.Account, password string, inFile bool) error {
	shown := password
	if inFile {
		shown = ""
	}
	if format := opts.Output.Format(); format != output.Table {
		return output.WriteResult(ios, format, ActivateResult{a.Username, string(a.State), true, a.AgreementRef, shown, opts.PasswordFile})
	}
	fmt.Fprintf(ios.Out, "Activated %s; the password must be changed at first login.\n", output.Sanitize(a.Username))
	if inFile {
		fmt.Fprintf(ios.Out, "The initial password is in %s (mode 0600).\n", output.Sanitize(opts.PasswordFile))
	} else {
		fmt.Fprintf(ios.Out, "Initial password (shown once, stored nowhere): %s\n", password)
	}
	return nil
}

// FreezeOptions are the inputs of `account freeze` and `account revoke`.
type FreezeOptions struct {
	Factory  *cmdutil.Factory
	Cmd      *cobra.Command
	Output   *cmdutil.Output
	Username string
	Reason   string
	Incident string
	Batch    batchFlags
}

func newCmdFreeze(f *cmdutil.Factory, runF func(*FreezeOptions) error) *cobra.Command {
	opts := &FreezeOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "freeze (USERNAME --reason TEXT [--incident ID] | --from-file F.csv [--dry-run])",
		Short: "Suspend an active account at once",
		Long: `Freeze an active account: on departure, on suspicion, during an incident.
Its access grants stay recorded but are not in force while it is frozen.
Freezing a frozen account changes nothing; other states are exit 5.

--from-file F.csv (columns username, reason, incident) freezes one account
per row, each on its own, with --dry-run to check them all first; exit 0
only if every row succeeded.`,
		Example: `  $ custos account freeze zoe --reason "left the company 2026-11-30"
  $ custos account freeze ivan --reason "credentials in a paste site" --incident INC-2026-0007
  $ custos account freeze --from-file leak-2026-11.csv --dry-run`,
		Args: batchArgs(&opts.Batch),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			if opts.Batch.FromFile == "" {
				opts.Username = args[0]
				if err := account.Text("--incident", opts.Incident, false); err != nil {
					return err
				}
				if err := account.Text("--reason", opts.Reason, true); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return freezeRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Reason, "reason", "", "why it is frozen (required)")
	cmd.Flags().StringVar(&opts.Incident, "incident", "", "the incident the freeze is made under")
	addBatchFlags(cmd, &opts.Batch, freezeColumns)
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

func freezeRun(opts *FreezeOptions) error {
	if opts.Batch.FromFile != "" {
		rows, err := freezeRows(opts.Batch.FromFile, opts.Factory, false)
		if err != nil {
			return err
		}
		return runBatch(opts.Factory, opts.Cmd, opts.Output, rows, opts.Batch.DryRun)
	}
	return changeState(opts.Factory, opts.Cmd, opts.Output, opts.Username, opts.Reason,
		func(tx store.Tx) (*account.Account, bool, error) {
			return tx.Accounts().FreezeAccount(opts.Username, opts.Reason, opts.Incident)
		}, "Froze", "is already frozen")
}

func newCmdRevoke(f *cmdutil.Factory, runF func(*FreezeOptions) error) *cobra.Command {
	opts := &FreezeOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "revoke (USERNAME --reason TEXT | --from-file F.csv [--dry-run])",
		Short: "Revoke an account for good",
		Long: `Revoke an approved, active or frozen account; revocation is final. Every
access grant of the account is revoked in the same transaction, and a
snapshot of the account, its approvals and its grants is kept with the
revocation (see account show). Revoking a revoked account changes nothing;
a requested account is rejected instead (exit 5).

--from-file F.csv (columns username, reason) revokes one account per row,
each on its own, with --dry-run to check them all first; exit 0 only if
every row succeeded.`,
		Example: `  $ custos account revoke zoe --reason "left the company 2026-11-30"
  $ custos account revoke --from-file leavers.csv --dry-run`,
		Args: batchArgs(&opts.Batch),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			if opts.Batch.FromFile == "" {
				opts.Username = args[0]
				if err := account.Text("--reason", opts.Reason, true); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return revokeRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Reason, "reason", "", "why it is revoked (required)")
	addBatchFlags(cmd, &opts.Batch, revokeColumns)
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

func revokeRun(opts *FreezeOptions) error {
	if opts.Batch.FromFile != "" {
		rows, err := freezeRows(opts.Batch.FromFile, opts.Factory, true)
		if err != nil {
			return err
		}
		return runBatch(opts.Factory, opts.Cmd, opts.Output, rows, opts.Batch.DryRun)
	}
	return changeState(opts.Factory, opts.Cmd, opts.Output, opts.Username, opts.Reason,
		func(tx store.Tx) (*account.Account, bool, error) {
			return tx.Accounts().RevokeAccount(opts.Username, opts.Reason)
		},
		"Revoked", "is already revoked")
}
