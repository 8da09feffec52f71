package account

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/store"
)

// ReconcileOptions are the inputs of `account reconcile`.
type ReconcileOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
	HR      string
	Apply   bool
	// Directory is the directory export, Format its format ("" detects it).
	Directory string
	Format    string
}

func newCmdReconcile(f *cmdutil.Factory, runF func(*ReconcileOptions) error) *cobra.Command {
	opts := &ReconcileOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "reconcile (--hr FILE.csv [--apply] | --directory FILE [--format F])",
		Short: "Compare HR's roster or the real directory with the accounts",
		Long: `Compare HR's roster (CSV with the columns employee-id, name, department,
position, status and leave-date; status is active or leaver) with the live
accounts, matched by employee ID, and report per person:

  leaver      HR says the person left or leaves; the account is still live
  mover       the department or position differs
  name        the names differ
  orphan      a live account whose employee ID HR does not know
  no-account  an active person without a live account (information only)

Without --apply nothing changes. With --apply, in one audited command, each
leaver is scheduled to leave (account leave --on HR's date, or today when
it has passed or is missing; then freeze) and each mover's transfer is
requested (account transfer, for the new department's manager and IT);
the action column says what was done, or why not. A malformed file (a
missing column, a bad status or date) is exit 2 with nothing done.

--directory FILE compares an export of the real directory, matched by
username: GAM's print users CSV (primaryEmail, suspended, lastLoginTime,
changePasswordAtNextLogin), FreeIPA's ipa user-find --all output, an LDIF
export (uid or sAMAccountName; nsAccountLock, pwdAccountLockedTime or
userAccountControl; krbLastSuccessfulAuth, authTimestamp or
lastLogonTimestamp; krbLastPwdChange, pwdChangedTime or pwdLastSet), or a
plain CSV username,enabled,last_login,password_changed. The format is
detected from the first line; --format gam|ipa|ldif|plain forces it. It
reports:

  enabled-not-live     enabled there, but frozen, revoked, not yet active
                       or unknown here: the dangerous one, exit 5
  disabled-but-active  disabled there, active here
  password-changed     the password was changed after activation: custos
                       clears must_change_password (recorded)
  inactive             no login for account.inactive_days (default 90):
                       flagged inactive-account in the next access review
  not-in-directory     active here, absent there

Exit 5 when any enabled-not-live drift exists, so cron can alert.`,
		Example: `  $ custos account reconcile --hr roster-2026-11.csv
  $ custos account reconcile --hr roster-2026-11.csv -o csv > drift.csv
  $ custos account reconcile --hr roster-2026-11.csv --apply
  $ gam print users fields primaryemail,suspended,lastlogintime,changepasswordatnextlogin > gam.csv
  $ custos account reconcile --directory gam.csv
  $ ipa user-find --all > ipa.txt; custos account reconcile --directory ipa.txt -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			switch {
			case opts.HR == "" && opts.Directory == "":
				return errs.Invalidf("--hr or --directory is required: HR's roster, or an export of the directory")
			case opts.HR != "" && opts.Directory != "":
				return errs.Invalidf("--hr and --directory are two reconciliations: give one")
			case opts.Directory != "" && opts.Apply:
				return errs.Invalidf("--apply is for --hr; a directory reconciliation records what it finds by itself")
			case opts.HR != "" && opts.Format != "":
				return errs.Invalidf("--format is for --directory")
			}
			if runF != nil {
				return runF(opts)
			}
			return reconcileRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.HR, "hr", "", "HR's roster: employee-id,name,department,position,status,leave-date")
	cmd.Flags().BoolVar(&opts.Apply, "apply", false, "schedule the leavers and request the transfers")
	cmd.Flags().StringVar(&opts.Directory, "directory", "", "an export of the directory: GAM CSV, ipa user-find --all, LDIF or plain CSV")
	cmdutil.EnumFlag(cmd.Flags(), &opts.Format, "format", "", "", append([]string{""}, account.DirectoryFormats...), "the export's format (detected when not given)")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

var hrColumns = []string{"employee-id", "name", "department", "position", "status", "leave-date"}

// readRoster reads and checks the whole roster before anything is
// compared: a bad row is exit 2 naming its line.
func readRoster(path string, f *cmdutil.Factory) ([]account.HRRow, error) {
	sh, done, err := cmdutil.OpenSheet(path, f.IO.In, hrColumns, hrColumns...)
	if err != nil {
		return nil, err
	}
	defer done()
	var rows []account.HRRow
	seen := map[string]int{}
	for {
		ok, err := sh.Next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		r := account.HRRow{Line: sh.Line, EmployeeID: strings.TrimSpace(sh.Get("employee-id")), Name: strings.TrimSpace(sh.Get("name")),
			Department: strings.TrimSpace(sh.Get("department")), Position: strings.TrimSpace(sh.Get("position")),
			Status: strings.ToLower(strings.TrimSpace(sh.Get("status"))), LeaveDate: strings.TrimSpace(sh.Get("leave-date"))}
		where := fmt.Sprintf("%s line %d", filepath.Base(path), sh.Line)
		if r.EmployeeID == "" {
			return nil, errs.Invalidf("%s: employee-id is empty", where)
		}
		if prev, dup := seen[r.EmployeeID]; dup {
			return nil, errs.Invalidf("%s: employee %s is already on line %d", where, r.EmployeeID, prev)
		}
		seen[r.EmployeeID] = sh.Line
		if r.Status != "active" && r.Status != "leaver" {
			return nil, errs.Invalidf("%s: status %q: use active or leaver", where, r.Status)
		}
		if r.LeaveDate != "" {
			d, err := account.ParseDate(r.LeaveDate)
			if err != nil {
				return nil, errs.Invalidf("%s: leave-date: %v", where, err)
			}
			r.LeaveDate = d
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// reconcileMemory is the soft memory limit of a reconciliation: it holds
// the roster and every live account at once (about 30 MB for 100,000 of
// each), and without a limit the collector lets the heap grow to twice
// that before it runs. A soft limit costs no time at that size and keeps
// the process under 100 MB; a larger roster only makes it collect more.
const reconcileMemory = 48 << 20

// FindingResult is one difference between HR's roster and the accounts.
type FindingResult struct {
	Kind       string `json:"kind"`
	EmployeeID string `json:"employee_id"`
	Username   string `json:"username"`
	// HR and Custos are the two sides of the difference, in words.
	HR     string `json:"hr"`
	Custos string `json:"custos"`
	// Action is what --apply did about it, or why not.
	Action string `json:"action"`
}

func reconcileRun(opts *ReconcileOptions) error {
	if opts.Directory != "" {
		return reconcileDirectoryRun(opts)
	}
	f := opts.Factory
	if os.Getenv("GOMEMLIMIT") == "" {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(reconcileMemory))
	}
	roster, err := readRoster(opts.HR, f)
	if err != nil {
		return err
	}
	var findings []account.Finding
	var actions []string
	err = cmdutil.Run(f, opts.Cmd, store.Spec{Write: opts.Apply}, func(tx store.Tx) error {
		live, err := tx.Accounts().LivePeople()
		if err != nil {
			return err
		}
		findings = account.ReconcileHR(roster, live)
		if opts.Apply {
			actions, err = tx.Accounts().ApplyHR(findings, "HR reconciliation of "+filepath.Base(opts.HR))
		}
		return err
	})
	if err != nil {
		return err
	}
	w := output.NewResultList[FindingResult](f.IO, opts.Output.Format())
	counts := map[string]int{}
	for i, fd := range findings {
		counts[fd.Kind]++
		r := FindingResult{Kind: fd.Kind, EmployeeID: fd.EmployeeID, Username: fd.Username, HR: fd.HR, Custos: fd.Custos}
		if actions != nil {
			r.Action = actions[i]
		}
		if err := w.Write(&r); err != nil {
			return err
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	if opts.Output.Format() == output.Table {
		fmt.Fprintf(f.IO.ErrOut, "%d people on the roster: %d leaver(s) with a live account, %d mover(s), %d name mismatch(es), %d orphan account(s), %d without an account.\n",
			len(roster), counts[account.FindLeaver], counts[account.FindMover], counts[account.FindName], counts[account.FindOrphan], counts[account.FindNoAccount])
		if !opts.Apply && counts[account.FindLeaver]+counts[account.FindMover] > 0 {
			fmt.Fprintln(f.IO.ErrOut, "Nothing changed; --apply schedules the leavers and requests the transfers.")
		}
	}
	return nil
}

// readDirectory reads the whole export before anything is compared.
func readDirectory(path, format string, f *cmdutil.Factory) ([]account.DirUser, error) {
	var r io.Reader = f.IO.In
	if path != "-" {
		fh, err := os.Open(path)
		if err != nil {
			return nil, errs.Invalidf("cannot read %s: %v", path, errors.Unwrap(err))
		}
		defer fh.Close()
		r = fh
	}
	br := bufio.NewReader(r)
	if format == "" {
		head, _ := br.Peek(4096)
		var err error
		if format, err = account.DetectFormat(head); err != nil {
			return nil, errs.Invalidf("%s: %v", filepath.Base(path), err)
		}
	}
	users, err := account.ParseDirectory(br, format)
	if err != nil {
		return nil, errs.Invalidf("%s (%s): %v", filepath.Base(path), format, err)
	}
	return users, nil
}

// DriftResult is one difference between the directory and the accounts.
type DriftResult struct {
	Kind      string `json:"kind"`
	Username  string `json:"username"`
	Directory string `json:"directory"`
	Custos    string `json:"custos"`
	// Action is what custos recorded about it, if anything.
	Action string `json:"action"`
}

func reconcileDirectoryRun(opts *ReconcileOptions) error {
	f := opts.Factory
	users, err := readDirectory(opts.Directory, opts.Format, f)
	if err != nil {
		return err
	}
	var drifts []account.Drift
	var actions []string
	err = cmdutil.Run(f, opts.Cmd, store.Spec{Write: true}, func(tx store.Tx) error {
		v, err := tx.Policy().PolicyValue(account.KeyInactiveDays)
		if err != nil {
			return err
		}
		days, _ := strconv.Atoi(v)
		accounts, err := tx.Accounts().DirAccounts()
		if err != nil {
			return err
		}
		drifts = account.ReconcileDirectory(users, accounts, days, tx.Now())
		actions, err = tx.Accounts().ApplyDirectory(drifts, users, filepath.Base(opts.Directory))
		// The findings go into this invocation's entry, one object
		// drift:KIND:USERNAME each, so the report can count the last
		// reconciliation's drift from the log itself.
		for _, d := range drifts {
			tx.Touch("drift:" + d.Kind + ":" + d.Username)
		}
		return err
	})
	if err != nil {
		return err
	}
	w := output.NewResultList[DriftResult](f.IO, opts.Output.Format())
	dangerous := 0
	for i, d := range drifts {
		if d.Dangerous() {
			dangerous++
		}
		if err := w.Write(&DriftResult{d.Kind, d.Username, d.Directory, d.Custos, actions[i]}); err != nil {
			return err
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	if opts.Output.Format() == output.Table {
		fmt.Fprintf(f.IO.ErrOut, "%d directory user(s), %d drift(s), %d dangerous.\n", len(users), len(drifts), dangerous)
	}
	if dangerous > 0 {
		return errs.Conflictf("%d user(s) enabled in the directory but not live in custos", dangerous).
			WithHint("disable them in the directory, or find out why custos does not know them")
	}
	return nil
}
