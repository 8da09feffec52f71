// Requests: changes that wait for approvals (internal/request), and the
// access request, the first kind.

package store

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/access"
	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/operator"
	"github.com/custos-dev/custos/internal/request"
	"github.com/custos-dev/custos/internal/when"
)

const requestColumns = `id, kind, payload, payload_sha256, requester, requester_real, reason, stages, state, created_at, expires_at, closed_at, outcome`

func scanRequest(r rowScanner) (*request.Request, error) {
	var q request.Request
	var stages, state, created, expires, closed string
	if err := r.Scan(&q.ID, &q.Kind, &q.Payload, &q.SHA256, &q.Requester.Operator, &q.Requester.Real, &q.Reason, &stages, &state,
		&created, &expires, &closed, &q.Outcome); err != nil {
		return nil, err
	}
	q.Stages = strings.Split(stages, ",")
	q.State, q.CreatedAt, q.ExpiresAt, q.ClosedAt = request.State(state), parseTime(created), parseTime(expires), parseTime(closed)
	return &q, nil
}

// GetRequest returns a request with its approvals, or NotFound.
func (t *txn) GetRequest(id string) (*request.Request, error) {
	t.Touch("request:" + id)
	q, err := scanRequest(t.tx.QueryRowContext(t.ctx, `SELECT `+requestColumns+` FROM requests WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFoundf("no request %s", id).WithHint("run `custos request list` for the requests")
	}
	if err != nil {
		return nil, err
	}
	rows, err := t.tx.QueryContext(t.ctx, `SELECT stage, operator, real_operator, at, reason, payload_sha256, proxy
		FROM request_approvals WHERE request_id = $1 ORDER BY at, stage`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var a request.Approval
		var at string
		if err := rows.Scan(&a.Stage, &a.By.Operator, &a.By.Real, &at, &a.Reason, &a.PayloadSHA256, &a.Proxy); err != nil {
			return nil, err
		}
		a.At = parseTime(at)
		q.Approvals = append(q.Approvals, a)
	}
	return q, rows.Err()
}

// RequestFilter selects requests. Zero fields do not filter.
type RequestFilter struct {
	Pending bool
	// Mine selects the requests the invoking operator asked for.
	Mine bool
	Kind string
	// Limit is the most requests listed, the statement's LIMIT; 0 lists all.
	Limit int
}

// ListRequests streams requests, newest first.
func (t *txn) ListRequests(f RequestFilter, fn func(*request.Request) error) error {
	q := `SELECT ` + requestColumns + ` FROM requests WHERE 1 = 1`
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.Pending {
		q += ` AND state = 'pending' AND expires_at >= ` + arg(formatTime(t.now))
	}
	if f.Mine {
		q += ` AND requester = ` + arg(t.op.Name)
	}
	if f.Kind != "" {
		q += ` AND kind = ` + arg(f.Kind)
	}
	q += ` ORDER BY year DESC, seq DESC`
	if f.Limit > 0 {
		q += ` LIMIT ` + arg(f.Limit)
	}
	rows, err := t.tx.QueryContext(t.ctx, q, args...)
	if err != nil {
		return err
	}
	var out []*request.Request
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			rows.Close()
			return err
		}
		out = append(out, r)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, r := range out {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// newRequest records a pending request of kind for payload.
func (t *txn) newRequest(kind, payload, reason string, stages []string) (*request.Request, error) {
	days, err := t.PolicyValue(request.KeyExpireDays)
	if err != nil {
		return nil, err
	}
	d, _ := strconv.Atoi(days)
	year := t.now.Year()
	seq, err := t.nextNumber("requests", "seq", "year = $1", year)
	if err != nil {
		return nil, err
	}
	q := &request.Request{ID: request.FormatID(year, seq), Kind: kind, Payload: payload, SHA256: request.Hash(payload),
		Requester: account.Party{Operator: t.op.Name, Real: t.real.Name}, Reason: reason, Stages: stages, State: request.Pending,
		CreatedAt: t.now, ExpiresAt: t.now.Add(time.Duration(d) * 24 * time.Hour)}
	_, err = t.tx.ExecContext(t.ctx, `INSERT INTO requests (id, year, seq, kind, payload, payload_sha256, requester, requester_real, reason, stages, state, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		q.ID, year, seq, q.Kind, q.Payload, q.SHA256, q.Requester.Operator, q.Requester.Real, q.Reason, strings.Join(stages, ","),
		string(q.State), formatTime(q.CreatedAt), formatTime(q.ExpiresAt))
	if err != nil {
		return nil, err
	}
	t.Touch("request:" + q.ID)
	return q, nil
}

// RequestAccess records an access request: the grant it asks for is
// checked now as it would be applied (the account, the resource and its
// role exist), and applied when its last stage is approved.
func (t *txn) RequestAccess(c request.AccessChange) (*request.Request, error) {
	// A manager with a department asks only for its accounts.
	a, err := t.SeeAccount(c.Username)
	if err != nil {
		return nil, err
	}
	r, err := t.GetResource(c.Resource)
	if err != nil {
		return nil, err
	}
	if !containsRole(r.Roles, c.Role) {
		return nil, errs.Invalidf("resource %s has no role %s (roles: %s)", r.Name, c.Role, strings.Join(r.Roles, ", ")).WithField("role")
	}
	v, err := t.PolicyValue(request.KeyAccessStages)
	if err != nil {
		return nil, err
	}
	stages, err := request.ParseAccessStages(v)
	if err != nil {
		return nil, err
	}
	t.Touch("account:"+a.Username, "resource:"+r.Name)
	return t.newRequest(request.KindAccess, c.Payload(), c.Reason, stages)
}

func containsRole(roles []string, role string) bool {
	for _, r := range roles {
		if r == role {
			return true
		}
	}
	return false
}

// RequestApproval is what one approval did.
type RequestApproval struct {
	Request *request.Request
	Stage   string
	// Applied: this approval completed the request and its change was
	// made. Failed is why it could not be, when it could not (the
	// request then stays approved).
	Applied bool
	Failed  string
	Grant   *access.Grant
}

// eligibility is who may give each stage of q, by its kind.
func (t *txn) eligibility(q *request.Request) (func(stage string) error, error) {
	switch q.Kind {
	case request.KindAccess:
		c, err := request.ParseAccessChange(q.Payload)
		if err != nil {
			return nil, errs.Integrityf("the change of %s cannot be read: %v", q.ID, err)
		}
		a, err := t.GetAccount(c.Username)
		if err != nil {
			return nil, err
		}
		r, err := t.GetResource(c.Resource)
		if err != nil {
			return nil, err
		}
		return request.AccessEligible(t.op, a, r), nil
	case request.KindRetention, request.KindHoldRelease, request.KindRetentionLock, request.KindPurge:
		return request.OfficerEligible(t.op), nil
	case request.KindLookup:
		l, err := request.ParseLookup(q.Payload)
		if err != nil {
			return nil, errs.Integrityf("the change of %s cannot be read: %v", q.ID, err)
		}
		v, err := t.lookupOperator(l.Viewer)
		if err != nil {
			return nil, err
		}
		return request.LookupEligible(t.op, t.real.Name, v.Name, v.Department), nil
	case request.KindClearance, request.KindTransfer, request.KindClassification:
		return t.accountEligibility(q)
	}
	return nil, errs.New(errs.Internal, "unknown kind of request %q", q.Kind)
}

// ApproveRequest gives a stage ("" to infer it) of a request, and applies
// the change when it is the last, in this same transaction, every rule
// checked again at this moment. A change that fails its rules now leaves
// the request approved, with the reason as its outcome.
func (t *txn) ApproveRequest(id, stage, reason string) (*RequestApproval, error) {
	q, err := t.GetRequest(id)
	if err != nil {
		return nil, err
	}
	eligible, err := t.eligibility(q)
	if err != nil {
		return nil, err
	}
	rule, err := t.PolicyValue(account.KeyApprovalProxy)
	if err != nil {
		return nil, err
	}
	d, err := request.CheckApprove(q, account.Party{Operator: t.op.Name, Real: t.real.Name}, stage, eligible, account.Proxy(rule), t.now)
	if err != nil {
		return nil, err
	}
	if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO request_approvals (request_id, stage, operator, real_operator, at, reason, payload_sha256, proxy)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, q.ID, d.Stage, t.op.Name, t.real.Name, formatTime(t.now), reason, q.SHA256, flag(d.Proxy)); err != nil {
		return nil, err
	}
	q.Approvals = append(q.Approvals, request.Approval{Stage: d.Stage, By: account.Party{Operator: t.op.Name, Real: t.real.Name}, At: t.now, Reason: reason, PayloadSHA256: q.SHA256, Proxy: d.Proxy})
	res := &RequestApproval{Request: q, Stage: d.Stage}
	if !d.Last {
		return res, nil
	}
	state, outcome := request.Applied, ""
	switch q.Kind {
	case request.KindAccess:
		c, _ := request.ParseAccessChange(q.Payload)
		g, err := t.applyAccess(q, c)
		switch {
		case err == nil:
			res.Applied, res.Grant = true, g
			outcome = "granted"
			if g != nil && g.ID != 0 {
				outcome = "granted as grant " + strconv.FormatInt(g.ID, 10)
			}
		case errs.CodeOf(err) == errs.Internal || errs.CodeOf(err) == errs.Busy:
			return nil, err
		default:
			state, outcome, res.Failed = request.Approved, "not applied: "+err.Error(), err.Error()
		}
	case request.KindRetention:
		var c request.RetentionChange
		if err := json.Unmarshal([]byte(q.Payload), &c); err != nil {
			return nil, errs.Integrityf("the change of %s cannot be read: %v", q.ID, err)
		}
		d, err := when.ParseDuration(c.Retain)
		if err != nil {
			return nil, errs.Integrityf("the change of %s cannot be read: %v", q.ID, err)
		}
		switch _, err := t.SetRetention(c.Class, d, c.Description); {
		case err == nil:
			res.Applied, outcome = true, c.Class+" is kept for "+c.Retain
		case errs.CodeOf(err) == errs.Internal || errs.CodeOf(err) == errs.Busy:
			return nil, err
		default:
			// A lock placed since, say.
			state, outcome, res.Failed = request.Approved, "not applied: "+err.Error(), err.Error()
		}
	case request.KindHoldRelease:
		var c request.HoldRelease
		if err := json.Unmarshal([]byte(q.Payload), &c); err != nil {
			return nil, errs.Integrityf("the change of %s cannot be read: %v", q.ID, err)
		}
		if _, err := t.ReleaseHold(c.Hold, c.Reason+" ("+q.ID+")"); err != nil {
			return nil, err
		}
		res.Applied, outcome = true, "hold "+c.Hold+" released"
	case request.KindRetentionLock:
		var c request.RetentionLock
		if err := json.Unmarshal([]byte(q.Payload), &c); err != nil {
			return nil, errs.Integrityf("the change of %s cannot be read: %v", q.ID, err)
		}
		cur, err := t.Schedule(c.Class)
		switch {
		case err != nil && errs.CodeOf(err) != errs.NotFound:
			return nil, err
		case err != nil:
			state, outcome, res.Failed = request.Approved, "not applied: "+err.Error(), err.Error()
		case cur.Retain.String() != c.Retain:
			// The period changed since: the lock asked for is not this one.
			msg := fmt.Sprintf("the retention of %s is %s now, not the %s this lock was asked for", c.Class, cur.Retain, c.Retain)
			state, outcome, res.Failed = request.Approved, "not applied: "+msg, msg
		default:
			if _, err := t.LockRetention(c.Class, q.ID); err != nil {
				return nil, err
			}
			res.Applied, outcome = true, c.Class+" is locked at "+c.Retain+" at least"
		}
	case request.KindPurge:
		state, outcome = request.Approved, "approved; carry it out with custos records purge --apply "+q.ID
	case request.KindLookup:
		days, err := t.lookupDays()
		if err != nil {
			return nil, err
		}
		l, _ := request.ParseLookup(q.Payload)
		// The window is fixed now: a later change of the policy does not
		// move it. An approved look-up's expires_at is its end.
		until := t.now.Add(time.Duration(days) * 24 * time.Hour)
		if _, err := t.tx.ExecContext(t.ctx, `UPDATE requests SET expires_at = $2 WHERE id = $1`, q.ID, formatTime(until)); err != nil {
			return nil, err
		}
		q.ExpiresAt = until
		state, outcome = request.Approved, fmt.Sprintf("approved; %s may see it with custos records lookup show %s until %s", l.Viewer, q.ID,
			until.UTC().Format(time.RFC3339))
	case request.KindClearance, request.KindTransfer, request.KindClassification:
		done, err := t.applyAccountRequest(q)
		switch {
		case err == nil:
			res.Applied, outcome = true, done
		case errs.CodeOf(err) == errs.Internal || errs.CodeOf(err) == errs.Busy:
			return nil, err
		default:
			state, outcome, res.Failed = request.Approved, "not applied: "+err.Error(), err.Error()
		}
	}
	q.State, q.Outcome = state, outcome
	_, err = t.tx.ExecContext(t.ctx, `UPDATE requests SET state = $2, outcome = $3, closed_at = $4, closed_by = $5 WHERE id = $1`,
		q.ID, string(state), outcome, formatTime(t.now), t.op.Name)
	return res, err
}

// changeApproval reports whether records.change_approval is required.
func (t *txn) changeApproval() (bool, error) {
	v, err := t.PolicyValue(request.KeyChangeApproval)
	return v != "none", err
}

// RetainClass sets a class's retention period, or, when it shortens an
// existing schedule under records.change_approval=required, records a
// request for an officer to approve instead (returned; nothing changes
// yet). A new class, a longer period or the same one apply at once; a
// locked schedule is never shortened, by request or not.
func (t *txn) RetainClass(class string, d when.Duration, description string) (changed bool, q *request.Request, err error) {
	cur, err := t.retentionOf(class)
	if err != nil {
		return false, nil, err
	}
	if cur != nil && cur.Shortens(d) {
		if err := cur.CheckRetain(d); err != nil {
			return false, nil, err
		}
		required, err := t.changeApproval()
		if err != nil {
			return false, nil, err
		}
		if required {
			t.Touch("retention:" + class)
			q, err = t.newRequest(request.KindRetention, request.RetentionChange{Class: class, Retain: d.String(), Was: cur.Retain.String(), Description: description}.Payload(),
				"shorten the retention of "+class, []string{request.StageOfficer})
			return false, q, err
		}
	}
	changed, err = t.SetRetention(class, d, description)
	return changed, nil, err
}

// LockClass locks a class's schedule at its current period, or under
// records.change_approval=required records a request for an officer to
// approve instead. A schedule already locked changes nothing.
func (t *txn) LockClass(class, reason string) (changed bool, q *request.Request, err error) {
	cur, err := t.Schedule(class)
	if err != nil {
		return false, nil, err
	}
	t.Touch("retention:" + class)
	if !cur.LockedAt.IsZero() {
		return false, nil, nil
	}
	required, err := t.changeApproval()
	if err != nil {
		return false, nil, err
	}
	if !required {
		changed, err = t.LockRetention(class, t.op.Name)
		return changed, nil, err
	}
	var waiting string
	if err := t.ListRequests(RequestFilter{Pending: true, Kind: request.KindRetentionLock}, func(o *request.Request) error {
		var c request.RetentionLock
		if json.Unmarshal([]byte(o.Payload), &c) == nil && c.Class == class {
			waiting = o.ID
		}
		return nil
	}); err != nil {
		return false, nil, err
	}
	if waiting != "" {
		return false, nil, errs.Conflictf("%s already asks to lock the retention of %s", waiting, class).WithHint("custos request show %s", waiting)
	}
	q, err = t.newRequest(request.KindRetentionLock, request.RetentionLock{Class: class, Retain: cur.Retain.String(), Reason: reason}.Payload(),
		reason, []string{request.StageOfficer})
	return false, q, err
}

// ReleaseHoldOrAsk releases a hold, or under records.change_approval=
// required records a request for an officer to approve instead.
func (t *txn) ReleaseHoldOrAsk(name, reason string) (changed bool, q *request.Request, err error) {
	t.Touch("hold:" + name)
	var released string
	err = t.tx.QueryRowContext(t.ctx, `SELECT released_at FROM holds WHERE name = $1`, name).Scan(&released)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil, errs.NotFoundf("no hold named %s", name)
	} else if err != nil || released != "" {
		return false, nil, err
	}
	required, err := t.changeApproval()
	if err != nil || !required {
		if err == nil {
			changed, err = t.ReleaseHold(name, reason)
		}
		return changed, nil, err
	}
	q, err = t.newRequest(request.KindHoldRelease, request.HoldRelease{Hold: name, Reason: reason}.Payload(), reason, []string{request.StageOfficer})
	return false, q, err
}

// applyAccess makes the grant an access request asks for, as access grant
// would (access.CheckGrant: the account active, the clearance, separation
// of duties), on behalf of the request.
func (t *txn) applyAccess(q *request.Request, c request.AccessChange) (*access.Grant, error) {
	g, changed, err := t.GrantAccess(c.Username, c.Resource, c.Role, c.Reason+" ("+q.ID+")", c.Until)
	if err != nil {
		return nil, err
	}
	t.Touch("account:"+c.Username, "resource:"+c.Resource)
	if changed {
		if _, err := t.tx.ExecContext(t.ctx, `UPDATE grants SET request_id = $2 WHERE id = $1`, g.ID, q.ID); err != nil {
			return nil, err
		}
		t.Touch("grant:" + strconv.FormatInt(g.ID, 10))
	}
	return g, nil
}

// CloseRequest rejects (withdraw false) or withdraws a pending request.
func (t *txn) CloseRequest(id, reason string, withdraw bool) (*request.Request, error) {
	q, err := t.GetRequest(id)
	if err != nil {
		return nil, err
	}
	eligible, err := t.eligibility(q)
	if err != nil {
		return nil, err
	}
	if err := request.CheckClose(q, account.Party{Operator: t.op.Name, Real: t.real.Name}, withdraw, t.op.Has(operator.Admin), eligible, t.now); err != nil {
		return nil, err
	}
	q.State = request.Rejected
	if withdraw {
		q.State = request.Withdrawn
	}
	q.Outcome = reason
	_, err = t.tx.ExecContext(t.ctx, `UPDATE requests SET state = $2, outcome = $3, closed_at = $4, closed_by = $5 WHERE id = $1`,
		q.ID, string(q.State), reason, formatTime(t.now), t.op.Name)
	return q, err
}

// CheckDirectGrant applies policy access.direct_grant to the operator.
func (t *txn) CheckDirectGrant() error {
	v, err := t.PolicyValue(request.KeyDirectGrant)
	if err != nil {
		return err
	}
	return request.CheckDirectGrant(t.op, v)
}
