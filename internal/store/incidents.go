package store

import (
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/incident"
)

// checkNoOpenIncident refuses re-activating an account named by an open
// incident: it stays frozen until the incident is closed (with --restore,
// or before re-activating it by hand).
func (t *txn) checkNoOpenIncident(username string) error {
	ids, err := t.openIncidentsNaming(username, "")
	if err != nil || len(ids) == 0 {
		return err
	}
	return errs.Conflictf("%s is named by open incident %s; close the incident first", username, strings.Join(ids, ", ")).
		WithHint("custos incident close %s --root-cause ... --resolution ... --restore", ids[0])
}

const incidentColumns = `id, type, severity, summary, state, detected_at, opened_at, opened_by, deadline,
	assignee, no_freeze, root_cause, resolution, lessons, closed_at, closed_by`

func scanIncident(r rowScanner) (*incident.Incident, error) {
	var inc incident.Incident
	var state, detected, opened, deadline, closed string
	err := r.Scan(&inc.ID, &inc.Type, &inc.Severity, &inc.Summary, &state, &detected, &opened, &inc.OpenedBy,
		&deadline, &inc.Assignee, &inc.NoFreeze, &inc.RootCause, &inc.Resolution, &inc.Lessons, &closed, &inc.ClosedBy)
	if err != nil {
		return nil, err
	}
	inc.State = incident.State(state)
	inc.DetectedAt, inc.OpenedAt, inc.Deadline, inc.ClosedAt = parseTime(detected), parseTime(opened), parseTime(deadline), parseTime(closed)
	return &inc, nil
}

// IncidentPolicy reads the incident policy keys.
func (t *txn) IncidentPolicy() (incident.Policy, error) {
	var vals [3]string
	for i, k := range []string{incident.KeyReportHours, incident.KeyAutoFreeze, incident.KeyDisclosure} {
		v, err := t.PolicyValue(k)
		if err != nil {
			return incident.Policy{}, err
		}
		vals[i] = v
	}
	return incident.ParsePolicy(vals[0], vals[1], vals[2])
}

// NamedAccount is an account an incident names.
type NamedAccount struct {
	Username string
	// Frozen is true when this incident froze the account.
	Frozen     bool
	RestoredAt time.Time
}

// OpenIncident records a new incident, names its accounts and freezes
// those incident.OpenPlan says to, in the same transaction. IDs are
// INC-YEAR-NNNN, numbered per year under the write lock, so concurrent
// opens never collide.
func (t *txn) OpenIncident(inc *incident.Incident, usernames []string) ([]NamedAccount, error) {
	pol, err := t.IncidentPolicy()
	if err != nil {
		return nil, err
	}
	accounts := make([]*account.Account, 0, len(usernames))
	for _, u := range usernames {
		a, err := t.GetAccount(u)
		if err != nil {
			return nil, err
		}
		accounts = append(accounts, a)
	}
	plan, err := incident.OpenPlan(*inc, pol, accounts, t.now)
	if err != nil {
		return nil, err
	}
	year := t.now.Year()
	seq, err := t.nextNumber("incidents", "seq", "year = $1", year)
	if err != nil {
		return nil, err
	}
	inc.ID, inc.State, inc.OpenedAt, inc.OpenedBy = incident.FormatID(year, int(seq)), incident.Open, t.now, t.op.Name
	inc.Deadline = plan.Deadline
	t.Touch("incident:" + inc.ID)
	_, err = t.tx.ExecContext(t.ctx, `INSERT INTO incidents (id, year, seq, type, severity, summary, state, detected_at, opened_at,
		opened_by, deadline, no_freeze) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		inc.ID, year, seq, inc.Type, inc.Severity, inc.Summary, string(inc.State), formatTime(inc.DetectedAt),
		formatTime(inc.OpenedAt), inc.OpenedBy, formatTime(inc.Deadline), flag(inc.NoFreeze))
	if err != nil {
		return nil, err
	}
	if err := t.incidentEvent(inc.ID, "opened", inc.Type+", "+inc.Severity+": "+inc.Summary); err != nil {
		return nil, err
	}
	if plan.FreezeWaived {
		if err := t.incidentEvent(inc.ID, "no-freeze", "the opener chose not to freeze the named accounts"); err != nil {
			return nil, err
		}
	}
	var named []NamedAccount
	for _, a := range accounts {
		froze := slices.Contains(plan.Freeze, a.Username)
		if froze {
			next, _, err := account.Freeze(*a, "incident "+inc.ID+": "+inc.Summary, inc.ID, t.now)
			if err != nil {
				return nil, err
			}
			if err := t.saveLifecycle(a, next); err != nil {
				return nil, err
			}
			if err := t.incidentEvent(inc.ID, "frozen", a.Username); err != nil {
				return nil, err
			}
		}
		if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO incident_accounts (incident_id, username, frozen) VALUES ($1, $2, $3)`,
			inc.ID, a.Username, flag(froze)); err != nil {
			return nil, err
		}
		named = append(named, NamedAccount{Username: a.Username, Frozen: froze})
	}
	return named, nil
}

func (t *txn) incidentEvent(id, kind, detail string) error {
	seq, err := t.nextNumber("incident_events", "seq", "incident_id = $1", id)
	if err != nil {
		return err
	}
	_, err = t.tx.ExecContext(t.ctx, `INSERT INTO incident_events (incident_id, seq, at, operator, kind, detail) VALUES ($1, $2, $3, $4, $5, $6)`,
		id, seq, formatTime(t.now), t.op.Name, kind, detail)
	return err
}

// GetIncident returns an incident, or NotFound.
func (t *txn) GetIncident(id string) (*incident.Incident, error) {
	t.Touch("incident:" + id)
	inc, err := scanIncident(t.tx.QueryRowContext(t.ctx, `SELECT `+incidentColumns+` FROM incidents WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFoundf("no incident %s", id).WithHint("run `custos incident list` for the incidents")
	}
	return inc, err
}

// openIncident returns an incident that the action may change.
func (t *txn) openIncident(id string, action incident.Action) (*incident.Incident, error) {
	inc, err := t.GetIncident(id)
	if err != nil {
		return nil, err
	}
	if _, err := incident.Transition(inc.State, action); err != nil {
		return nil, errs.Conflictf("%s: %v", id, err)
	}
	return inc, nil
}

// NoteIncident adds a note to the timeline.
func (t *txn) NoteIncident(id, text string) error {
	if _, err := t.openIncident(id, incident.Note); err != nil {
		return err
	}
	return t.incidentEvent(id, "note", text)
}

// AssignIncident assigns the incident to a registered operator.
func (t *txn) AssignIncident(id, assignee string) error {
	if _, err := t.openIncident(id, incident.Assign); err != nil {
		return err
	}
	if _, err := t.GetOperator(assignee); err != nil {
		return err
	}
	if _, err := t.tx.ExecContext(t.ctx, `UPDATE incidents SET assignee = $2 WHERE id = $1`, id, assignee); err != nil {
		return err
	}
	return t.incidentEvent(id, "assigned", assignee)
}

// NotifyIncident records that a party was notified; recording the same
// notification again changes nothing.
func (t *txn) NotifyIncident(id, party, ref string) (bool, error) {
	if _, err := t.openIncident(id, incident.Notify); err != nil {
		return false, err
	}
	res, err := t.tx.ExecContext(t.ctx, `INSERT INTO incident_notifications (incident_id, party, ref, at, operator)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, id, party, ref, formatTime(t.now), t.op.Name)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	return true, t.incidentEvent(id, "notified", party+": "+ref)
}

// UpdateIncident changes the severity or summary.
func (t *txn) UpdateIncident(id, severity, summary string) (*incident.Incident, error) {
	inc, err := t.openIncident(id, incident.Update)
	if err != nil {
		return nil, err
	}
	var changes []string
	if severity != "" && severity != inc.Severity {
		changes = append(changes, "severity "+inc.Severity+" → "+severity)
		inc.Severity = severity
	}
	if summary != "" && summary != inc.Summary {
		changes = append(changes, "summary: "+summary)
		inc.Summary = summary
	}
	if len(changes) == 0 {
		return inc, nil
	}
	if _, err := t.tx.ExecContext(t.ctx, `UPDATE incidents SET severity = $2, summary = $3 WHERE id = $1`, id, inc.Severity, inc.Summary); err != nil {
		return nil, err
	}
	return inc, t.incidentEvent(id, "updated", strings.Join(changes, "; "))
}

// Notifications returns an incident's notifications.
func (t *txn) Notifications(id string) ([]incident.Notification, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT party, ref, at, operator FROM incident_notifications WHERE incident_id = $1 ORDER BY at, party`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []incident.Notification
	for rows.Next() {
		var n incident.Notification
		var at string
		if err := rows.Scan(&n.Party, &n.Ref, &at, &n.Operator); err != nil {
			return nil, err
		}
		n.At = parseTime(at)
		out = append(out, n)
	}
	return out, rows.Err()
}

// IncidentAccounts returns the accounts an incident names.
func (t *txn) IncidentAccounts(id string) ([]NamedAccount, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT username, frozen, restored_at FROM incident_accounts WHERE incident_id = $1 ORDER BY username`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []NamedAccount
	for rows.Next() {
		var n NamedAccount
		var restored string
		if err := rows.Scan(&n.Username, &n.Frozen, &restored); err != nil {
			return nil, err
		}
		n.RestoredAt = parseTime(restored)
		out = append(out, n)
	}
	return out, rows.Err()
}

// openIncidentsNaming lists the open incidents naming an account, except one.
func (t *txn) openIncidentsNaming(username, except string) ([]string, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT i.id FROM incident_accounts a JOIN incidents i ON i.id = a.incident_id
		WHERE a.username = $1 AND i.state = 'open' AND i.id != $2 ORDER BY i.id`, username, except)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// Restore is what closing with --restore did for one account.
type Restore struct {
	Username string
	// Restored is true when the account is active again; Why says why not.
	Restored bool
	Why      string
}

// CloseIncident closes an incident with its root cause and resolution.
// With restore, every account this incident froze and that is still frozen
// is re-activated (the caller prints the new passwords), unless another
// open incident still names it.
func (t *txn) CloseIncident(id, rootCause, resolution, lessons string, restore bool) (*incident.Incident, []Restore, error) {
	inc, err := t.GetIncident(id)
	if err != nil {
		return nil, nil, err
	}
	pol, err := t.IncidentPolicy()
	if err != nil {
		return nil, nil, err
	}
	ns, err := t.Notifications(id)
	if err != nil {
		return nil, nil, err
	}
	if err := pol.CheckClose(inc, ns, rootCause, resolution); err != nil {
		if errs.CodeOf(err) == errs.Conflict && inc.State == incident.Closed {
			return nil, nil, errs.Conflictf("%s is already closed", id)
		}
		return nil, nil, err
	}
	inc.State, inc.RootCause, inc.Resolution, inc.Lessons, inc.ClosedAt, inc.ClosedBy = incident.Closed, rootCause, resolution, lessons, t.now, t.op.Name
	if _, err := t.tx.ExecContext(t.ctx, `UPDATE incidents SET state = 'closed', root_cause = $2, resolution = $3, lessons = $4,
		closed_at = $5, closed_by = $6 WHERE id = $1`, id, rootCause, resolution, lessons, formatTime(t.now), t.op.Name); err != nil {
		return nil, nil, err
	}
	if err := t.incidentEvent(id, "closed", "root cause: "+rootCause+"; resolution: "+resolution); err != nil {
		return nil, nil, err
	}
	if !restore {
		return inc, nil, nil
	}
	named, err := t.IncidentAccounts(id)
	if err != nil {
		return nil, nil, err
	}
	var out []Restore
	for _, n := range named {
		if !n.Frozen {
			continue
		}
		r := Restore{Username: n.Username}
		a, err := t.GetAccount(n.Username)
		if err != nil {
			return nil, nil, err
		}
		others, err := t.openIncidentsNaming(n.Username, id)
		if err != nil {
			return nil, nil, err
		}
		switch {
		case a.State != account.Frozen:
			r.Why = "it is " + string(a.State) + " now"
		case len(others) > 0:
			r.Why = "open incident " + strings.Join(others, ", ") + " still names it"
		default:
			next, err := account.Restore(*a, id, t.now)
			if err != nil {
				return nil, nil, err
			}
			if err := t.saveLifecycle(a, next); err != nil {
				return nil, nil, err
			}
			if _, err := t.tx.ExecContext(t.ctx, `UPDATE incident_accounts SET restored_at = $3 WHERE incident_id = $1 AND username = $2`,
				id, n.Username, formatTime(t.now)); err != nil {
				return nil, nil, err
			}
			r.Restored = true
			if err := t.incidentEvent(id, "restored", n.Username); err != nil {
				return nil, nil, err
			}
		}
		out = append(out, r)
	}
	return inc, out, nil
}

// IncidentEvent is one event on an incident's timeline.
type IncidentEvent struct {
	At       time.Time
	Operator string
	Kind     string
	Detail   string
}

// IncidentEvents returns the timeline in time order.
func (t *txn) IncidentEvents(id string) ([]IncidentEvent, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT at, operator, kind, detail FROM incident_events WHERE incident_id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []IncidentEvent
	for rows.Next() {
		var e IncidentEvent
		var at string
		if err := rows.Scan(&at, &e.Operator, &e.Kind, &e.Detail); err != nil {
			return nil, err
		}
		e.At = parseTime(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// IncidentFilter selects incidents. Zero fields do not filter.
type IncidentFilter struct {
	Open bool
	// Overdue selects the open incidents past their reporting deadline
	// and not yet reported to every required party, as of the
	// transaction's time (incident.Policy.Overdue).
	Overdue  bool
	Type     string
	Severity string
	// Limit is the most incidents listed; 0 lists all.
	Limit int
}

// ListIncidents streams incidents in ID order with their notifications.
// Whether one is overdue is the policy's rule, decided in Go, so with a
// limit the statement reads a limit's worth at a time (LIMIT), and reads
// on past those the rule left out (OFFSET) until enough are listed.
func (t *txn) ListIncidents(f IncidentFilter, fn func(*incident.Incident, []incident.Notification) error) error {
	var pol incident.Policy
	if f.Overdue {
		var err error
		if pol, err = t.IncidentPolicy(); err != nil {
			return err
		}
	}
	listed, read := 0, 0
	for {
		batch := f.Limit - listed // with no limit, 0: every incident at once
		incs, err := t.incidents(f, batch, read)
		if err != nil {
			return err
		}
		read += len(incs)
		for _, inc := range incs {
			ns, err := t.Notifications(inc.ID)
			if err != nil {
				return err
			}
			if f.Overdue && !pol.Overdue(inc, ns, t.now) {
				continue
			}
			if err := fn(inc, ns); err != nil {
				return err
			}
			listed++
		}
		if f.Limit == 0 || listed == f.Limit || len(incs) < batch {
			return nil
		}
	}
}

// incidents reads the incidents f selects in ID order, the first offset
// left out and at most limit of them when f has a limit. They are read
// whole before their notifications: PostgreSQL runs one statement at a
// time on a connection.
func (t *txn) incidents(f IncidentFilter, limit, offset int) ([]*incident.Incident, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.Open || f.Overdue {
		where = append(where, "state = 'open'")
	}
	if f.Type != "" {
		where = append(where, "type = "+arg(f.Type))
	}
	if f.Severity != "" {
		where = append(where, "severity = "+arg(f.Severity))
	}
	q := `SELECT ` + incidentColumns + ` FROM incidents`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY year, seq"
	if f.Limit > 0 {
		q += " LIMIT " + arg(limit)
		if offset > 0 {
			q += " OFFSET " + arg(offset)
		}
	}
	rows, err := t.tx.QueryContext(t.ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var incs []*incident.Incident
	for rows.Next() {
		inc, err := scanIncident(rows)
		if err != nil {
			return nil, err
		}
		incs = append(incs, inc)
	}
	return incs, rows.Err()
}
