package store

import (
	"database/sql"
	"errors"
	"time"

	"github.com/custos-dev/custos/internal/errs"
)

// StoredCheckpoint is a signed checkpoint note kept in the store as
// audit checkpoint wrote it. It is only data until its signature is
// verified against a verifier key the reader supplies.
type StoredCheckpoint struct {
	// Size is the number of entries the note signs.
	Size   int64     `json:"size"`
	Origin string    `json:"origin"`
	MadeAt time.Time `json:"made_at"`
	MadeBy string    `json:"made_by"`
	// Note is the signed note, signature included.
	Note string `json:"note"`
}

const storedCheckpointColumns = `size, origin, note, made_at, made_by`

func scanStoredCheckpoint(r rowScanner) (*StoredCheckpoint, error) {
	var c StoredCheckpoint
	var at string
	if err := r.Scan(&c.Size, &c.Origin, &c.Note, &at, &c.MadeBy); err != nil {
		return nil, err
	}
	c.MadeAt = parseTime(at)
	return &c, nil
}

// SaveCheckpoint keeps the signed note of the tree of size entries. A
// note of that size already kept stays as it is (a note is public, and
// the first one is as good as a second).
func (t *txn) SaveCheckpoint(size int64, origin string, note []byte) error {
	_, err := t.tx.ExecContext(t.ctx, `INSERT INTO audit_checkpoints (size, origin, note, made_at, made_by)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (size) DO NOTHING`, size, origin, string(note), formatTime(t.now), t.op.Name)
	return err
}

// StoredCheckpoints lists the kept checkpoint notes, the largest (the
// latest) first; limit 0 lists all.
func (t *txn) StoredCheckpoints(limit int) ([]*StoredCheckpoint, error) {
	q := `SELECT ` + storedCheckpointColumns + ` FROM audit_checkpoints ORDER BY size DESC`
	var args []any
	if limit > 0 {
		q += ` LIMIT $1`
		args = append(args, limit)
	}
	rows, err := t.tx.QueryContext(t.ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*StoredCheckpoint
	for rows.Next() {
		c, err := scanStoredCheckpoint(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// StoredCheckpoint returns the kept note of size entries, or the latest
// when size is 0; NotFound when there is none.
func (t *txn) StoredCheckpoint(size int64) (*StoredCheckpoint, error) {
	if size == 0 {
		cps, err := t.StoredCheckpoints(1)
		if err != nil {
			return nil, err
		}
		if len(cps) == 0 {
			return nil, errs.NotFoundf("the store keeps no signed checkpoint").
				WithHint("take one with CUSTOS_AUDIT_SIGNING_KEY=FILE custos audit checkpoint")
		}
		return cps[0], nil
	}
	c, err := scanStoredCheckpoint(t.tx.QueryRowContext(t.ctx, `SELECT `+storedCheckpointColumns+` FROM audit_checkpoints WHERE size = $1`, size))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFoundf("the store keeps no signed checkpoint of %d entries", size).
			WithHint("custos audit checkpoint list shows those it keeps")
	}
	return c, err
}
