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
	reason, must_change_password, agreement_ref, requested_by, requested_at, updated_at, state_reason, incident, requested_by_real`

func scanAccount(r rowScanner) (*account.Account, error) {
	var a account.Account
	var typ, clearance, state, requestedAt, updatedAt string
	err := r.Scan(&a.Username, &a.Name, &a.EmployeeID, &a.Department, &a.Position, &a.Email, &typ, &a.Until,
		&clearance, &state, &a.Reason, &a.MustChangePassword, &a.AgreementRef, &a.RequestedBy, &requestedAt,
		&updatedAt, &a.StateReason, &a.Incident, &a.RequestedByReal)
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
func (t *Tx) AccountPolicy() (*AccountPolicy, error) {
	var vals [4]string
	for i, k := range []string{account.KeyUsernamePattern, account.KeyApprovalStages, account.KeyPasswordLength, account.KeyPasswordRequire} {
		v, err := t.Policy(k)
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
func (t *Tx) GetAccount(username string) (*account.Account, error) {
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
func (t *Tx) RequestAccount(a *account.Account) error {
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
	return err
}

// Approvals returns the approval stages given to an account.
func (t *Tx) Approvals(username string) ([]account.Approval, error) {
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
func (t *Tx) ApproveAccount(username, stage, reason string) (*ApproveResult, error) {
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
	rule, err := t.Policy(account.KeyApprovalProxy)
	if err != nil {
		return nil, err
	}
	check, err := account.CheckApproval(t.op, t.real.Name, a, stage, pol.Stages, given, account.Proxy(rule))
	if err != nil {
		return nil, err
	}
	res := &ApproveResult{Account: a, Changed: !check.Already, Proxy: check.Proxy}
	if check.Already {
		res.Pending = pending(pol.Stages, given)
		return res, nil
	}
	if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO account_approvals (username, stage, operator, at, reason, real_operator, proxy)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		username, stage, t.op.Name, formatTime(t.now), reason, t.real.Name, check.Proxy); err != nil {
		return nil, err
	}
	given = append(given, account.Approval{Stage: stage, Operator: t.op.Name})
	res.Pending = pending(pol.Stages, given)
	if check.Last {
		if err := t.setState(a, account.ApproveLast, "", nil); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func pending(stages []string, given []account.Approval) []string {
	var out []string
	for _, s := range stages {
		done := false
		for _, g := range given {
			done = done || g.Stage == s
		}
		if !done {
			out = append(out, s)
		}
	}
	return out
}

// setState applies a transition and writes the new state with extra
// column updates; the account value is updated to match.
func (t *Tx) setState(a *account.Account, action account.Action, stateReason string, extra map[string]any) error {
	next, err := account.Transition(a.State, action)
	if err != nil {
		return errs.Conflictf("%s: %v", a.Username, err)
	}
	set := []string{"state = $2", "updated_at = $3", "state_reason = $4"}
	args := []any{a.Username, string(next), formatTime(t.now), stateReason}
	for _, col := range []string{"must_change_password", "agreement_ref", "incident"} {
		if v, ok := extra[col]; ok {
			args = append(args, v)
			set = append(set, col+" = $"+strconv.Itoa(len(args)))
		}
	}
	if _, err := t.tx.ExecContext(t.ctx, `UPDATE accounts SET `+strings.Join(set, ", ")+` WHERE username = $1`, args...); err != nil {
		return err
	}
	a.State, a.UpdatedAt, a.StateReason = next, t.now, stateReason
	return nil
}

// RejectAccount rejects a requested account.
func (t *Tx) RejectAccount(username, reason string) (*account.Account, bool, error) {
	a, err := t.GetAccount(username)
	if err != nil {
		return nil, false, err
	}
	if err := account.CheckReject(t.op, a); err != nil {
		return nil, false, err
	}
	if a.State == account.Rejected {
		return a, false, nil
	}
	return a, true, t.setState(a, account.Reject, reason, nil)
}

// ActivationCheck may refuse re-activating an account; the incidents
// module registers one that refuses while an open incident names it.
type ActivationCheck func(t *Tx, username string) error

var activationChecks []ActivationCheck

// RegisterActivationCheck adds a check run before an account is
// re-activated.
func RegisterActivationCheck(c ActivationCheck) { activationChecks = append(activationChecks, c) }

// ActivateAccount makes an approved account active (agreementRef required)
// or re-activates a frozen one (reason required). The account must then
// change its password; the caller generates it and never stores it.
func (t *Tx) ActivateAccount(username, agreementRef, reason string) (*account.Account, error) {
	a, err := t.GetAccount(username)
	if err != nil {
		return nil, err
	}
	switch a.State {
	case account.Frozen:
		if reason == "" {
			return nil, errs.Invalidf("%s is frozen; re-activating it needs --reason", username)
		}
		for _, check := range activationChecks {
			if err := check(t, username); err != nil {
				return nil, err
			}
		}
		ref := a.AgreementRef
		if agreementRef != "" {
			ref = agreementRef
		}
		return a, t.setState(a, account.Reactivate, reason, map[string]any{"must_change_password": true, "agreement_ref": ref, "incident": ""})
	case account.Approved:
		if agreementRef == "" {
			return nil, errs.Invalidf("activating %s needs --agreement-ref: the reference of the usage agreement the user signed", username)
		}
		a.AgreementRef, a.MustChangePassword = agreementRef, true
		return a, t.setState(a, account.Activate, reason, map[string]any{"must_change_password": true, "agreement_ref": agreementRef})
	}
	_, err = account.Transition(a.State, account.Activate)
	return nil, errs.Conflictf("%s: %v", username, err)
}

// FreezeAccount freezes an active account; freezing a frozen one changes
// nothing.
func (t *Tx) FreezeAccount(username, reason, incident string) (*account.Account, bool, error) {
	a, err := t.GetAccount(username)
	if err != nil {
		return nil, false, err
	}
	if a.State == account.Frozen {
		return a, false, nil
	}
	a.Incident = incident
	return a, true, t.setState(a, account.Freeze, reason, map[string]any{"incident": incident})
}

// GrantRevoker revokes an account's access grants at revocation and
// returns them for the snapshot; the access module registers it.
type GrantRevoker func(t *Tx, username, reason string) (any, error)

var grantRevoker GrantRevoker

// RegisterGrantRevoker sets the function that revokes an account's grants.
func RegisterGrantRevoker(r GrantRevoker) { grantRevoker = r }

// RevokeAccount revokes an account for good, with its grants, and keeps a
// snapshot of both. Revoking a revoked account changes nothing.
func (t *Tx) RevokeAccount(username, reason string) (*account.Account, bool, error) {
	a, err := t.GetAccount(username)
	if err != nil {
		return nil, false, err
	}
	if a.State == account.Revoked {
		return a, false, nil
	}
	if _, err := account.Transition(a.State, account.Revoke); err != nil {
		return nil, false, errs.Conflictf("%s: %v", username, err)
	}
	var grants any = []any{}
	if grantRevoker != nil {
		if grants, err = grantRevoker(t, username, reason); err != nil {
			return nil, false, err
		}
	}
	approvals, err := t.Approvals(username)
	if err != nil {
		return nil, false, err
	}
	snapshot, err := json.Marshal(map[string]any{"account": accountJSON(a), "approvals": approvals, "grants": grants})
	if err != nil {
		return nil, false, err
	}
	if err := t.setState(a, account.Revoke, reason, nil); err != nil {
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
func (t *Tx) AccountRevocation(username string) (*Revocation, error) {
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
}

// ListAccounts streams accounts in username order.
func (t *Tx) ListAccounts(f AccountFilter, fn func(*account.Account) error) error {
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
	rows, err := t.tx.QueryContext(t.ctx, q+" ORDER BY username", args...)
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
func (t *Tx) ExpireAccounts(asOf string, dryRun bool) ([]*account.Account, error) {
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
		if err := t.setState(a, account.Freeze, "expired: last day was "+a.Until, nil); err != nil {
			return nil, err
		}
	}
	return due, nil
}
