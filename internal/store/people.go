// People change jobs and leave: account edits with their before and
// after, leavers and transfers scheduled for a date and carried out by
// account expire, clearance changes and transfers as requests.

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
	"github.com/custos-dev/custos/internal/request"
)

// ChangeRecord is one recorded change of one field.
type ChangeRecord struct {
	ID           int64
	Object       string
	Field        string
	Before       string
	After        string
	Reason       string
	Operator     string
	RealOperator string
	At           time.Time
	RequestID    string
}

// recordChanges keeps the before and after of each change of object.
func (t *txn) recordChanges(object, reason, requestID string, changes []account.Change) error {
	for _, c := range changes {
		id, err := t.nextID("changes")
		if err != nil {
			return err
		}
		if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO changes (id, object, field, old_value, new_value, reason, operator, real_operator, at, request_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, id, object, c.Field, c.Before, c.After, reason, t.op.Name, t.real.Name,
			formatTime(t.now), requestID); err != nil {
			return err
		}
	}
	t.Touch(object)
	return nil
}

// Changes returns the recorded changes of object, oldest first.
func (t *txn) Changes(object string) ([]ChangeRecord, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT id, object, field, old_value, new_value, reason, operator, real_operator, at, request_id
		FROM changes WHERE object = $1 ORDER BY id`, object)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ChangeRecord
	for rows.Next() {
		var c ChangeRecord
		var at string
		if err := rows.Scan(&c.ID, &c.Object, &c.Field, &c.Before, &c.After, &c.Reason, &c.Operator, &c.RealOperator, &at, &c.RequestID); err != nil {
			return nil, err
		}
		c.At = parseTime(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// saveDetails writes the descriptive columns of a (everything but its
// lifecycle, which saveLifecycle writes).
func (t *txn) saveDetails(a *account.Account) error {
	_, err := t.tx.ExecContext(t.ctx, `UPDATE accounts SET name = $2, department = $3, position = $4, email = $5, until = $6,
		clearance = $7, updated_at = $8 WHERE username = $1`, a.Username, a.Name, a.Department, a.Position, a.Email, a.Until,
		string(a.Clearance), formatTime(a.UpdatedAt))
	return err
}

// UpdateAccount applies an edit (account.Edit.Apply) and records each
// field's before and after with the reason. An edit that changes nothing
// returns no changes.
func (t *txn) UpdateAccount(username string, e account.Edit, reason string) (*account.Account, []account.Change, error) {
	a, err := t.SeeAccount(username)
	if err != nil {
		return nil, nil, err
	}
	next, changes, err := e.Apply(*a, t.now.Format(account.DateFormat), t.now)
	if err != nil || len(changes) == 0 {
		return a, nil, err
	}
	if err := t.saveDetails(&next); err != nil {
		return nil, nil, err
	}
	return &next, changes, t.recordChanges("account:"+username, reason, "", changes)
}

const scheduleColumns = `id, username, kind, on_date, then_action, department, position, keep, request_id, reason, scheduled_by, scheduled_at, state, outcome`

func scanSchedule(r rowScanner) (account.Schedule, error) {
	var s account.Schedule
	var kind, keep, at, state string
	err := r.Scan(&s.ID, &s.Username, &kind, &s.On, &s.Then, &s.Department, &s.Position, &keep, &s.RequestID, &s.Reason,
		&s.ScheduledBy, &at, &state, &s.Outcome)
	s.Kind, s.Keep, s.ScheduledAt, s.State = account.ScheduleKind(kind), splitList(keep), parseTime(at), account.ScheduleState(state)
	return s, err
}

// AccountSchedules returns the scheduled changes of an account, every state,
// oldest first.
func (t *txn) AccountSchedules(username string) ([]account.Schedule, error) {
	return t.schedules(`username = $1`, username)
}

func (t *txn) schedules(where string, args ...any) ([]account.Schedule, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT `+scheduleColumns+` FROM account_schedule WHERE `+where+` ORDER BY on_date, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []account.Schedule
	for rows.Next() {
		s, err := scanSchedule(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// PendingSchedules returns every change still waiting for its date by
// asOf (YYYY-MM-DD), or all of them when asOf is "".
func (t *txn) PendingSchedules(asOf string) ([]account.Schedule, error) {
	if asOf == "" {
		return t.schedules(`state = 'scheduled'`)
	}
	return t.schedules(`state = 'scheduled' AND on_date <= $1`, asOf)
}

// schedule records s, replacing a change of the same kind still
// scheduled for the account (HR moved the date): the earlier one is
// cancelled and returned.
func (t *txn) schedule(s *account.Schedule) (*account.Schedule, error) {
	var replaced *account.Schedule
	old, err := t.schedules(`username = $1 AND kind = $2 AND state = 'scheduled'`, s.Username, string(s.Kind))
	if err != nil {
		return nil, err
	}
	if len(old) > 0 {
		replaced = &old[0]
		if _, err := t.tx.ExecContext(t.ctx, `UPDATE account_schedule SET state = 'cancelled', done_at = $2, outcome = $3 WHERE id = $1`,
			replaced.ID, formatTime(t.now), "replaced by a later notice"); err != nil {
			return nil, err
		}
	}
	id, err := t.nextID("account_schedule")
	if err != nil {
		return nil, err
	}
	s.ID, s.ScheduledBy, s.ScheduledAt, s.State = id, t.op.Name, t.now, account.Scheduled
	_, err = t.tx.ExecContext(t.ctx, `INSERT INTO account_schedule (id, username, kind, on_date, then_action, department, position, keep,
		request_id, reason, scheduled_by, scheduled_at, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		s.ID, s.Username, string(s.Kind), s.On, s.Then, s.Department, s.Position, strings.Join(s.Keep, ","), s.RequestID, s.Reason,
		s.ScheduledBy, formatTime(s.ScheduledAt), string(s.State))
	t.Touch("account:" + s.Username)
	return replaced, err
}

// ScheduleLeave records HR's notice that an account's holder leaves on a
// date (account.PlanLeave); account expire carries it out then. A second
// notice for the same account replaces the first, which is returned.
func (t *txn) ScheduleLeave(username, on, then, reason string) (*account.Schedule, *account.Schedule, error) {
	a, err := t.SeeAccount(username)
	if err != nil {
		return nil, nil, err
	}
	s, err := account.PlanLeave(*a, on, then, reason, t.now.Format(account.DateFormat))
	if err != nil {
		return nil, nil, err
	}
	replaced, err := t.schedule(&s)
	return &s, replaced, err
}

// RequestClearance records a request to change an account's clearance;
// the department's manager and IT approve it.
func (t *txn) RequestClearance(username, clearance, reason string) (*request.Request, error) {
	a, err := t.SeeAccount(username)
	if err != nil {
		return nil, err
	}
	level := account.Level(strings.ToLower(strings.TrimSpace(clearance)))
	if level.Rank() < 0 {
		return nil, errs.Invalidf("invalid clearance %q: use public, internal, confidential or restricted", clearance).WithField("clearance")
	}
	if a.State.Final() {
		return nil, errs.Conflictf("%s is %s; a final account is not changed", a.Username, a.State)
	}
	if a.Clearance == level {
		return nil, errs.Conflictf("%s already has clearance %s", a.Username, level)
	}
	c := request.ClearanceChange{Username: a.Username, Clearance: string(level), Was: string(a.Clearance), Reason: reason}
	return t.newRequest(request.KindClearance, c.Payload(), reason, request.AccountStages)
}

// RequestTransfer records a request to move an account to another
// department (account.PlanTransfer); a manager of the new department and
// IT approve it. Under account.transfer_grants=revoke the grants to keep
// are checked now, so a typo is found before anyone approves.
func (t *txn) RequestTransfer(username, department, position, on string, keep []string, reason string) (*request.Request, error) {
	a, err := t.SeeAccount(username)
	if err != nil {
		return nil, err
	}
	s, err := account.PlanTransfer(*a, department, position, on, reason, t.now.Format(account.DateFormat))
	if err != nil {
		return nil, err
	}
	rule, err := t.PolicyValue(access.KeyTransferGrants)
	if err != nil {
		return nil, err
	}
	held, err := t.activeGrants(a.Username)
	if err != nil {
		return nil, err
	}
	if _, err := access.PlanTransferGrants(held, rule, keep); err != nil {
		return nil, err
	}
	if id, err := t.pendingTransfer(a.Username); err != nil || id != "" {
		if err == nil {
			err = errs.Conflictf("a transfer of %s is already asked for: %s", a.Username, id).
				WithHint("approve, reject or withdraw it first (custos request show %s)", id)
		}
		return nil, err
	}
	c := request.TransferChange{Username: a.Username, From: a.Department, Department: s.Department, Position: s.Position,
		On: s.On, Keep: keep, Reason: s.Reason}
	return t.newRequest(request.KindTransfer, c.Payload(), s.Reason, request.AccountStages)
}

// accountEligibility is eligibility for the kinds of this file.
func (t *txn) accountEligibility(q *request.Request) (func(stage string) error, error) {
	switch q.Kind {
	case request.KindClearance:
		var c request.ClearanceChange
		if err := unmarshalPayload(q, &c); err != nil {
			return nil, err
		}
		a, err := t.GetAccount(c.Username)
		if err != nil {
			return nil, err
		}
		return request.AccountEligible(t.op, a.Department), nil
	case request.KindTransfer:
		var c request.TransferChange
		if err := unmarshalPayload(q, &c); err != nil {
			return nil, err
		}
		t.Touch("account:" + c.Username)
		return request.AccountEligible(t.op, c.Department), nil
	case request.KindClassification:
		var c request.ClassificationChange
		if err := unmarshalPayload(q, &c); err != nil {
			return nil, err
		}
		r, err := t.GetResource(c.Resource)
		if err != nil {
			return nil, err
		}
		return request.ClassificationEligible(t.op, r.Owner), nil
	}
	return nil, errs.New(errs.Internal, "unknown kind of request %q", q.Kind)
}

func unmarshalPayload(q *request.Request, v any) error {
	if err := json.Unmarshal([]byte(q.Payload), v); err != nil {
		return errs.Integrityf("the change of %s cannot be read: %v", q.ID, err)
	}
	return nil
}

// applyAccountRequest makes the change of an approved request of this
// file's kinds, every rule checked again now, and says what it did.
func (t *txn) applyAccountRequest(q *request.Request) (string, error) {
	switch q.Kind {
	case request.KindClearance:
		var c request.ClearanceChange
		if err := unmarshalPayload(q, &c); err != nil {
			return "", err
		}
		a, err := t.GetAccount(c.Username)
		if err != nil {
			return "", err
		}
		if a.State.Final() {
			return "", errs.Conflictf("%s is %s; a final account is not changed", a.Username, a.State)
		}
		ch := []account.Change{{Field: "clearance", Before: string(a.Clearance), After: c.Clearance}}
		a.Clearance, a.UpdatedAt = account.Level(c.Clearance), t.now
		if err := t.saveDetails(a); err != nil {
			return "", err
		}
		if err := t.recordChanges("account:"+a.Username, c.Reason, q.ID, ch); err != nil {
			return "", err
		}
		return "clearance of " + a.Username + " is " + c.Clearance, nil
	case request.KindTransfer:
		var c request.TransferChange
		if err := unmarshalPayload(q, &c); err != nil {
			return "", err
		}
		a, err := t.GetAccount(c.Username)
		if err != nil {
			return "", err
		}
		today := t.now.Format(account.DateFormat)
		s, err := account.PlanTransfer(*a, c.Department, c.Position, max(c.On, today), c.Reason, today)
		if err != nil {
			return "", err
		}
		s.Keep, s.RequestID = c.Keep, q.ID
		if s.On > today {
			if _, err := t.schedule(&s); err != nil {
				return "", err
			}
			return "scheduled for " + s.On, nil
		}
		return t.carryOutTransfer(a, s)
	case request.KindClassification:
		var c request.ClassificationChange
		if err := unmarshalPayload(q, &c); err != nil {
			return "", err
		}
		r, err := t.GetResource(c.Resource)
		if err != nil {
			return "", err
		}
		if string(r.Classification) != c.Was {
			return "", errs.Conflictf("%s is now %s, not %s as when asked", r.Name, r.Classification, c.Was)
		}
		if err := t.setResource(r.Name, "classification", c.Classification); err != nil {
			return "", err
		}
		ch := []account.Change{{Field: "classification", Before: c.Was, After: c.Classification}}
		if err := t.recordChanges("resource:"+r.Name, c.Reason, q.ID, ch); err != nil {
			return "", err
		}
		return r.Name + " is " + c.Classification, nil
	}
	return "", errs.New(errs.Internal, "unknown kind of request %q", q.Kind)
}

// carryOutTransfer moves a as s says and handles its grants by policy
// account.transfer_grants (access.PlanTransferGrants); it returns what it
// did, in words.
func (t *txn) carryOutTransfer(a *account.Account, s account.Schedule) (string, error) {
	next, changes, err := account.Transfer(*a, s, t.now)
	if err != nil {
		return "", err
	}
	rule, err := t.PolicyValue(access.KeyTransferGrants)
	if err != nil {
		return "", err
	}
	held, err := t.activeGrants(a.Username)
	if err != nil {
		return "", err
	}
	plan, err := access.PlanTransferGrants(held, rule, s.Keep)
	if err != nil {
		return "", err
	}
	if err := t.saveDetails(&next); err != nil {
		return "", err
	}
	if err := t.recordChanges("account:"+a.Username, s.Reason, s.RequestID, changes); err != nil {
		return "", err
	}
	*a = next
	out := fmt.Sprintf("moved to %s as %s", next.Department, next.Position)
	for _, g := range plan.Revoke {
		if _, err := t.RevokeGrants(a.Username, g.Resource, g.Role, "transferred to "+next.Department+": "+s.Reason); err != nil {
			return "", err
		}
	}
	switch {
	case len(plan.Revoke) > 0:
		out += fmt.Sprintf("; %d grant(s) revoked, %d kept", len(plan.Revoke), len(plan.Keep))
	case len(plan.Review) > 0:
		name, err := t.transferReview(&next, plan.Review)
		if err != nil {
			return "", err
		}
		out += fmt.Sprintf("; %d grant(s) to review in %s", len(plan.Review), name)
	case len(plan.Keep) > 0:
		out += fmt.Sprintf("; %d grant(s) kept", len(plan.Keep))
	}
	return out, nil
}

// departmentManager is the manager a department's items go to: the first
// by name among its managers, or "".
func (t *txn) departmentManager(department string) (string, error) {
	var m sql.NullString
	err := t.tx.QueryRowContext(t.ctx, `SELECT min(name) FROM operators WHERE removed_at = '' AND department = $1
		AND (',' || roles || ',') LIKE '%,manager,%'`, department).Scan(&m)
	return m.String, err
}

// transferReview opens the automatic review campaign of a mover's grants,
// every item for a manager of the new department (access.TransferReviewer),
// due in review.due_days.
func (t *txn) transferReview(a *account.Account, grants []*access.Grant) (string, error) {
	manager, err := t.departmentManager(a.Department)
	if err != nil {
		return "", err
	}
	reviewer := access.TransferReviewer(manager)
	days, err := t.PolicyValue(access.KeyReviewDueDays)
	if err != nil {
		return "", err
	}
	d, _ := strconv.Atoi(days)
	today := t.now.Format(account.DateFormat)
	name := "transfer-" + a.Username + "-" + today
	for i := 2; ; i++ {
		var n int
		if err := t.tx.QueryRowContext(t.ctx, `SELECT count(*) FROM reviews WHERE name = $1`, name).Scan(&n); err != nil {
			return "", err
		}
		if n == 0 {
			break
		}
		name = fmt.Sprintf("transfer-%s-%s-%d", a.Username, today, i)
	}
	id, err := t.nextID("reviews")
	if err != nil {
		return "", err
	}
	var base int64
	if err := t.tx.QueryRowContext(t.ctx, `SELECT coalesce(max(id), 0) FROM review_items`).Scan(&base); err != nil {
		return "", err
	}
	due := t.now.AddDate(0, 0, d).Format(account.DateFormat)
	if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO reviews (id, name, state, due, scope_department, started_at, started_by, base, items)
		VALUES ($1, $2, 'open', $3, $4, $5, $6, $7, $8)`, id, name, due, a.Department, formatTime(t.now), t.op.Name, base, len(grants)); err != nil {
		return "", err
	}
	pairs, err := t.sodPairs()
	if err != nil {
		return "", err
	}
	held, err := t.activeGrants(a.Username)
	if err != nil {
		return "", err
	}
	keys := make([]string, len(held))
	for i, g := range held {
		keys[i] = g.Key()
	}
	for i, g := range grants {
		r, err := t.lookupResource(g.Resource)
		if err != nil {
			return "", err
		}
		flags := access.ReviewFlags(*g, a, r, keys, pairs, today)
		if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO review_items (id, review_id, grant_id, username, name, department, resource, role,
			classification, until, granted_at, reviewer, flags) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			base+int64(i)+1, id, g.ID, g.Username, a.Name, a.Department, g.Resource, g.Role, string(r.Classification), g.Until,
			formatTime(g.GrantedAt), reviewer, strings.Join(flags, ",")); err != nil {
			return "", err
		}
	}
	t.Touch("review:" + name)
	return name, nil
}

// ScheduleResult is what account expire did, or would do, with one
// scheduled change.
type ScheduleResult struct {
	Schedule account.Schedule
	Account  *account.Account
	// Outcome says what was (or would be) done.
	Outcome string
}

// CarryOutSchedules carries out every leaver and transfer whose date has
// come by asOf (YYYY-MM-DD); with dryRun it only lists them. A change that
// can no longer be made (the account was revoked meanwhile) is marked
// done with the reason as its outcome, so it is not tried every night.
func (t *txn) CarryOutSchedules(asOf string, dryRun bool) ([]ScheduleResult, error) {
	due, err := t.PendingSchedules(asOf)
	if err != nil {
		return nil, err
	}
	due = account.DueSchedules(due, asOf)
	var out []ScheduleResult
	for _, s := range due {
		a, err := t.GetAccount(s.Username)
		if err != nil {
			return nil, err
		}
		res := ScheduleResult{Schedule: s, Account: a}
		switch {
		case dryRun && s.Kind == account.ScheduleLeave:
			res.Outcome = "would " + s.Then
		case dryRun:
			res.Outcome = "would move to " + s.Department
		case s.Kind == account.ScheduleLeave:
			res.Outcome, err = t.carryOutLeave(a, s)
		default:
			res.Outcome, err = t.carryOutTransfer(a, s)
		}
		if err != nil {
			if c := errs.CodeOf(err); c == errs.Internal || c == errs.Busy {
				return nil, err
			}
			res.Outcome = "not done: " + err.Error()
		}
		if !dryRun {
			if _, err := t.tx.ExecContext(t.ctx, `UPDATE account_schedule SET state = 'done', done_at = $2, outcome = $3 WHERE id = $1`,
				s.ID, formatTime(t.now), res.Outcome); err != nil {
				return nil, err
			}
			t.Touch("account:" + s.Username)
		}
		out = append(out, res)
	}
	return out, nil
}

// carryOutLeave freezes or revokes a leaver's account (account.Leave).
func (t *txn) carryOutLeave(a *account.Account, s account.Schedule) (string, error) {
	next, changed, err := account.Leave(*a, s, t.now)
	if err != nil {
		return "", err
	}
	if !changed {
		return "already " + string(a.State), nil
	}
	if next.State == account.Revoked {
		if _, _, err := t.RevokeAccount(a.Username, next.StateReason); err != nil {
			return "", err
		}
		*a = next
		return "revoked", nil
	}
	if err := t.saveLifecycle(a, next); err != nil {
		return "", err
	}
	return string(next.State), nil
}

// lookupResource returns a resource, removed or not, without touching it.
func (t *txn) lookupResource(name string) (*access.Resource, error) {
	r, err := scanResource(t.tx.QueryRowContext(t.ctx, `SELECT `+resourceColumns+` FROM resources WHERE name = $1`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFoundf("no resource named %s", name)
	}
	return r, err
}

// dueSchedules adds the scheduled leavers and transfers to custos due:
// each is due on its date, when account expire carries it out.
func (t *txn) dueSchedules(add func(kind, id, what string, when time.Time, command string)) error {
	pending, err := t.PendingSchedules("")
	if err != nil {
		return err
	}
	for _, s := range pending {
		on, err := time.Parse(account.DateFormat, s.On)
		if err != nil {
			continue
		}
		what := "leaves on " + s.On + " (" + s.Then + ")"
		if s.Kind == account.ScheduleTransfer {
			what = "moves to " + s.Department + " on " + s.On
		}
		add(string(s.Kind), s.Username, what, on, "custos account expire")
	}
	return nil
}

// LivePeople returns every account that is not revoked or rejected, in
// username order, with only what a reconciliation compares.
func (t *txn) LivePeople() ([]account.Person, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT username, employee_id, name, department, position, state FROM accounts WHERE state NOT IN ('revoked', 'rejected') ORDER BY username`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []account.Person
	for rows.Next() {
		var p account.Person
		var state string
		if err := rows.Scan(&p.Username, &p.EmployeeID, &p.Name, &p.Department, &p.Position, &state); err != nil {
			return nil, err
		}
		p.State = account.State(state)
		out = append(out, p)
	}
	return out, rows.Err()
}

// ApplyHR acts on the leavers and movers of an HR reconciliation in this
// one transaction: a leaver is scheduled to leave on HR's date (today when
// it has passed or is missing), unless that notice is already recorded;
// a mover's transfer is requested. Each finding's action, or why it was
// not taken, is returned in order; only an internal error stops the rest.
func (t *txn) ApplyHR(findings []account.Finding, reason string) ([]string, error) {
	today := t.now.Format(account.DateFormat)
	out := make([]string, len(findings))
	for i, f := range findings {
		var err error
		switch f.Kind {
		case account.FindLeaver:
			on := f.Row.LeaveDate
			if on == "" || on < today {
				on = today
			}
			var pending []account.Schedule
			if pending, err = t.schedules(`username = $1 AND kind = 'leave' AND state = 'scheduled'`, f.Username); err == nil {
				if len(pending) > 0 && pending[0].On == on {
					out[i] = "already scheduled for " + on
					continue
				}
				if _, _, err = t.ScheduleLeave(f.Username, on, account.ThenFreeze, reason); err == nil {
					out[i] = "leaves on " + on
				}
			}
		case account.FindMover:
			var q *request.Request
			if q, err = t.RequestTransfer(f.Username, f.Row.Department, f.Row.Position, "", nil, reason); err == nil {
				out[i] = "requested " + q.ID
			}
		default:
			continue
		}
		if err != nil {
			if c := errs.CodeOf(err); c == errs.Internal || c == errs.Busy {
				return nil, err
			}
			out[i] = "not done: " + err.Error()
		}
	}
	return out, nil
}

// pendingTransfer is the id of a pending transfer request of username,
// or "": one move at a time, so a second never races the first.
func (t *txn) pendingTransfer(username string) (string, error) {
	// The canonical payload starts with the username, so LIKE narrows the
	// pending transfers to this account's ('_' in a username may match
	// more; the payload is read to be sure).
	prefix := request.TransferChange{Username: username}.Payload()
	prefix = prefix[:strings.Index(prefix, `","`)+3] + "%"
	rows, err := t.tx.QueryContext(t.ctx, `SELECT id, payload FROM requests WHERE kind = $1 AND state = 'pending' AND expires_at >= $2 AND payload LIKE $3`,
		request.KindTransfer, formatTime(t.now), prefix)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	for rows.Next() {
		var id, payload string
		if err := rows.Scan(&id, &payload); err != nil {
			return "", err
		}
		var c request.TransferChange
		if json.Unmarshal([]byte(payload), &c) == nil && c.Username == username {
			return id, nil
		}
	}
	return "", rows.Err()
}

// DirAccounts returns every account, final ones included, with what a
// directory reconciliation compares: a directory user enabled for a
// revoked account is the drift it exists to find.
func (t *txn) DirAccounts() ([]account.DirAccount, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT username, state, must_change_password, updated_at FROM accounts ORDER BY username`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []account.DirAccount
	for rows.Next() {
		var a account.DirAccount
		var state, updated string
		if err := rows.Scan(&a.Username, &state, &a.MustChangePassword, &updated); err != nil {
			return nil, err
		}
		a.State, a.UpdatedAt = account.State(state), parseTime(updated)
		out = append(out, a)
	}
	return out, rows.Err()
}

// ApplyDirectory records what a directory reconciliation found: the
// accounts whose password the directory shows changed no longer must
// change it (recorded with before and after); the accounts without a
// login for account.inactive_days are marked inactive since today, for
// the next review, and the active accounts the directory shows logging
// in again are unmarked. It returns what it did per drift, in order.
func (t *txn) ApplyDirectory(drifts []account.Drift, dir []account.DirUser, source string) ([]string, error) {
	today := t.now.Format(account.DateFormat)
	out := make([]string, len(drifts))
	inactive := map[string]bool{}
	for i, d := range drifts {
		switch d.Kind {
		case account.DriftPassword:
			if _, err := t.tx.ExecContext(t.ctx, `UPDATE accounts SET must_change_password = 0 WHERE username = $1`, d.Username); err != nil {
				return nil, err
			}
			if err := t.recordChanges("account:"+d.Username, "directory "+source+": "+d.Directory, "",
				[]account.Change{{Field: "must_change_password", Before: "true", After: "false"}}); err != nil {
				return nil, err
			}
			out[i] = "cleared must_change_password"
		case account.DriftInactive:
			inactive[d.Username] = true
			res, err := t.tx.ExecContext(t.ctx, `UPDATE accounts SET inactive_since = $2 WHERE username = $1 AND inactive_since = ''`, d.Username, today)
			if err != nil {
				return nil, err
			}
			if n, _ := res.RowsAffected(); n > 0 {
				if err := t.recordChanges("account:"+d.Username, "directory "+source+": "+d.Directory, "",
					[]account.Change{{Field: "inactive_since", Before: "", After: today}}); err != nil {
					return nil, err
				}
			}
			out[i] = "flagged inactive-account for the next review"
		}
	}
	for _, u := range dir {
		if inactive[u.Username] || u.LastLogin.IsZero() {
			continue
		}
		res, err := t.tx.ExecContext(t.ctx, `UPDATE accounts SET inactive_since = '' WHERE username = $1 AND inactive_since != ''`, u.Username)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			if err := t.recordChanges("account:"+u.Username, "directory "+source+": last login "+u.LastLogin.Format(time.RFC3339), "",
				[]account.Change{{Field: "inactive_since", Before: "set", After: ""}}); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}
