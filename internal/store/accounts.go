package store

import (
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/errs"
)

const accountColumns = `username, name, employee_id, department, position, email, type, until, clearance, state,
	reason, must_change_password, agreement_ref, requested_by, requested_at, updated_at, state_reason, incident, requested_by_real, inactive_since`

func scanAccount(r rowScanner) (*account.Account, error) {
	var a account.Account
	var typ, clearance, state, requestedAt, updatedAt string
	err := r.Scan(&a.Username, &a.Name, &a.EmployeeID, &a.Department, &a.Position, &a.Email, &typ, &a.Until,
		&clearance, &state, &a.Reason, &a.MustChangePassword, &a.AgreementRef, &a.RequestedBy, &requestedAt,
		&updatedAt, &a.StateReason, &a.Incident, &a.RequestedByReal, &a.InactiveSince)
	if err != nil {
		return nil, err
	}
	a.Type, a.Clearance, a.State = account.Type(typ), account.Level(clearance), account.State(state)
	a.RequestedAt, a.UpdatedAt = parseTime(requestedAt), parseTime(updatedAt)
	return &a, nil
}

// AccountPolicy is the organisation policy that account commands apply.
type AccountPolicy struct {
	Naming   *account.Naming
	Stages   []string
	Password account.PasswordPolicy
}

// AccountPolicy reads the account policy keys.
func (t *txn) AccountPolicy() (*AccountPolicy, error) {
	var vals [4]string
	for i, k := range []string{account.KeyUsernamePattern, account.KeyApprovalStages, account.KeyPasswordLength, account.KeyPasswordRequire} {
		v, err := t.PolicyValue(k)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	naming, err := account.NewNaming(vals[0])
	if err != nil {
		return nil, err
	}
	stages, err := account.ParseStages(vals[1])
	if err != nil {
		return nil, err
	}
	pw, err := account.ParsePasswordPolicy(vals[2], vals[3])
	if err != nil {
		return nil, err
	}
	return &AccountPolicy{Naming: naming, Stages: stages, Password: pw}, nil
}

// GetAccount returns an account, or NotFound.
func (t *txn) GetAccount(username string) (*account.Account, error) {
	t.Touch("account:" + username)
	a, err := scanAccount(t.tx.QueryRowContext(t.ctx, `SELECT `+accountColumns+` FROM accounts WHERE username = $1`, username))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFoundf("no account named %s", username).WithHint("run `custos account list` for the accounts")
	}
	return a, err
}

// RequestAccount records a validated request. A username already taken,
// even by a revoked account, and a second live account for the same
// employee ID are conflicts.
func (t *txn) RequestAccount(a *account.Account) error {
	t.Touch("account:" + a.Username)
	var holder string
	err := t.tx.QueryRowContext(t.ctx, `SELECT username FROM accounts WHERE username = $1`, a.Username).Scan(&holder)
	if err == nil {
		return errs.Conflictf("the username %s is already taken", a.Username).
			WithHint("usernames are never reused, so that history stays unambiguous; choose another")
	} else if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	var state string
	err = t.tx.QueryRowContext(t.ctx, `SELECT username, state FROM accounts WHERE employee_id = $1 AND state NOT IN ('revoked', 'rejected')`, a.EmployeeID).Scan(&holder, &state)
	if err == nil {
		return errs.Conflictf("employee %s already has a live account: %s (%s); one person holds one live account", a.EmployeeID, holder, state)
	} else if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	now := formatTime(t.now)
	a.RequestedBy, a.RequestedByReal, a.RequestedAt, a.UpdatedAt = t.op.Name, t.real.Name, t.now, t.now
	_, err = t.tx.ExecContext(t.ctx, `INSERT INTO accounts (username, name, employee_id, department, position, email, type, until,
		clearance, state, reason, requested_by, requested_at, updated_at, requested_by_real)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14)`,
		a.Username, a.Name, a.EmployeeID, a.Department, a.Position, a.Email, string(a.Type), a.Until,
		string(a.Clearance), string(a.State), a.Reason, a.RequestedBy, now, a.RequestedByReal)
	if err != nil {
		return err
	}
	t.recordState(a.Username, "", a.State)
	return nil
}

// Approvals returns the approval stages given to an account.
func (t *txn) Approvals(username string) ([]account.Approval, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT username, stage, operator, at, reason, real_operator, proxy FROM account_approvals WHERE username = $1 ORDER BY at`, username)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []account.Approval
	for rows.Next() {
		var ap account.Approval
		var at string
		if err := rows.Scan(&ap.Username, &ap.Stage, &ap.Operator, &at, &ap.Reason, &ap.RealOperator, &ap.Proxy); err != nil {
			return nil, err
		}
		ap.At = parseTime(at)
		out = append(out, ap)
	}
	return out, rows.Err()
}

// ApproveResult says what an approval did.
type ApproveResult struct {
	Account *account.Account
	// Changed is false when the operator had already given this stage.
	Changed bool
	// Pending lists the stages still missing.
	Pending []string
	// Proxy is true when the stage was given through --as.
	Proxy bool
}

// ApproveAccount gives one approval stage as the effective operator.
func (t *txn) ApproveAccount(username, stage, reason string) (*ApproveResult, error) {
	a, err := t.GetAccount(username)
	if err != nil {
		return nil, err
	}
	pol, err := t.AccountPolicy()
	if err != nil {
		return nil, err
	}
	given, err := t.Approvals(username)
	if err != nil {
		return nil, err
	}
	rule, err := t.PolicyValue(account.KeyApprovalProxy)
	if err != nil {
		return nil, err
	}
	check, err := account.CheckApproval(t.op, t.real.Name, a, stage, pol.Stages, given, account.Proxy(rule))
	if err != nil {
		return nil, err
	}
	res := &ApproveResult{Account: a, Changed: !check.Already, Proxy: check.Proxy}
	if check.Already {
		res.Pending = account.PendingStages(pol.Stages, given)
		return res, nil
	}
	if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO account_approvals (username, stage, operator, at, reason, real_operator, proxy)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		username, stage, t.op.Name, formatTime(t.now), reason, t.real.Name, flag(check.Proxy)); err != nil {
		return nil, err
	}
	given = append(given, account.Approval{Stage: stage, Operator: t.op.Name})
	res.Pending = account.PendingStages(pol.Stages, given)
	if check.Last {
		next, _, err := account.Apply(*a, account.ActionApproveLast, "", t.now)
		if err != nil {
			return nil, err
		}
		if err := t.saveLifecycle(a, next); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// saveLifecycle writes the lifecycle columns of next, the account a as a
// rule of the account package left it, and updates a to match. It is the
// one place an existing account's state changes, so it is where the
// change is recorded for the audit entry.
func (t *txn) saveLifecycle(a *account.Account, next account.Account) error {
	if _, err := t.tx.ExecContext(t.ctx, `UPDATE accounts SET state = $2, updated_at = $3, state_reason = $4,
		must_change_password = $5, agreement_ref = $6, incident = $7 WHERE username = $1`,
		next.Username, string(next.State), formatTime(next.UpdatedAt), next.StateReason,
		flag(next.MustChangePassword), next.AgreementRef, next.Incident); err != nil {
		return err
	}
	t.recordState(next.Username, a.State, next.State)
	*a = next
	return nil
}

// recordState notes that an account went from one state to another (from
// "" when it was just made): the object state:USERNAME:FROM:TO of the
// invocation's entry, added when the transaction commits (txn.states).
// A second change of the same account makes one net change, so an entry
// never holds two changes of one account whose order it cannot tell.
func (t *txn) recordState(username string, from, to account.State) {
	c := account.StateChange{Username: username, From: from, To: to}
	if prev, ok := t.states[username]; ok {
		t.states[username], _ = prev.Then(c)
		return
	}
	if from == to {
		return
	}
	if t.states == nil {
		t.states = map[string]account.StateChange{}
	}
	t.states[username] = c
	t.stateOrder = append(t.stateOrder, username)
}

// RejectAccount rejects a requested account.
func (t *txn) RejectAccount(username, reason string) (*account.Account, bool, error) {
	a, err := t.GetAccount(username)
	if err != nil {
		return nil, false, err
	}
	if err := account.CheckReject(t.op, a); err != nil {
		return nil, false, err
	}
	next, changed, err := account.Apply(*a, account.ActionReject, reason, t.now)
	if err != nil || !changed {
		return a, false, err
	}
	return a, true, t.saveLifecycle(a, next)
}

// ActivateAccount makes an approved account active (agreementRef required)
// or re-activates a frozen one (reason required). The account must then
// change its password; the caller generates it and never stores it.
func (t *txn) ActivateAccount(username, agreementRef, reason string) (*account.Account, error) {
	a, err := t.GetAccount(username)
	if err != nil {
		return nil, err
	}
	next, action, err := account.Activate(*a, agreementRef, reason, t.now)
	if err != nil {
		return nil, err
	}
	if action == account.ActionActivate {
		// Trained before starting: policy account.required_training.
		if err := t.checkTraining(username); err != nil {
			return nil, err
		}
	}
	if action == account.ActionReactivate {
		if err := t.checkNoOpenIncident(username); err != nil {
			return nil, err
		}
	}
	return a, t.saveLifecycle(a, next)
}

// FreezeAccount freezes an active account; freezing a frozen one changes
// nothing.
func (t *txn) FreezeAccount(username, reason, incident string) (*account.Account, bool, error) {
	a, err := t.GetAccount(username)
	if err != nil {
		return nil, false, err
	}
	next, changed, err := account.Freeze(*a, reason, incident, t.now)
	if err != nil || !changed {
		return a, false, err
	}
	return a, true, t.saveLifecycle(a, next)
}

// RevokeAccount revokes an account for good, with its grants, and keeps a
// snapshot of both. Revoking a revoked account changes nothing.
func (t *txn) RevokeAccount(username, reason string) (*account.Account, bool, error) {
	a, err := t.GetAccount(username)
	if err != nil {
		return nil, false, err
	}
	next, changed, err := account.Apply(*a, account.ActionRevoke, reason, t.now)
	if err != nil {
		return nil, false, err
	}
	if !changed {
		return a, false, nil
	}
	// The account's grants go with it, in the same transaction, and into
	// the revocation snapshot.
	grants, err := t.RevokeGrants(username, "", "", "account revoked: "+reason)
	if err != nil {
		return nil, false, err
	}
	approvals, err := t.Approvals(username)
	if err != nil {
		return nil, false, err
	}
	snapshot, err := json.Marshal(map[string]any{"account": accountJSON(a), "approvals": approvals, "grants": grants})
	if err != nil {
		return nil, false, err
	}
	if err := t.saveLifecycle(a, next); err != nil {
		return nil, false, err
	}
	_, err = t.tx.ExecContext(t.ctx, `INSERT INTO account_revocations (username, at, revoked_by, reason, snapshot) VALUES ($1, $2, $3, $4, $5)`,
		username, formatTime(t.now), t.op.Name, reason, string(snapshot))
	return a, true, err
}

// Revocation is the record kept when an account was revoked.
type Revocation struct {
	At        time.Time
	RevokedBy string
	Reason    string
	Snapshot  string
}

// AccountRevocation returns the revocation record, or nil.
func (t *txn) AccountRevocation(username string) (*Revocation, error) {
	var r Revocation
	var at string
	err := t.tx.QueryRowContext(t.ctx, `SELECT at, revoked_by, reason, snapshot FROM account_revocations WHERE username = $1`, username).
		Scan(&at, &r.RevokedBy, &r.Reason, &r.Snapshot)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	r.At = parseTime(at)
	return &r, err
}

// accountJSON is the snapshot form of an account. Its times are
// time.Time, so they encode as the approvals and grants beside them do
// (JSON's RFC 3339): the snapshot is a document, not a stored column.
func accountJSON(a *account.Account) map[string]any {
	return map[string]any{
		"username": a.Username, "name": a.Name, "employee_id": a.EmployeeID, "department": a.Department,
		"position": a.Position, "email": a.Email, "type": a.Type, "until": a.Until, "clearance": a.Clearance,
		"state": a.State, "reason": a.Reason, "agreement_ref": a.AgreementRef, "requested_by": a.RequestedBy,
		"requested_at": a.RequestedAt, "updated_at": a.UpdatedAt,
	}
}

// AccountFilter selects accounts. Zero fields do not filter.
type AccountFilter struct {
	State      string
	Department string
	// ExpiringBy selects active accounts whose end date is on or before it
	// (YYYY-MM-DD).
	ExpiringBy string
	// Limit is the most accounts listed, the statement's LIMIT; 0 lists all.
	Limit int
}

// ListAccounts streams accounts in username order.
func (t *txn) ListAccounts(f AccountFilter, fn func(*account.Account) error) error {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.State != "" {
		where = append(where, "state = "+arg(f.State))
	}
	if f.Department != "" {
		if err := t.checkDepartment(f.Department); err != nil {
			return err
		}
		where = append(where, "department = "+arg(f.Department))
	}
	if scope := t.scopeSQL("department", arg); scope != "" {
		where = append(where, scope)
	}
	if f.ExpiringBy != "" {
		where = append(where, "state = 'active'", "until != ''", "until <= "+arg(f.ExpiringBy))
	}
	q := `SELECT ` + accountColumns + ` FROM accounts`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY username"
	if f.Limit > 0 {
		q += " LIMIT " + arg(f.Limit)
	}
	rows, err := t.tx.QueryContext(t.ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return err
		}
		if err := fn(a); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ExpireAccounts freezes every active account whose last day is before
// asOf (YYYY-MM-DD); with dryRun it only lists them.
func (t *txn) ExpireAccounts(asOf string, dryRun bool) ([]*account.Account, error) {
	var due []*account.Account
	rows, err := t.tx.QueryContext(t.ctx, `SELECT `+accountColumns+` FROM accounts WHERE state = 'active' AND until != '' AND until < $1 ORDER BY username`, asOf)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		due = append(due, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil || dryRun {
		return due, err
	}
	for _, a := range due {
		t.Touch("account:" + a.Username)
		next, _, err := account.Expire(*a, t.now)
		if err != nil {
			return nil, err
		}
		if err := t.saveLifecycle(a, next); err != nil {
			return nil, err
		}
	}
	return due, nil
}
