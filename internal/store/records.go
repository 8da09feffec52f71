package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/records"
	"github.com/custos-dev/custos/internal/when"
)

// SetRetention sets a class's retention period; the same value again
// changes nothing.
func (t *Tx) SetRetention(class string, d when.Duration, description string) (bool, error) {
	t.Touch("retention:" + class)
	var cur, curDesc string
	err := t.tx.QueryRowContext(t.ctx, `SELECT retain, description FROM retention WHERE class = $1`, class).Scan(&cur, &curDesc)
	if err == nil && cur == d.String() && curDesc == description {
		return false, nil
	} else if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, err
	}
	_, err = t.tx.ExecContext(t.ctx, `INSERT INTO retention (class, retain, description, set_at, set_by) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (class) DO UPDATE SET retain = excluded.retain, description = excluded.description, set_at = excluded.set_at, set_by = excluded.set_by`,
		class, d.String(), description, formatTime(t.now), t.op.Name)
	return true, err
}

// Schedules returns the retention schedules by class.
func (t *Tx) Schedules() (map[string]records.Schedule, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT class, retain, description, set_at, set_by FROM retention ORDER BY class`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]records.Schedule{}
	for rows.Next() {
		var s records.Schedule
		var retain, at string
		if err := rows.Scan(&s.Class, &retain, &s.Description, &at, &s.SetBy); err != nil {
			return nil, err
		}
		if s.Retain, err = when.ParseDuration(retain); err != nil {
			return nil, errs.Integrityf("retention of %s is unreadable: %v", s.Class, err)
		}
		s.SetAt = parseTime(at)
		out[s.Class] = s
	}
	return out, rows.Err()
}

const holdColumns = `name, reason, kind, value, from_at, to_at, created_at, created_by, released_at, released_by, release_reason`

// Holds returns the holds, active ones only unless all is set, with the
// record ids of record holds.
func (t *Tx) Holds(all bool) ([]records.Hold, error) {
	q := `SELECT ` + holdColumns + ` FROM holds`
	if !all {
		q += ` WHERE released_at = ''`
	}
	rows, err := t.tx.QueryContext(t.ctx, q+` ORDER BY name`)
	if err != nil {
		return nil, err
	}
	var out []records.Hold
	for rows.Next() {
		var h records.Hold
		var from, to, created, released string
		if err := rows.Scan(&h.Name, &h.Reason, &h.Kind, &h.Value, &from, &to, &created, &h.CreatedBy, &released, &h.ReleasedBy, &h.ReleaseReason); err != nil {
			rows.Close()
			return nil, err
		}
		h.From, h.To, h.CreatedAt, h.ReleasedAt = parseTime(from), parseTime(to), parseTime(created), parseTime(released)
		out = append(out, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Kind != records.HoldRecords {
			continue
		}
		ids, err := t.tx.QueryContext(t.ctx, `SELECT record_id FROM hold_records WHERE hold = $1 ORDER BY record_id`, out[i].Name)
		if err != nil {
			return nil, err
		}
		for ids.Next() {
			var id int64
			if err := ids.Scan(&id); err != nil {
				ids.Close()
				return nil, err
			}
			out[i].Records = append(out[i].Records, id)
		}
		ids.Close()
	}
	return out, nil
}

// AddHold places a legal hold. Record holds must name existing records.
func (t *Tx) AddHold(h *records.Hold) error {
	t.Touch("hold:" + h.Name)
	var exists string
	if err := t.tx.QueryRowContext(t.ctx, `SELECT name FROM holds WHERE name = $1`, h.Name).Scan(&exists); err == nil {
		return errs.Conflictf("a hold named %s already exists", h.Name)
	} else if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	for _, id := range h.Records {
		var n int
		if err := t.tx.QueryRowContext(t.ctx, `SELECT count(*) FROM records WHERE id = $1`, id).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return errs.NotFoundf("no record %d", id)
		}
	}
	from, to := "", ""
	if h.Kind == records.HoldRange {
		from, to = formatTime(h.From), formatTime(h.To)
	}
	h.CreatedAt, h.CreatedBy = t.now, t.op.Name
	if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO holds (name, reason, kind, value, from_at, to_at, created_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, h.Name, h.Reason, h.Kind, h.Value, from, to, formatTime(t.now), t.op.Name); err != nil {
		return err
	}
	for _, id := range h.Records {
		if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO hold_records (hold, record_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, h.Name, id); err != nil {
			return err
		}
	}
	return nil
}

// ReleaseHold releases a hold; releasing a released hold changes nothing.
func (t *Tx) ReleaseHold(name, reason string) (bool, error) {
	t.Touch("hold:" + name)
	var released string
	err := t.tx.QueryRowContext(t.ctx, `SELECT released_at FROM holds WHERE name = $1`, name).Scan(&released)
	if errors.Is(err, sql.ErrNoRows) {
		return false, errs.NotFoundf("no hold named %s", name)
	} else if err != nil || released != "" {
		return false, err
	}
	_, err = t.tx.ExecContext(t.ctx, `UPDATE holds SET released_at = $2, released_by = $3, release_reason = $4 WHERE name = $1`,
		name, formatTime(t.now), t.op.Name, reason)
	return true, err
}

const recordColumns = `id, class, created_at, subject, location, size, sha256, added_at, added_by`

func scanRecord(r rowScanner) (*records.Record, error) {
	var rec records.Record
	var created, added string
	if err := r.Scan(&rec.ID, &rec.Class, &created, &rec.Subject, &rec.Location, &rec.Size, &rec.SHA256, &added, &rec.AddedBy); err != nil {
		return nil, err
	}
	rec.CreatedAt, rec.AddedAt = parseTime(created), parseTime(added)
	return &rec, nil
}

// RecordInserter adds records to the catalogue inside one transaction,
// through one prepared statement, numbering them from the counter.
type RecordInserter struct {
	t    *Tx
	stmt *sql.Stmt
	next int64
	n    int64
	// addedAt is the invocation's time, formatted once.
	addedAt string
}

// BulkCache prepares the store's session for the rest of the command to
// touch many records (the dialect's bulk session).
func (s *Store) BulkCache(ctx context.Context) error { return s.d.bulk(ctx, s.db) }

// NewRecordInserter prepares the insert (in a bulk session).
func (t *Tx) NewRecordInserter() (*RecordInserter, error) {
	if err := t.store.d.bulk(t.ctx, t.tx); err != nil {
		return nil, err
	}
	var last int64
	if err := t.tx.QueryRowContext(t.ctx, `SELECT value FROM counters WHERE name = 'records'`).Scan(&last); err != nil {
		return nil, err
	}
	st, err := t.tx.PrepareContext(t.ctx, `INSERT INTO records (id, class, created_at, subject, location, size, sha256, added_at, added_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`)
	if err != nil {
		return nil, err
	}
	return &RecordInserter{t: t, stmt: st, next: last + 1, addedAt: formatTime(t.now)}, nil
}

// Add inserts a record and sets its ID; keepID inserts it under its own
// ID (restore), which must be free.
func (ri *RecordInserter) Add(r *records.Record, keepID bool) error {
	if !keepID {
		r.ID = ri.next
		ri.next++
	} else if err := ri.Assigned(r.ID); err != nil {
		return err
	}
	r.AddedAt, r.AddedBy = ri.t.now, ri.t.op.Name
	if _, err := ri.stmt.ExecContext(ri.t.ctx, r.ID, r.Class, formatTime(r.CreatedAt), r.Subject, r.Location, r.Size, r.SHA256,
		ri.addedAt, ri.t.op.Name); err != nil {
		return err
	}
	ri.n++
	return nil
}

// Assigned refuses an id this store never assigned: a restore puts back
// only records purged from this very store, so an id of 0, a negative one,
// or one past the counter comes from a damaged or crafted archive (and
// would break the numbering of every later record).
func (ri *RecordInserter) Assigned(id int64) error {
	if id <= 0 || id >= ri.next {
		return errs.Invalidf("record id %d was never assigned by this store; nothing was restored", id).
			WithHint("restore an archive into the store whose purge wrote it")
	}
	return nil
}

// Close saves the counter and releases the statement; it returns how many
// records were added.
func (ri *RecordInserter) Close() (int64, error) {
	defer ri.stmt.Close()
	_, err := ri.t.tx.ExecContext(ri.t.ctx, `UPDATE counters SET value = $1 WHERE name = 'records' AND value < $1`, ri.next-1)
	return ri.n, err
}

// RecordExists reports whether a record id is in the catalogue.
func (t *Tx) RecordExists(id int64) (bool, error) {
	var n int
	err := t.tx.QueryRowContext(t.ctx, `SELECT count(*) FROM records WHERE id = $1`, id).Scan(&n)
	return n > 0, err
}

// LocationRegistered reports whether a location is catalogued. Repeating
// the partial index's condition (a non-empty location) lets the planner use
// that index: without it, each file of an `import --dir` read the whole
// catalogue.
func (t *Tx) LocationRegistered(loc string) (bool, error) {
	var n int
	err := t.tx.QueryRowContext(t.ctx, `SELECT count(*) FROM records WHERE location = $1 AND location != ''`, loc).Scan(&n)
	return n > 0, err
}

// GetRecord returns a record, or NotFound.
func (t *Tx) GetRecord(id int64) (*records.Record, error) {
	t.Touch("record:" + strconv.FormatInt(id, 10))
	r, err := scanRecord(t.tx.QueryRowContext(t.ctx, `SELECT `+recordColumns+` FROM records WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFoundf("no record %d", id)
	}
	if err == nil {
		err = t.seeRecord(r)
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// notHeld is the SQL form of "no active hold covers record r", given the
// active holds read in the same transaction. It has a clause only for the
// kinds of hold that are active: each clause is evaluated for every
// record a purge or a listing reads, and the ones for record and range
// holds cost a lookup per record even when no such hold exists (about a
// second per million records, three times in a purge). A hold placed
// later is seen by the next transaction that reads the holds, which is
// every deletion batch.
func notHeld(holds []records.Hold) string {
	kinds := map[string]bool{}
	for _, h := range holds {
		if h.Active() {
			kinds[h.Kind] = true
		}
	}
	var clauses []string
	if kinds[records.HoldClass] {
		clauses = append(clauses, `r.class NOT IN (SELECT value FROM holds WHERE released_at = '' AND kind = 'class')`)
	}
	if kinds[records.HoldSubject] {
		clauses = append(clauses, `(r.subject = '' OR r.subject NOT IN (SELECT value FROM holds WHERE released_at = '' AND kind = 'subject'))`)
	}
	if kinds[records.HoldRecords] {
		clauses = append(clauses, `NOT EXISTS (SELECT 1 FROM hold_records hr JOIN holds h ON h.name = hr.hold WHERE hr.record_id = r.id AND h.released_at = '')`)
	}
	if kinds[records.HoldRange] {
		clauses = append(clauses, `NOT EXISTS (SELECT 1 FROM holds h WHERE h.released_at = '' AND h.kind = 'range' AND r.created_at >= h.from_at AND r.created_at < h.to_at)`)
	}
	if len(clauses) == 0 {
		return "(1 = 1)"
	}
	return "(" + strings.Join(clauses, " AND ") + ")"
}

// RecordFilter selects records.
type RecordFilter struct {
	Class string
	// Due selects records past retention and under no hold, as of AsOf.
	Due  bool
	AsOf time.Time
	// Held selects records under an active hold.
	Held bool
	// createdBefore bounds created_at (stored form) when not ""; a due
	// listing reads one class at a time below its retention window.
	createdBefore string
}

// query builds the listing; scope adds the operator's department scope on
// the subject column (Tx.subjectScopeSQL). A due listing is built for one
// scheduled class and its window (ListRecords), so that it reads only the
// records created before the window's end, through the (class,
// created_at) index.
func (f RecordFilter) query(holds []records.Hold, scope func(col string, arg func(any) string) string) (string, []any) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.Class != "" {
		where = append(where, "r.class = "+arg(f.Class))
	}
	if f.createdBefore != "" {
		where = append(where, "r.created_at < "+arg(f.createdBefore))
	}
	if s := scope("r.subject", arg); s != "" {
		where = append(where, s)
	}
	if f.Due {
		where = append(where, notHeld(holds))
	}
	if f.Held {
		where = append(where, "NOT "+notHeld(holds))
	}
	q := `SELECT ` + prefixed("r.", recordColumns) + ` FROM records r`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	return q + ` ORDER BY r.class, r.created_at, r.id`, args
}

// rules returns the retention schedules and the active holds, which
// records.Decide weighs each record against.
func (t *Tx) rules() (map[string]records.Schedule, []records.Hold, error) {
	schedules, err := t.Schedules()
	if err != nil {
		return nil, nil, err
	}
	holds, err := t.Holds(false)
	return schedules, holds, err
}

// ListRecords streams records by class and creation time. The due ones are
// decided by records.Decide, record by record; they are read class by
// class, each only up to the end of its retention window
// (records.Schedule.Window), as a purge selects them: a class with nothing
// due costs an index seek, not a read of the class.
func (t *Tx) ListRecords(f RecordFilter, fn func(*records.Record, records.Decision) error) error {
	schedules, holds, err := t.rules()
	if err != nil {
		return err
	}
	if !f.Due {
		return t.listRecords(f, schedules, holds, fn)
	}
	for _, c := range sortedClasses(schedules, f.Class) {
		_, hi := schedules[c].Window(f.AsOf)
		g := f
		g.Class, g.createdBefore = c, formatTime(hi)
		if err := t.listRecords(g, schedules, holds, fn); err != nil {
			return err
		}
	}
	return nil
}

func (t *Tx) listRecords(f RecordFilter, schedules map[string]records.Schedule, holds []records.Hold, fn func(*records.Record, records.Decision) error) error {
	q, args := f.query(holds, t.subjectScopeSQL)
	rows, err := t.tx.QueryContext(t.ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		rec, err := scanRecord(rows)
		if err != nil {
			return err
		}
		d := records.Decide(rec, schedules, holds, f.AsOf)
		if f.Due && !d.Purge {
			continue
		}
		if err := fn(rec, d); err != nil {
			return err
		}
	}
	return rows.Err()
}

func prefixed(p, cols string) string { return p + strings.ReplaceAll(cols, ", ", ", "+p) }

// PurgeCandidates streams, class by class, the records a purge of class
// (every scheduled class when "") as of asOf would delete: the bulk through
// the index, each one confirmed by records.Decide.
func (t *Tx) PurgeCandidates(class string, asOf time.Time, fn func(*records.Record) error) error {
	schedules, holds, err := t.rules()
	if err != nil {
		return err
	}
	if class != "" {
		if _, ok := schedules[class]; !ok {
			return nil
		}
	}
	for _, c := range sortedClasses(schedules, class) {
		_, hi := schedules[c].Window(asOf)
		rows, err := t.tx.QueryContext(t.ctx, `SELECT `+prefixed("r.", recordColumns)+` FROM records r
			WHERE r.class = $1 AND r.created_at < $2 AND `+notHeld(holds)+` ORDER BY r.created_at, r.id`, c, formatTime(hi))
		if err != nil {
			return err
		}
		for rows.Next() {
			rec, err := scanRecord(rows)
			if err != nil {
				rows.Close()
				return err
			}
			if !records.Decide(rec, schedules, holds, asOf).Purge {
				continue
			}
			if err := fn(rec); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

func sortedClasses(schedules map[string]records.Schedule, only string) []string {
	var out []string
	for c := range schedules {
		if only == "" || c == only {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}
