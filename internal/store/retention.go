// Retention schedules: setting and reading a class's retention period, and
// the rules (schedules and active holds) that records.Decide weighs each
// record against.

package store

import (
	"database/sql"
	"errors"
	"slices"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/records"
	"github.com/custos-dev/custos/internal/when"
)

// SetRetention sets a class's retention period; the same value again
// changes nothing, and a locked schedule is never shortened.
func (t *txn) SetRetention(class string, d when.Duration, description string) (bool, error) {
	t.Touch("retention:" + class)
	cur, err := t.retentionOf(class)
	if err != nil {
		return false, err
	}
	if cur != nil {
		if cur.Retain.String() == d.String() && cur.Description == description {
			return false, nil
		}
		if err := cur.CheckRetain(d); err != nil {
			return false, err
		}
	}
	_, err = t.tx.ExecContext(t.ctx, `INSERT INTO retention (class, retain, description, set_at, set_by) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (class) DO UPDATE SET retain = excluded.retain, description = excluded.description, set_at = excluded.set_at, set_by = excluded.set_by`,
		class, d.String(), description, formatTime(t.now), t.op.Name)
	return true, err
}

// LockRetention locks a class's schedule at its current period, by (a
// request's id, or the operator); a locked schedule stays locked.
func (t *txn) LockRetention(class, by string) (bool, error) {
	t.Touch("retention:" + class)
	cur, err := t.retentionOf(class)
	if err != nil || !cur.LockedAt.IsZero() {
		return false, err
	}
	_, err = t.tx.ExecContext(t.ctx, `UPDATE retention SET locked_at = $2, locked_by = $3, locked_retain = retain WHERE class = $1`, class, formatTime(t.now), by)
	return err == nil, err
}

// retentionOf returns a class's schedule, or nil when it has none.
func (t *txn) retentionOf(class string) (*records.Schedule, error) {
	s, err := scanRetention(t.tx.QueryRowContext(t.ctx, `SELECT `+retentionColumns+` FROM retention WHERE class = $1`, class))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return s, err
}

// Schedule returns a class's schedule, or NotFound.
func (t *txn) Schedule(class string) (*records.Schedule, error) {
	s, err := t.retentionOf(class)
	if err == nil && s == nil {
		err = errs.NotFoundf("class %s has no retention schedule", class).WithHint("custos records retain %s --for DURATION", class)
	}
	return s, err
}

const retentionColumns = `class, retain, description, set_at, set_by, locked_at, locked_by, locked_retain`

func scanRetention(r rowScanner) (*records.Schedule, error) {
	var s records.Schedule
	var retain, at, locked, lockedRetain string
	if err := r.Scan(&s.Class, &retain, &s.Description, &at, &s.SetBy, &locked, &s.LockedBy, &lockedRetain); err != nil {
		return nil, err
	}
	var err error
	if s.Retain, err = when.ParseDuration(retain); err != nil {
		return nil, errs.Integrityf("retention of %s is unreadable: %v", s.Class, err)
	}
	if locked != "" {
		if s.LockedRetain, err = when.ParseDuration(lockedRetain); err != nil {
			return nil, errs.Integrityf("the locked retention of %s is unreadable: %v", s.Class, err)
		}
	}
	s.SetAt, s.LockedAt = parseTime(at), parseTime(locked)
	return &s, nil
}

// Schedules returns the retention schedules by class.
func (t *txn) Schedules() (map[string]records.Schedule, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT `+retentionColumns+` FROM retention ORDER BY class`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]records.Schedule{}
	for rows.Next() {
		s, err := scanRetention(rows)
		if err != nil {
			return nil, err
		}
		out[s.Class] = *s
	}
	return out, rows.Err()
}

// rules returns the retention schedules and the active holds, which
// records.Decide weighs each record against.
func (t *txn) rules() (map[string]records.Schedule, []records.Hold, error) {
	schedules, err := t.Schedules()
	if err != nil {
		return nil, nil, err
	}
	holds, err := t.Holds(false)
	return schedules, holds, err
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
