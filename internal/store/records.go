package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/audit"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/records"
	"github.com/custos-dev/custos/internal/when"
)

// recTime formats record times fixed-width in UTC, so text order is time
// order and range conditions can use the index.
func recTime(t time.Time) string { return audit.FormatTime(t) }

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
		from, to = recTime(h.From), recTime(h.To)
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

// bulkCacheKiB is the page cache of commands that touch many records:
// bulk inserts land at random places in the indexes, and a purge deletes
// in creation-time order, which is random in the table; with SQLite's
// default 2 MB cache both spend their time re-reading pages.
const bulkCacheKiB = 131072

// BulkCache raises the page cache of the store's connection for the rest
// of the command.
func (s *Store) BulkCache(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = -%d", bulkCacheKiB))
	return err
}

// NewRecordInserter prepares the insert (with the bulk page cache).
func (t *Tx) NewRecordInserter() (*RecordInserter, error) {
	if _, err := t.tx.ExecContext(t.ctx, fmt.Sprintf("PRAGMA cache_size = -%d", bulkCacheKiB)); err != nil {
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
	} else if r.ID >= ri.next {
		ri.next = r.ID + 1
	}
	r.AddedAt, r.AddedBy = ri.t.now, ri.t.op.Name
	if _, err := ri.stmt.ExecContext(ri.t.ctx, r.ID, r.Class, recTime(r.CreatedAt), r.Subject, r.Location, r.Size, r.SHA256,
		ri.addedAt, ri.t.op.Name); err != nil {
		return err
	}
	ri.n++
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
// the partial index's condition (a non-empty location) lets SQLite use
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
}

// query builds the listing; scope adds the operator's department scope on
// the subject column (Tx.subjectScopeSQL).
func (f RecordFilter) query(holds []records.Hold, scope func(col string, arg func(any) string) string) (string, []any) {
	var where []string
	var args []any
	if f.Class != "" {
		args = append(args, f.Class)
		where = append(where, "r.class = $1")
	}
	if s := scope("r.subject", func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}); s != "" {
		where = append(where, s)
	}
	if f.Due {
		where = append(where, notHeld(holds), "r.class IN (SELECT class FROM retention)")
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
// decided by records.Decide, record by record.
func (t *Tx) ListRecords(f RecordFilter, fn func(*records.Record, records.Decision) error) error {
	schedules, holds, err := t.rules()
	if err != nil {
		return err
	}
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

// Fingerprint identifies a set of records independently of order.
type Fingerprint struct {
	Count int64
	SumID int64
}

// Add counts a record in.
func (fp *Fingerprint) Add(id int64) { fp.Count++; fp.SumID += id }

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
			WHERE r.class = $1 AND r.created_at < $2 AND `+notHeld(holds)+` ORDER BY r.created_at, r.id`, c, recTime(hi))
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
	Count         int64
	Deleted       int64
	DeleteFiles   bool
	FilesDeleted  int64
}

// purgeClass is one class of a purge's selection.
type purgeClass struct {
	Class string `json:"class"`
	// Before is the creation time before which the class's unheld records
	// are certainly due (the retention window's lower edge).
	Before string `json:"before"`
	MaxID  int64  `json:"max_id"`
}

// bulkSQL selects a class's certainly-due, unheld records of a purge.
func bulkSQL(holds []records.Hold) string {
	return `r.class = $1 AND r.created_at < $2 AND r.id <= $3 AND ` + notHeld(holds)
}

// CommitPurge records a purge in the invocation's transaction, after its
// archive is written and verified. It fixes what the purge deletes (see
// purges.selection) and checks that this is exactly the archived set
// (want): if the catalogue changed since the archive was written, nothing
// is recorded and the purge is a conflict.
func (t *Tx) CommitPurge(p *Purge, want Fingerprint) error {
	if err := t.tx.QueryRowContext(t.ctx, `SELECT coalesce(max(id), 0) + 1 FROM purges`).Scan(&p.ID); err != nil {
		return err
	}
	t.Touch("purge:" + strconv.FormatInt(p.ID, 10))
	schedules, holds, err := t.rules()
	if err != nil {
		return err
	}
	var maxID int64
	if err := t.tx.QueryRowContext(t.ctx, `SELECT coalesce(max(id), 0) FROM records`).Scan(&maxID); err != nil {
		return err
	}
	var sel []purgeClass
	var edges []int64
	var got Fingerprint
	for _, c := range sortedClasses(schedules, p.ScopeClass) {
		lo, hi := schedules[c].Window(p.AsOf)
		pc := purgeClass{Class: c, Before: recTime(lo), MaxID: maxID}
		sel = append(sel, pc)
		var n, sum int64
		if err := t.tx.QueryRowContext(t.ctx, `SELECT count(*), coalesce(sum(r.id), 0) FROM records r WHERE `+bulkSQL(holds),
			pc.Class, pc.Before, pc.MaxID).Scan(&n, &sum); err != nil {
			return err
		}
		got.Count += n
		got.SumID += sum
		rows, err := t.tx.QueryContext(t.ctx, `SELECT `+prefixed("r.", recordColumns)+` FROM records r
			WHERE r.class = $1 AND r.created_at >= $2 AND r.created_at < $3 AND `+notHeld(holds), c, recTime(lo), recTime(hi))
		if err != nil {
			return err
		}
		for rows.Next() {
			rec, err := scanRecord(rows)
			if err != nil {
				rows.Close()
				return err
			}
			if records.Decide(rec, schedules, holds, p.AsOf).Purge {
				edges = append(edges, rec.ID)
				got.Add(rec.ID)
			}
		}
		rows.Close()
	}
	if got != want {
		return errs.Conflictf("the catalogue changed while the archive was written (%d records due now, %d archived); nothing was deleted", got.Count, want.Count).
			WithHint("run the purge again")
	}
	selJSON, _ := json.Marshal(sel)
	p.State, p.Operator, p.StartedAt, p.Count = "deleting", t.op.Name, t.now, got.Count
	_, err = t.tx.ExecContext(t.ctx, `INSERT INTO purges (id, state, operator, started_at, scope_class, as_of, archive, archive_sha256,
		count, delete_files, selection) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, p.ID, p.State, p.Operator, formatTime(t.now),
		p.ScopeClass, formatTime(p.AsOf), p.Archive, p.ArchiveSHA256, p.Count, p.DeleteFiles, string(selJSON))
	if err != nil {
		return err
	}
	for _, id := range edges {
		if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO purge_edges (purge_id, record_id) VALUES ($1, $2)`, p.ID, id); err != nil {
			return err
		}
	}
	return nil
}

const purgeColumns = `id, state, operator, started_at, finished_at, scope_class, as_of, archive, archive_sha256, count, deleted, delete_files, files_deleted`

func scanPurge(r rowScanner) (*Purge, error) {
	var p Purge
	var started, finished, asOf string
	if err := r.Scan(&p.ID, &p.State, &p.Operator, &started, &finished, &p.ScopeClass, &asOf, &p.Archive, &p.ArchiveSHA256,
		&p.Count, &p.Deleted, &p.DeleteFiles, &p.FilesDeleted); err != nil {
		return nil, err
	}
	p.StartedAt, p.FinishedAt, p.AsOf = parseTime(started), parseTime(finished), parseTime(asOf)
	return &p, nil
}

// UnfinishedPurges returns purges that were committed but not finished,
// say because the process was killed; running purge again finishes them.
func (t *Tx) UnfinishedPurges() ([]*Purge, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT `+purgeColumns+` FROM purges WHERE state != 'done' ORDER BY id`)
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

// DeletePurgeBatch deletes the selected records among the next span ids
// of a committed purge, in one short transaction of its own, and moves the
// purge's cursor past them. Walking the table in id ranges writes each
// table page about once; taking the records in creation-time order instead
// would rewrite the same scattered pages batch after batch. Holds are
// checked again in every batch, so a hold placed while a purge runs still
// protects what it covers. With destroy, each record's file is destroyed
// before its entry goes; a crash in between leaves an entry whose file is
// gone, which the next run finishes. It reports the entries deleted and
// whether ids remain.
func (s *Store) DeletePurgeBatch(ctx context.Context, purgeID int64, span int64, destroy func(location string) (bool, error)) (int, bool, error) {
	tx, err := s.beginWrite(ctx, s.opts.BusyTimeout)
	if err != nil {
		return 0, false, translate(err)
	}
	defer tx.Rollback()
	var selJSON string
	var cursor int64
	if err := tx.QueryRowContext(ctx, `SELECT selection, cursor FROM purges WHERE id = $1`, purgeID).Scan(&selJSON, &cursor); err != nil {
		return 0, false, err
	}
	var sel []purgeClass
	if err := json.Unmarshal([]byte(selJSON), &sel); err != nil {
		return 0, false, errs.Integrityf("purge %d has an unreadable selection: %v", purgeID, err)
	}
	var maxID int64
	for _, pc := range sel {
		maxID = max(maxID, pc.MaxID)
	}
	if cursor >= maxID {
		return 0, false, nil
	}
	hi := min(cursor+span, maxID)
	// The holds as they are now: one placed since the purge was committed
	// protects what it covers from this batch on.
	holds, err := (&Tx{ctx: ctx, tx: tx, store: s}).Holds(false)
	if err != nil {
		return 0, false, err
	}
	where, args := purgeBatchWhere(sel, holds, purgeID, cursor, hi)
	var n, files int64
	if destroy == nil {
		res, err := tx.ExecContext(ctx, `DELETE FROM records WHERE id IN (SELECT r.id FROM records r WHERE `+where+`)`, args...)
		if err != nil {
			return 0, false, translate(err)
		}
		n, _ = res.RowsAffected()
	} else {
		type victim struct {
			id  int64
			loc string
		}
		var batch []victim
		rows, err := tx.QueryContext(ctx, `SELECT r.id, r.location FROM records r WHERE `+where, args...)
		if err != nil {
			return 0, false, translate(err)
		}
		for rows.Next() {
			var v victim
			if err := rows.Scan(&v.id, &v.loc); err != nil {
				rows.Close()
				return 0, false, err
			}
			batch = append(batch, v)
		}
		rows.Close()
		for _, v := range batch {
			if v.loc != "" {
				gone, err := destroy(v.loc)
				if err != nil {
					return 0, false, err
				}
				if gone {
					files++
				}
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM records WHERE id = $1`, v.id); err != nil {
				return 0, false, err
			}
			n++
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE purges SET deleted = deleted + $2, files_deleted = files_deleted + $3, cursor = $4 WHERE id = $1`,
		purgeID, n, files, hi); err != nil {
		return 0, false, err
	}
	return int(n), hi < maxID, translate(tx.Commit())
}

// purgeBatchWhere selects the records of a purge with ids in (lo, hi]:
// each class's bulk, and the edge records. The class is compared as an
// expression (class || ”), which no index serves: on the (class,
// created_at) index SQLite would read every due record of the class in
// every batch, which made a purge quadratic. The id range is the short
// walk.
func purgeBatchWhere(sel []purgeClass, holds []records.Hold, purgeID, lo, hi int64) (string, []any) {
	var parts []string
	args := []any{lo, hi, purgeID}
	for _, pc := range sel {
		args = append(args, pc.Class, pc.Before)
		parts = append(parts, fmt.Sprintf("(r.class || '' = $%d AND r.created_at < $%d)", len(args)-1, len(args)))
	}
	parts = append(parts, "r.id IN (SELECT record_id FROM purge_edges WHERE purge_id = $3 AND record_id > $1 AND record_id <= $2)")
	return `r.id > $1 AND r.id <= $2 AND (` + strings.Join(parts, " OR ") + `) AND ` + notHeld(holds), args
}

// FinishPurge marks a purge done once its unheld records are gone.
func (s *Store) FinishPurge(ctx context.Context, purgeID int64) (*Purge, error) {
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

// Pending is how many records the inserter has added so far.
func (ri *RecordInserter) Pending() int64 { return ri.n }
