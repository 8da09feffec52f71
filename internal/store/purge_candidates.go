// The purge selection: the records a purge would delete, read class by
// class through the index. Deleting them is purges.go's and
// purge_service.go's job.

package store

import (
	"time"

	"github.com/custos-dev/custos/internal/records"
)

// PurgeCandidates streams, class by class, the records a purge of class
// (every scheduled class when "") as of asOf would delete: the bulk through
// the index, each one confirmed by records.Decide.
func (t *txn) PurgeCandidates(class string, asOf time.Time, fn func(*records.Record) error) error {
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
