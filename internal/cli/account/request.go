package account

import (
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/store"
)

// RequestOptions are the inputs of `account request`.
type RequestOptions struct {
	Factory  *cmdutil.Factory
	Cmd      *cobra.Command
	Output   *cmdutil.Output
	Request  account.Request
	FromFile string
}

func newCmdRequest(f *cmdutil.Factory, runF func(*RequestOptions) error) *cobra.Command {
	opts := &RequestOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "request USERNAME --name NAME --employee-id ID --department D --position P --reason TEXT",
		Short: "Request an account for a person",
		Long: `Request an account. The request records who it is for (a real name in any
script), their employee ID, department and position, and why they need it.
--until (the last day) is required for every --type but employee.
--clearance (default internal) caps the classification of what the account
may later be granted.

Refused: a username that breaks the naming policy (account.username_pattern)
or is already taken (usernames are never reused), a second live account for
the same employee ID (exit 5), missing or malformed fields (exit 2).

--from-file F.csv requests one account per row. The header names the
columns: username and the flag names without dashes (name, employee-id,
department, position, reason, email, type, until, clearance). Each row is
checked, recorded and audited on its own; the result lists every row, and
the exit code is 0 only if every row succeeded (otherwise that of the first
failed row).`,
		Example: `  $ custos account request zoe --name "Zoë Ångström" --employee-id E-1042 \
      --department Sales --position "Account manager" --reason "new hire, starts 2026-12-01"
  $ custos account request li.wei --name 张伟 --employee-id C-77 --department 'R&D' \
      --position Contractor --type contractor --until 2027-06-30 --reason "firmware project"
  $ custos account request --from-file new-hires.csv -o json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if opts.FromFile != "" {
				return cmdutil.NoArgs(cmd, args)
			}
			return cmdutil.ExactArgs("USERNAME")(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			if len(args) == 1 {
				opts.Request.Username = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return requestRun(opts)
		},
	}
	fl := cmd.Flags()
	r := &opts.Request
	fl.StringVar(&r.Name, "name", "", "the person's real name")
	fl.StringVar(&r.EmployeeID, "employee-id", "", "the person's employee ID")
	fl.StringVar(&r.Department, "department", "", "the person's department")
	fl.StringVar(&r.Position, "position", "", "the person's position")
	fl.StringVar(&r.Reason, "reason", "", "why the account is needed")
	fl.StringVar(&r.Email, "email", "", "the person's email address")
	cmdutil.EnumFlag(fl, &r.Type, "type", "", "employee", account.Types, "kind of account")
	fl.StringVar(&r.Until, "until", "", "the account's last day, YYYY-MM-DD (required unless --type employee)")
	cmdutil.EnumFlag(fl, &r.Clearance, "clearance", "", "internal", account.Levels, "highest classification the account may be granted")
	fl.StringVar(&opts.FromFile, "from-file", "", "request one account per row of a CSV file")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

func today(f *cmdutil.Factory) string { return f.Now().Format(account.DateFormat) }

// request validates and records one request inside tx.
func request(tx store.Tx, r account.Request, date string) (*account.Account, error) {
	pol, err := tx.Accounts().AccountPolicy()
	if err != nil {
		return nil, err
	}
	a, err := r.Validate(pol.Naming, date)
	if err != nil {
		return nil, err
	}
	return a, tx.Accounts().RequestAccount(a)
}

func requestRun(opts *RequestOptions) error {
	if opts.FromFile != "" {
		return requestBatchRun(opts)
	}
	f := opts.Factory
	var a *account.Account
	err := cmdutil.Run(f, opts.Cmd, write(opts.Request.Username), func(tx store.Tx) (err error) {
		a, err = request(tx, opts.Request, today(f))
		return err
	})
	if err != nil {
		return err
	}
	if format := opts.Output.Format(); format != output.Table {
		return output.WriteResult(f.IO, format, accountResult(a))
	}
	_, err = fmt.Fprintf(f.IO.Out, "Requested account %s for %s (%s, %s); it needs approval.\n",
		output.Sanitize(a.Username), output.Sanitize(a.Name), output.Sanitize(a.Department), a.Type)
	return err
}

// batchColumns are the CSV columns --from-file accepts.
var batchColumns = []string{"username", "name", "employee-id", "department", "position", "reason", "email", "type", "until", "clearance"}

// RequestRowResult is one row of `account request --from-file`.
type RequestRowResult struct {
	Row      int    `json:"row"`
	Username string `json:"username"`
	// Status is ok, would succeed, or the outcome of the row's error.
	Status string `json:"status"`
	Error  string `json:"error"`
}

func requestBatchRun(opts *RequestOptions) error {
	f := opts.Factory
	rows, err := readBatch(opts.FromFile, f.IO.In)
	if err != nil {
		return err
	}
	st, err := f.Store()
	if err != nil {
		return err
	}
	dryRun := cmdutil.IsDryRun(opts.Cmd)
	if dryRun {
		f.StartDryRun(opts.Cmd)
	}
	w := output.NewResultList[RequestRowResult](f.IO, opts.Output.Format())
	failed, firstErr := 0, error(nil)
	for _, row := range rows {
		inv, err := f.Invocation(opts.Cmd)
		if err != nil {
			return err
		}
		inv.Args = append(inv.Args, "--row", strconv.Itoa(row.line))
		spec, err := cmdutil.Permit(opts.Cmd, write(row.req.Username))
		if err != nil {
			return err
		}
		spec.DryRun = dryRun
		err = st.Invoke(opts.Cmd.Context(), inv, spec, func(tx store.Tx) error {
			_, err := request(tx, row.req, today(f))
			return err
		})
		status, msg := "ok", ""
		if dryRun {
			status = "would succeed"
		}
		if err != nil {
			failed++
			status, msg = errs.Outcome(err), err.Error()
			if firstErr == nil {
				firstErr = err
			}
		}
		if err := w.Write(&RequestRowResult{row.line, row.req.Username, status, msg}); err != nil {
			return err
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	if dryRun && opts.Output.Format() == output.Table {
		f.DryRunNoted()
		fmt.Fprintf(f.IO.ErrOut, "Dry run: %d of %d row(s) would succeed; nothing changed.\n", len(rows)-failed, len(rows))
	}
	if failed > 0 {
		what := "the others were requested"
		if dryRun {
			what = "nothing changed"
		}
		return errs.MarkRecorded(&errs.Error{Code: errs.CodeOf(firstErr),
			Msg: fmt.Sprintf("%d of %d rows failed; %s", failed, len(rows), what), Err: firstErr})
	}
	return nil
}

type batchRow struct {
	line int
	req  account.Request
}

// readBatch reads and checks the whole file before any row is requested:
// an unreadable file or a bad header is exit 2 with nothing done.
func readBatch(path string, stdin io.Reader) ([]batchRow, error) {
	sh, done, err := cmdutil.OpenSheet(path, stdin, batchColumns, "username")
	if err != nil {
		return nil, err
	}
	defer done()
	var rows []batchRow
	for {
		ok, err := sh.Next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		rows = append(rows, batchRow{line: sh.Line, req: account.Request{
			Username: sh.Get("username"), Name: sh.Get("name"), EmployeeID: sh.Get("employee-id"),
			Department: sh.Get("department"), Position: sh.Get("position"), Reason: sh.Get("reason"),
			Email: sh.Get("email"), Type: sh.Get("type"), Until: sh.Get("until"), Clearance: sh.Get("clearance"),
		}})
	}
	if len(rows) == 0 {
		return nil, errs.Invalidf("%s has a header but no rows", path)
	}
	return rows, nil
}
