package account

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/access"
	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/output"
	reqs "github.com/custos-dev/custos/internal/request"
	"github.com/custos-dev/custos/internal/store"
)

// changeRow is one row of a --from-file batch: its line, the account, and
// the change, which says what it did.
type changeRow struct {
	line     int
	username string
	run      func(tx store.Tx) (string, error)
}

// batchFlags are --from-file and --dry-run, on every account change.
type batchFlags struct {
	FromFile string
	DryRun   bool
}

// addBatchFlags adds --from-file (columns: username and the flag names)
// and --dry-run to cmd.
func addBatchFlags(cmd *cobra.Command, b *batchFlags, columns []string) {
	cmd.Flags().StringVar(&b.FromFile, "from-file", "", "one change per row of a CSV file; columns: "+strings.Join(columns, ", "))
	cmd.Flags().BoolVar(&b.DryRun, "dry-run", false, "check everything (with --from-file, every row) and change nothing")
}

// batchArgs is the Args of a command with --from-file: no USERNAME then.
func batchArgs(b *batchFlags) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if b.FromFile != "" {
			return cmdutil.NoArgs(cmd, args)
		}
		return cmdutil.ExactArgs("USERNAME")(cmd, args)
	}
}

// readRows reads the whole sheet before any row runs: an unreadable file,
// a bad header or a row without a username is exit 2 with nothing done.
func readRows(path string, f *cmdutil.Factory, columns []string, row func(line int, get func(string) string) (changeRow, error)) ([]changeRow, error) {
	sh, done, err := cmdutil.OpenSheet(path, f.IO.In, columns, "username")
	if err != nil {
		return nil, err
	}
	defer done()
	var rows []changeRow
	for {
		ok, err := sh.Next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if sh.Get("username") == "" {
			return nil, sh.Rowf("username is empty")
		}
		r, err := row(sh.Line, sh.Get)
		if err != nil {
			return nil, sh.Rowf("%v", err)
		}
		r.line, r.username = sh.Line, sh.Get("username")
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		return nil, errs.Invalidf("%s has a header but no rows", path)
	}
	return rows, nil
}

// BatchRowResult is one row of an account change --from-file.
type BatchRowResult struct {
	Row      int    `json:"row"`
	Username string `json:"username"`
	// Status is ok, would succeed, or the outcome of the row's error.
	Status string `json:"status"`
	// Result says what the row did, Error why it failed.
	Result string `json:"result"`
	Error  string `json:"error"`
}

// runBatch runs each row as an invocation of its own (store.RunRows:
// recorded with --row N), so each succeeds or fails alone; with dryRun every row is
// checked in a transaction that is rolled back. The result lists every
// row; the exit code is 0 only if every row succeeded, otherwise that of
// the first failed row.
func runBatch(f *cmdutil.Factory, cmd *cobra.Command, out *cmdutil.Output, rows []changeRow, dryRun bool) error {
	st, err := f.Store()
	if err != nil {
		return err
	}
	if dryRun {
		f.StartDryRun(cmd)
	}
	w := output.NewResultList[BatchRowResult](f.IO, out.Format())
	failed, firstErr := 0, error(nil)
	inv, err := f.Invocation(cmd)
	if err != nil {
		return err
	}
	spec, err := cmdutil.Permit(cmd, store.Spec{Write: true})
	if err != nil {
		return err
	}
	spec.DryRun = dryRun
	batch := make([]store.Row, len(rows))
	for i, row := range rows {
		batch[i] = store.Row{Line: row.line, Targets: write(row.username).Targets, Run: row.run}
	}
	next := 0 // rows come back in order
	err = st.RunRows(cmd.Context(), inv, spec, batch, func(row store.Row, result string, err error) error {
		username := rows[next].username
		next++
		status, msg := "ok", ""
		if dryRun {
			status = "would succeed"
		}
		if err != nil {
			failed++
			status, msg, result = errs.Outcome(err), err.Error(), ""
			if firstErr == nil {
				firstErr = err
			}
		}
		return w.Write(&BatchRowResult{row.Line, username, status, result, msg})
	})
	if err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	if dryRun && out.Format() == output.Table {
		f.DryRunNoted()
		fmt.Fprintf(f.IO.ErrOut, "Dry run: %d of %d row(s) would succeed; nothing changed.\n", len(rows)-failed, len(rows))
	}
	if failed > 0 {
		what := "the others were done"
		if dryRun {
			what = "nothing changed"
		}
		return errs.MarkRecorded(&errs.Error{Code: errs.CodeOf(firstErr),
			Msg: fmt.Sprintf("%d of %d rows failed; %s", failed, len(rows), what), Err: firstErr})
	}
	return nil
}

// optional is a cell as an optional field: nil when empty.
func optional(get func(string) string, col string) *string {
	if v := get(col); v != "" {
		return &v
	}
	return nil
}

// The columns of each batch: username and the flag names.
var (
	updateColumns   = []string{"username", "until", "position", "email", "name", "clearance", "reason"}
	leaveColumns    = []string{"username", "on", "then", "reason"}
	transferColumns = []string{"username", "department", "position", "on", "keep", "reason"}
	freezeColumns   = []string{"username", "reason", "incident"}
	revokeColumns   = []string{"username", "reason"}
)

// update is one account update inside tx: the edit, then the clearance
// request; it says what it did.
func update(tx store.Tx, username string, e account.Edit, clearance, reason string) ([]account.Change, *reqs.Request, error) {
	if err := account.Text("reason", reason, true); err != nil {
		return nil, nil, err
	}
	if e.Empty() && clearance == "" {
		return nil, nil, errs.Invalidf("nothing to update: give until, position, email, name or clearance")
	}
	var changes []account.Change
	var q *reqs.Request
	var err error
	if !e.Empty() {
		if _, changes, err = tx.Accounts().UpdateAccount(username, e, reason); err != nil {
			return nil, nil, err
		}
	}
	if clearance != "" {
		q, err = tx.Accounts().RequestClearance(username, clearance, reason)
	}
	return changes, q, err
}

func describeUpdate(changes []account.Change, q *reqs.Request) string {
	var parts []string
	for _, c := range changes {
		parts = append(parts, c.Field+": "+orNone(c.Before)+" → "+orNone(c.After))
	}
	if q != nil {
		parts = append(parts, "requested "+q.ID)
	}
	if len(parts) == 0 {
		return "nothing changed"
	}
	return strings.Join(parts, "; ")
}

func updateRows(path string, f *cmdutil.Factory) ([]changeRow, error) {
	return readRows(path, f, updateColumns, func(line int, get func(string) string) (changeRow, error) {
		e := account.Edit{Until: optional(get, "until"), Position: optional(get, "position"), Email: optional(get, "email"), Name: optional(get, "name")}
		clearance, reason, user := get("clearance"), get("reason"), get("username")
		return changeRow{run: func(tx store.Tx) (string, error) {
			changes, q, err := update(tx, user, e, clearance, reason)
			return describeUpdate(changes, q), err
		}}, nil
	})
}

func leaveRows(path string, f *cmdutil.Factory) ([]changeRow, error) {
	return readRows(path, f, leaveColumns, func(line int, get func(string) string) (changeRow, error) {
		user, on, then, reason := get("username"), get("on"), get("then"), get("reason")
		return changeRow{run: func(tx store.Tx) (string, error) {
			s, _, err := tx.Accounts().ScheduleLeave(user, on, then, reason)
			if err != nil {
				return "", err
			}
			return "leaves on " + s.On + " (" + s.Then + ")", nil
		}}, nil
	})
}

func transferRows(path string, f *cmdutil.Factory) ([]changeRow, error) {
	return readRows(path, f, transferColumns, func(line int, get func(string) string) (changeRow, error) {
		keep, err := access.ParseKeep(strings.FieldsFunc(get("keep"), func(r rune) bool { return r == ';' || r == ' ' }))
		if err != nil {
			return changeRow{}, err
		}
		user, dept, pos, on, reason := get("username"), get("department"), get("position"), get("on"), get("reason")
		return changeRow{run: func(tx store.Tx) (string, error) {
			q, err := tx.Accounts().RequestTransfer(user, dept, pos, on, keep, reason)
			if err != nil {
				return "", err
			}
			return "requested " + q.ID, nil
		}}, nil
	})
}

func freezeRows(path string, f *cmdutil.Factory, revoke bool) ([]changeRow, error) {
	cols := freezeColumns
	if revoke {
		cols = revokeColumns
	}
	return readRows(path, f, cols, func(line int, get func(string) string) (changeRow, error) {
		user, reason, incident := get("username"), get("reason"), get("incident")
		return changeRow{run: func(tx store.Tx) (string, error) {
			if err := account.Text("reason", reason, true); err != nil {
				return "", err
			}
			var a *account.Account
			var changed bool
			var err error
			if revoke {
				a, changed, err = tx.Accounts().RevokeAccount(user, reason)
			} else {
				a, changed, err = tx.Accounts().FreezeAccount(user, reason, incident)
			}
			if err != nil {
				return "", err
			}
			if !changed {
				return "already " + string(a.State), nil
			}
			if revoke {
				return "revoked", nil
			}
			return "frozen", nil
		}}, nil
	})
}
