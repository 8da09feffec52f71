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
