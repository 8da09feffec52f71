// The records catalogue: adding records (RecordInserter), looking one up,
// and listing them by RecordFilter, with notHeld, the SQL form of the
// holds that the listing and the purge selection filter by.

package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/records"
)

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
// numbering them from the counter. Rows are sent the dialect's
// insertBatch at a time in one multi-row INSERT: on PostgreSQL each
// statement is a round trip to the server, and one per record made an
// import 4–7 times slower than on SQLite, whose driver, the other way
// round, binds a statement of many rows three times slower than as many
// one-row statements. A row's error (a duplicate id) comes from the Add
// that sends its batch, or from Close; either way the invocation fails
// and its transaction rolls back.
type RecordInserter struct {
	t    *txn
	stmt *sql.Stmt // the statement of a full batch, prepared once
	next int64
	n    int64
	// addedAt is the invocation's time, formatted once.
	addedAt string
	rows    []any
	batch   int
}

// BulkCache prepares the store's session for the rest of the command to
// touch many records (the dialect's bulk session).
func (s *sqlStore) BulkCache(ctx context.Context) error { return s.d.bulk(ctx, s.db) }

// NewRecordInserter prepares the insert (in a bulk session).
func (t *txn) NewRecordInserter() (*RecordInserter, error) {
	if err := t.store.d.bulk(t.ctx, t.tx); err != nil {
		return nil, err
	}
	var last int64
	if err := t.tx.QueryRowContext(t.ctx, `SELECT value FROM counters WHERE name = 'records'`).Scan(&last); err != nil {
		return nil, err
	}
	return &RecordInserter{t: t, next: last + 1, addedAt: formatTime(t.now), batch: t.store.d.insertBatch()}, nil
}

// insertRecordsSQL is the INSERT of n records.
func insertRecordsSQL(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO records (id, class, created_at, subject, location, size, sha256, added_at, added_by) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j := range 9 {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(i*9 + j + 1))
		}
		b.WriteByte(')')
	}
	return b.String()
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
	ri.rows = append(ri.rows, r.ID, r.Class, formatTime(r.CreatedAt), r.Subject, r.Location, r.Size, r.SHA256,
		ri.addedAt, ri.t.op.Name)
	if len(ri.rows) == ri.batch*9 {
		return ri.flush()
	}
	return nil
}

// flush sends the rows added since the last flush.
func (ri *RecordInserter) flush() error {
	n := len(ri.rows) / 9
	if n == 0 {
		return nil
	}
	var err error
	if n == ri.batch {
		if ri.stmt == nil {
			if ri.stmt, err = ri.t.tx.PrepareContext(ri.t.ctx, insertRecordsSQL(ri.batch)); err != nil {
				return err
			}
		}
		_, err = ri.stmt.ExecContext(ri.t.ctx, ri.rows...)
	} else {
		_, err = ri.t.tx.ExecContext(ri.t.ctx, insertRecordsSQL(n), ri.rows...)
	}
	if err != nil {
		return err
	}
	ri.n += int64(n)
	ri.rows = ri.rows[:0]
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

// Close sends the last rows, saves the counter and releases the
// statement; it returns how many records were added.
func (ri *RecordInserter) Close() (int64, error) {
	if ri.stmt != nil {
		defer ri.stmt.Close()
	}
	if err := ri.flush(); err != nil {
		return ri.n, err
	}
	_, err := ri.t.tx.ExecContext(ri.t.ctx, `UPDATE counters SET value = $1 WHERE name = 'records' AND value < $1`, ri.next-1)
	return ri.n, err
}

// RecordExists reports whether a record id is in the catalogue.
func (t *txn) RecordExists(id int64) (bool, error) {
	var n int
	err := t.tx.QueryRowContext(t.ctx, `SELECT count(*) FROM records WHERE id = $1`, id).Scan(&n)
	return n > 0, err
}

// LocationRegistered reports whether a location is catalogued. Repeating
// the partial index's condition (a non-empty location) lets the planner use
// that index: without it, each file of an `import --dir` read the whole
// catalogue.
func (t *txn) LocationRegistered(loc string) (bool, error) {
	var n int
	err := t.tx.QueryRowContext(t.ctx, `SELECT count(*) FROM records WHERE location = $1 AND location != ''`, loc).Scan(&n)
	return n > 0, err
}

// GetRecord returns a record, or NotFound.
func (t *txn) GetRecord(id int64) (*records.Record, error) {
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
	// Limit is the most records listed; 0 lists all.
	Limit int
	// createdBefore bounds created_at (stored form) when not ""; a due
	// listing reads one class at a time below its retention window.
	createdBefore string
	// after, when not nil, starts the listing of its class after it (by
	// creation time, then id).
	after *records.Record
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
	if f.after != nil {
		// The first condition is the one the (class, created_at) index
		// can seek to; the second leaves out what came before at that time.
		at := arg(formatTime(f.after.CreatedAt))
		where = append(where, "r.created_at >= "+at, "(r.created_at > "+at+" OR r.id > "+arg(f.after.ID)+")")
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
	q += ` ORDER BY r.class, r.created_at, r.id`
	if f.Limit > 0 {
		q += ` LIMIT ` + arg(f.Limit)
	}
	return q, args
}

// ListRecords streams records by class and creation time. The due ones are
// decided by records.Decide, record by record; they are read class by
// class, each only up to the end of its retention window
// (records.Schedule.Window), as a purge selects them: a class with nothing
// due costs an index seek, not a read of the class. With a limit, each
// statement reads at most the records still wanted (LIMIT); when Decide
// left out some of them (created near the window's end), the class is
// read on from the last one.
func (t *txn) ListRecords(f RecordFilter, fn func(*records.Record, records.Decision) error) error {
	schedules, holds, err := t.rules()
	if err != nil {
		return err
	}
	if !f.Due {
		_, _, _, err := t.listRecords(f, schedules, holds, fn)
		return err
	}
	listed := 0
	for _, c := range sortedClasses(schedules, f.Class) {
		_, hi := schedules[c].Window(f.AsOf)
		g := f
		g.Class, g.createdBefore = c, formatTime(hi)
		for {
			if f.Limit > 0 {
				g.Limit = f.Limit - listed
			}
			read, n, last, err := t.listRecords(g, schedules, holds, fn)
			if err != nil {
				return err
			}
			listed += n
			if f.Limit > 0 && listed == f.Limit {
				return nil
			}
			if f.Limit == 0 || read < g.Limit {
				break // the class is done
			}
			g.after = last
		}
	}
	return nil
}

// listRecords runs one listing statement and passes fn the records it
// selects, the due ones only for a due listing. It returns how many rows
// it read, how many records it passed and the last record read.
func (t *txn) listRecords(f RecordFilter, schedules map[string]records.Schedule, holds []records.Hold, fn func(*records.Record, records.Decision) error) (read, listed int, last *records.Record, err error) {
	q, args := f.query(holds, t.subjectScopeSQL)
	rows, err := t.tx.QueryContext(t.ctx, q, args...)
	if err != nil {
		return 0, 0, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		rec, err := scanRecord(rows)
		if err != nil {
			return read, listed, last, err
		}
		read, last = read+1, rec
		d := records.Decide(rec, schedules, holds, f.AsOf)
		if f.Due && !d.Purge {
			continue
		}
		if err := fn(rec, d); err != nil {
			return read, listed, last, err
		}
		listed++
	}
	return read, listed, last, rows.Err()
}

func prefixed(p, cols string) string { return p + strings.ReplaceAll(cols, ", ", ", "+p) }

// Pending is how many records the inserter has added so far.
func (ri *RecordInserter) Pending() int64 { return ri.n + int64(len(ri.rows)/9) }
