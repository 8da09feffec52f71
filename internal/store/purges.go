package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/records"
)

// Purge is a purge's record.
type Purge struct {
	ID            int64
	State         string
	Operator      string
	StartedAt     time.Time
	FinishedAt    time.Time
	ScopeClass    string
	AsOf          time.Time
	Archive       string
	ArchiveSHA256 string
	// SetSHA256 identifies the set of record ids the purge deletes
	// (records.IDSet.Hash), the same in the archive's manifest.
	SetSHA256 string
	Count     int64
	Deleted   int64
	// Skipped records of the set stay in the catalogue: a hold covered
	// them when their batch ran, or their file could not be destroyed.
	Skipped      int64
	DeleteFiles  bool
	FilesDeleted int64
	// FilesMissing were already gone when their record was purged.
	FilesMissing int64
	// RequestID is the purge plan the purge carried out; "" for a direct
	// purge.
	RequestID string
}

// PurgeSkip is a record of a purge's set left in the catalogue, and why.
type PurgeSkip struct {
	PurgeID  int64  `json:"purge"`
	RecordID int64  `json:"record"`
	Location string `json:"location"`
	Reason   string `json:"reason"`
}

// CommitPurge records a purge of exactly set, the ids its verified archive
// holds, in the invocation's transaction. p.SetSHA256 is the hash the
// archive's manifest gives for its ids; a set that does not hash to it is
// an integrity failure and nothing is recorded. Nothing is selected here:
// the batches delete the ids of the set, and no other. skips are the
// records the selection left out because their files could not be safely
// archived and destroyed; they are recorded with the purge.
func (t *txn) CommitPurge(p *Purge, set records.IDSet, skips []PurgeSkip) error {
	if got := set.Hash(); got != p.SetSHA256 {
		return errs.Integrityf("the records read back from the archive (SHA-256 %s) are not the set its manifest names (%s); nothing was deleted", got, p.SetSHA256)
	}
	var err error
	if p.ID, err = t.nextID("purges"); err != nil {
		return err
	}
	t.Touch("purge:" + strconv.FormatInt(p.ID, 10))
	p.State, p.Operator, p.StartedAt, p.Count, p.Skipped = "deleting", t.op.Name, t.now, set.Count(), int64(len(skips))
	if p.RequestID != "" {
		if err := t.markPlanApplied(p.RequestID, "carried out as purge "+strconv.FormatInt(p.ID, 10)); err != nil {
			return err
		}
	}
	_, err = t.tx.ExecContext(t.ctx, `INSERT INTO purges (id, state, operator, started_at, scope_class, as_of, archive, archive_sha256,
		count, delete_files, selection, set_sha256, skipped, request_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '', $11, $12, $13)`, p.ID, p.State, p.Operator,
		formatTime(t.now), p.ScopeClass, formatTime(p.AsOf), p.Archive, p.ArchiveSHA256, p.Count, flag(p.DeleteFiles), p.SetSHA256, p.Skipped, p.RequestID)
	if err != nil {
		return err
	}
	for _, k := range skips {
		if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO purge_skipped (purge_id, record_id, reason) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			p.ID, k.RecordID, k.Reason); err != nil {
			return err
		}
	}
	ins, err := t.tx.PrepareContext(t.ctx, `INSERT INTO purge_ranges (purge_id, lo, hi, content) VALUES ($1, $2, $3, $4)`)
	if err != nil {
		return err
	}
	defer ins.Close()
	for _, r := range set.Ranges {
		if _, err := ins.ExecContext(t.ctx, p.ID, r.Lo, r.Hi, flag(r.Content)); err != nil {
			return err
		}
	}
	return nil
}

const purgeColumns = `id, state, operator, started_at, finished_at, scope_class, as_of, archive, archive_sha256, set_sha256, count, deleted, skipped,
	delete_files, files_deleted, files_missing, request_id`

func scanPurge(r rowScanner) (*Purge, error) {
	var p Purge
	var started, finished, asOf string
	if err := r.Scan(&p.ID, &p.State, &p.Operator, &started, &finished, &p.ScopeClass, &asOf, &p.Archive, &p.ArchiveSHA256, &p.SetSHA256,
		&p.Count, &p.Deleted, &p.Skipped, &p.DeleteFiles, &p.FilesDeleted, &p.FilesMissing, &p.RequestID); err != nil {
		return nil, err
	}
	p.StartedAt, p.FinishedAt, p.AsOf = parseTime(started), parseTime(finished), parseTime(asOf)
	return &p, nil
}

// UnfinishedPurges returns purges that were committed but not finished,
// say because the process was killed; running purge again finishes them.
func (t *txn) UnfinishedPurges() ([]*Purge, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT `+purgeColumns+` FROM purges WHERE state = 'deleting' ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Purge
	for rows.Next() {
		p, err := scanPurge(rows)
		if err != nil {
			return nil, err
		}
		t.Touch("purge:" + strconv.FormatInt(p.ID, 10))
		out = append(out, p)
	}
	return out, rows.Err()
}

// PurgeArchives returns the SHA-256 of every recorded purge's archive, by
// which a sweep knows the archives purges rest on wherever they have been
// moved to.
func (t *txn) PurgeArchives() (map[string]bool, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT archive_sha256 FROM purges`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, err
		}
		out[a] = true
	}
	return out, rows.Err()
}

// FileOutcome is what happened to one record's file in a deletion batch.
type FileOutcome struct {
	// Destroyed: the file was archived and is now gone.
	Destroyed bool
	// Missing: there was no file to destroy.
	Missing bool
	// Skip, when set, keeps the record in the catalogue and says why.
	Skip string
}

// Victim is a record whose file a deletion batch destroys. Content says
// whether the purge's archive holds the file (a destroyer never destroys a
// file the archive does not hold); Resumed, that a killed run of the purge
// had begun destroying the files of this batch.
type Victim struct {
	R                *records.Record
	Content, Resumed bool
}

// Destroyer destroys the files of a deletion batch, all at once so their
// syncs can go together, and says what happened to each, in order.
type Destroyer func(victims []Victim) ([]FileOutcome, error)

// PurgeBatch is what one deletion batch did.
type PurgeBatch struct {
	Deleted, Skipped, FilesDeleted, FilesMissing int64
	// More: ids of the set remain after this batch.
	More bool
}

// purgeMember is the SQL form of "record r is in purge $3's set": the run
// that starts at or before r.id reaches it. One index seek per record.
const purgeMember = `r.id <= coalesce((SELECT pr.hi FROM purge_ranges pr WHERE pr.purge_id = $3 AND pr.lo <= r.id ORDER BY pr.lo DESC LIMIT 1), 0)`

// purgeContent is the SQL form of "the archive holds r's file".
const purgeContent = `coalesce((SELECT pr.content FROM purge_ranges pr WHERE pr.purge_id = $3 AND pr.lo <= r.id ORDER BY pr.lo DESC LIMIT 1), 0)`

// purgeBatchWhere selects the records of purge $3's set with ids in ($1,
// $2]: the id range is the short walk through the table, and membership is
// checked against the set's runs.
const purgeBatchWhere = `r.id > $1 AND r.id <= $2 AND ` + purgeMember

// nextPurgeBatch bounds the next batch of a purge: the runs around the
// cursor, cut by records.IDSet.NextBatch.
func nextPurgeBatch(ctx context.Context, tx *sql.Tx, purgeID, cursor, span int64) (lo, hi int64, ok bool, err error) {
	var set records.IDSet
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`SELECT lo, hi FROM purge_ranges WHERE purge_id = $1 AND lo <= $2 ORDER BY lo DESC LIMIT 1`, []any{purgeID, cursor}},
		{`SELECT lo, hi FROM purge_ranges WHERE purge_id = $1 AND lo > $2 ORDER BY lo LIMIT 1`, []any{purgeID, cursor}},
		// The last run bounds the last batch.
		{`SELECT lo, hi FROM purge_ranges WHERE purge_id = $1 ORDER BY lo DESC LIMIT 1`, []any{purgeID}},
	} {
		var r records.IDRange
		err := tx.QueryRowContext(ctx, q.sql, q.args...).Scan(&r.Lo, &r.Hi)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		} else if err != nil {
			return 0, 0, false, err
		}
		if n := len(set.Ranges); n == 0 || set.Ranges[n-1].Lo < r.Lo {
			set.Ranges = append(set.Ranges, r)
		}
	}
	lo, hi, ok = set.NextBatch(cursor, span)
	return lo, hi, ok, nil
}

// DeletePurgeBatch deletes the records of a committed purge's set among
// the next span ids after its cursor and moves the cursor past them. Only
// ids of the set are ever deleted. Holds are checked again in every batch:
// a record a hold covers now is skipped and reported, and stays in the
// catalogue (and in the archive). Without destroy the batch is one short
// transaction. With destroy, see deleteFilesBatch.
func (s *sqlStore) DeletePurgeBatch(ctx context.Context, purgeID int64, span int64, destroy Destroyer) (PurgeBatch, error) {
	if destroy != nil {
		return s.deleteFilesBatch(ctx, purgeID, span, destroy)
	}
	var b PurgeBatch
	tx, err := s.beginWrite(ctx, s.opts.BusyTimeout)
	if err != nil {
		return b, translate(err)
	}
	defer tx.Rollback()
	var cursor int64
	if err := tx.QueryRowContext(ctx, `SELECT cursor FROM purges WHERE id = $1`, purgeID).Scan(&cursor); err != nil {
		return b, err
	}
	lo, hi, ok, err := nextPurgeBatch(ctx, tx, purgeID, cursor, span)
	if err != nil || !ok {
		return b, err
	}
	free, err := skipHeld(ctx, tx, s, purgeID, lo, hi, &b)
	if err != nil {
		return b, err
	}
	args := []any{lo, hi, purgeID}
	if _, err := tx.ExecContext(ctx, `INSERT INTO purged_files (location, sha256, purge_id)
		SELECT r.location, r.sha256, $3 FROM records r WHERE `+purgeBatchWhere+` AND `+free+` AND r.location != ''`, args...); err != nil {
		return b, translate(err)
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM records WHERE id IN (SELECT r.id FROM records r WHERE `+purgeBatchWhere+` AND `+free+`)`, args...)
	if err != nil {
		return b, translate(err)
	}
	b.Deleted, _ = res.RowsAffected()
	return b, finishBatch(ctx, tx, purgeID, hi, &b)
}

// skipHeld records the records of the batch (lo, hi] a hold covers now as
// skipped, and returns the SQL condition of the others.
func skipHeld(ctx context.Context, tx *sql.Tx, s *sqlStore, purgeID, lo, hi int64, b *PurgeBatch) (string, error) {
	// The holds as they are now: one placed since the purge was committed
	// protects what it covers from this batch on.
	holds, err := (&txn{ctx: ctx, tx: tx, store: s}).Holds(false)
	if err != nil {
		return "", err
	}
	free := notHeld(holds)
	if free != "(1 = 1)" {
		res, err := tx.ExecContext(ctx, `INSERT INTO purge_skipped (purge_id, record_id, reason)
			SELECT $3, r.id, 'held' FROM records r WHERE `+purgeBatchWhere+` AND NOT `+free+` ON CONFLICT DO NOTHING`, lo, hi, purgeID)
		if err != nil {
			return "", translate(err)
		}
		n, _ := res.RowsAffected()
		b.Skipped += n
	}
	return free, nil
}

// finishBatch adds a batch to its purge's counts, moves the cursor past it
// and commits.
func finishBatch(ctx context.Context, tx *sql.Tx, purgeID, hi int64, b *PurgeBatch) error {
	// skipped is counted from the table: what a killed run of this batch
	// recorded as held before it stopped counts once.
	if _, err := tx.ExecContext(ctx, `UPDATE purges SET deleted = deleted + $2, skipped = (SELECT count(*) FROM purge_skipped WHERE purge_id = $1),
		files_deleted = files_deleted + $3, files_missing = files_missing + $4, cursor = $5 WHERE id = $1`,
		purgeID, b.Deleted, b.FilesDeleted, b.FilesMissing, hi); err != nil {
		return err
	}
	var err error
	if _, _, b.More, err = nextPurgeBatch(ctx, tx, purgeID, hi, 1); err != nil {
		return err
	}
	return translate(tx.Commit())
}

// deleteFilesBatch is a deletion batch that destroys files, in three steps
// so that the store's write lock is never held while files are read,
// overwritten and synced (a large file would hold every other command for
// minutes):
//  1. a short transaction takes the batch (its records, their files and
//     which another record also names) and marks its bounds as being
//     destroyed (purges.destroying);
//  2. the files are destroyed, outside any transaction;
//  3. a short transaction checks the holds again, deletes the records
//     whose files are gone, and moves the cursor.
//
// A kill between 1 and 3 leaves the mark: the re-run takes the same batch,
// finds the files it destroyed gone (or overwritten with zeros), and
// counts them as destroyed by this purge. A hold placed during step 2 keeps
// its records in the catalogue; their files, already destroyed, are in the
// verified archive, and the purge reports them.
func (s *sqlStore) deleteFilesBatch(ctx context.Context, purgeID, span int64, destroy Destroyer) (PurgeBatch, error) {
	var b PurgeBatch
	type member struct {
		r       *records.Record
		content bool
		shared  bool
	}
	var batch []member
	var lo, hi, resumedUpTo int64
	var found bool
	// 1: take the batch and mark it; what a hold covers now is skipped.
	err := func() error {
		tx, err := s.beginWrite(ctx, s.opts.BusyTimeout)
		if err != nil {
			return translate(err)
		}
		defer tx.Rollback()
		var cursor int64
		if err := tx.QueryRowContext(ctx, `SELECT cursor, destroying FROM purges WHERE id = $1`, purgeID).Scan(&cursor, &resumedUpTo); err != nil {
			return err
		}
		if lo, hi, found, err = nextPurgeBatch(ctx, tx, purgeID, cursor, span); err != nil || !found {
			return err
		}
		free, err := skipHeld(ctx, tx, s, purgeID, lo, hi, &b)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+prefixed("r.", recordColumns)+`, `+purgeContent+` FROM records r WHERE `+purgeBatchWhere+` AND `+free,
			lo, hi, purgeID)
		if err != nil {
			return translate(err)
		}
		for rows.Next() {
			var m member
			var rec records.Record
			var created, added string
			if err := rows.Scan(&rec.ID, &rec.Class, &created, &rec.Subject, &rec.Location, &rec.Size, &rec.SHA256, &added, &rec.AddedBy, &m.content); err != nil {
				rows.Close()
				return err
			}
			rec.CreatedAt, rec.AddedAt = parseTime(created), parseTime(added)
			m.r = &rec
			batch = append(batch, m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		// A file another catalogue record also names (one held, or not
		// due) is not this batch's to destroy: its record is kept.
		inBatch := map[int64]bool{}
		for _, m := range batch {
			inBatch[m.r.ID] = true
		}
		for i := range batch {
			if batch[i].r.Location == "" {
				continue
			}
			if batch[i].shared, err = sharedLocation(ctx, tx, batch[i].r.Location, inBatch); err != nil {
				return err
			}
		}
		if resumedUpTo < hi {
			if _, err := tx.ExecContext(ctx, `UPDATE purges SET destroying = $2 WHERE id = $1`, purgeID, hi); err != nil {
				return err
			}
		}
		return translate(tx.Commit())
	}()
	if err != nil || !found {
		return b, err
	}

	// 2: destroy the files, holding no lock.
	fate := map[int64]FileOutcome{}
	var victims []Victim
	for _, m := range batch {
		switch {
		case m.r.Location == "":
		case m.shared:
			fate[m.r.ID] = FileOutcome{Skip: "another catalogue record names the same file"}
		default:
			victims = append(victims, Victim{R: m.r, Content: m.content, Resumed: m.content && m.r.ID <= resumedUpTo})
		}
	}
	outcomes, err := destroy(victims)
	if err != nil {
		return b, err
	}
	resumed := map[int64]bool{}
	for i, v := range victims {
		fate[v.R.ID] = outcomes[i]
		resumed[v.R.ID] = v.Resumed
	}

	// 3: check the holds again, delete what is gone, move the cursor.
	tx, err := s.beginWrite(ctx, s.opts.BusyTimeout)
	if err != nil {
		return b, translate(err)
	}
	defer tx.Rollback()
	var cursor int64
	if err := tx.QueryRowContext(ctx, `SELECT cursor FROM purges WHERE id = $1`, purgeID).Scan(&cursor); err != nil {
		return b, err
	}
	if cursor >= hi {
		// Another run of this purge finished the batch meanwhile.
		_, _, b.More, err = nextPurgeBatch(ctx, tx, purgeID, cursor, 1)
		return b, err
	}
	if _, err := skipHeld(ctx, tx, s, purgeID, lo, hi, &b); err != nil {
		return b, err
	}
	for _, m := range batch {
		var held int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM purge_skipped WHERE purge_id = $1 AND record_id = $2`, purgeID, m.r.ID).Scan(&held); err != nil {
			return b, err
		}
		out := fate[m.r.ID]
		if held > 0 {
			if out.Destroyed {
				if _, err := tx.ExecContext(ctx, `UPDATE purge_skipped SET reason = $3 WHERE purge_id = $1 AND record_id = $2`, purgeID, m.r.ID,
					"held since its batch began; its file was already destroyed, and is in the archive"); err != nil {
					return b, err
				}
			}
			continue
		}
		if out.Skip != "" {
			if _, err := tx.ExecContext(ctx, `INSERT INTO purge_skipped (purge_id, record_id, reason) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
				purgeID, m.r.ID, out.Skip); err != nil {
				return b, err
			}
			b.Skipped++
			continue
		}
		if m.r.Location != "" {
			switch {
			case out.Destroyed, out.Missing && resumed[m.r.ID]:
				b.FilesDeleted++
			case out.Missing:
				b.FilesMissing++
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO purged_files (location, sha256, purge_id) VALUES ($1, $2, $3)`,
				m.r.Location, m.r.SHA256, purgeID); err != nil {
				return b, err
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM records WHERE id = $1`, m.r.ID)
		if err != nil {
			return b, err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			b.Deleted++
		}
	}
	return b, finishBatch(ctx, tx, purgeID, hi, &b)
}

// sharedLocation reports whether a record outside the batch names loc.
func sharedLocation(ctx context.Context, tx *sql.Tx, loc string, inBatch map[int64]bool) (bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM records WHERE location = $1 AND location != ''`, loc)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return false, err
		}
		if !inBatch[id] {
			return true, nil
		}
	}
	return false, rows.Err()
}

// FinishPurge marks a purge done once its batches have run.
func (s *sqlStore) FinishPurge(ctx context.Context, purgeID int64) (*Purge, error) {
	tx, err := s.beginWrite(ctx, s.opts.BusyTimeout)
	if err != nil {
		return nil, translate(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE purges SET state = 'done', finished_at = $2 WHERE id = $1 AND state != 'done'`,
		purgeID, formatTime(time.Now())); err != nil {
		return nil, err
	}
	p, err := scanPurge(tx.QueryRowContext(ctx, `SELECT `+purgeColumns+` FROM purges WHERE id = $1`, purgeID))
	if err != nil {
		return nil, err
	}
	return p, translate(tx.Commit())
}

// PurgeSkips returns the records of a purge's set that it left in the
// catalogue, with the reason for each.
func (s *sqlStore) PurgeSkips(ctx context.Context, purgeID int64) ([]PurgeSkip, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT ps.purge_id, ps.record_id, coalesce(r.location, ''), ps.reason FROM purge_skipped ps
		LEFT JOIN records r ON r.id = ps.record_id WHERE ps.purge_id = $1 ORDER BY ps.record_id`, purgeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PurgeSkip
	for rows.Next() {
		var k PurgeSkip
		if err := rows.Scan(&k.PurgeID, &k.RecordID, &k.Location, &k.Reason); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// LocationPurged reports whether a purge removed a record of this location
// with this content (any content when sha256 is ""), so that intake does
// not register a purged file again.
func (t *txn) LocationPurged(loc, sha256 string) (bool, error) {
	var n int
	err := t.tx.QueryRowContext(t.ctx, `SELECT count(*) FROM purged_files WHERE location = $1 AND ($2 = '' OR sha256 = $2 OR sha256 = '')`,
		loc, sha256).Scan(&n)
	return n > 0, err
}

// Identity names the store: the hash of its first audit entry, which no
// other store shares. Purge archives carry it.
func (t *txn) Identity() (string, error) {
	var h string
	err := t.tx.QueryRowContext(t.ctx, `SELECT hash FROM audit_log WHERE seq = 1`).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return h, err
}
