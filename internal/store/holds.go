// Legal holds: placing, releasing and listing them.

package store

import (
	"database/sql"
	"errors"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/records"
)

const holdColumns = `name, reason, kind, value, from_at, to_at, created_at, created_by, released_at, released_by, release_reason`

// Holds returns the holds, active ones only unless all is set, with the
// record ids of record holds.
func (t *txn) Holds(all bool) ([]records.Hold, error) {
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
func (t *txn) AddHold(h *records.Hold) error {
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
func (t *txn) ReleaseHold(name, reason string) (bool, error) {
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
