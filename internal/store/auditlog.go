package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/audit"
)

const auditColumns = `seq, at, real_operator, operator, host, pid, command, args, outcome, exit_code, error, objects, prev_hash, hash`

func scanEntry(r rowScanner, e *audit.Entry) error {
	return r.Scan(&e.Seq, &e.At, &e.RealOperator, &e.Operator, &e.Host, &e.PID, &e.Command,
		&e.Args, &e.Outcome, &e.ExitCode, &e.Error, &e.Objects, &e.PrevHash, &e.Hash)
}

// AuditFilter selects audit entries. Zero fields do not filter.
type AuditFilter struct {
	Since, Until time.Time
	// Operator matches the real or the effective operator.
	Operator string
	// Command matches the command path or a prefix of it ("operator").
	Command string
	// Object matches one object the entry touched ("operator:alice").
	Object  string
	Outcome string
	// After selects entries with a greater sequence number.
	After int64
	// Limit keeps the last Limit matching entries; 0 keeps all.
	Limit int
}

// auditBounds is what AuditLog reads before it builds the listing: the
// command paths --command stands for, and the sequence numbers that bound
// --since and --until.
type auditBounds struct {
	// commands are the stored command paths that equal Command or start
	// with it and a space, in order.
	commands []string
	// lo and hi bound seq (inclusive); 0 does not bound.
	lo, hi int64
}

// auditFirstCommandSQL and auditNextCommandSQL find the first and the next
// stored command path in a range, each one seek in the command index:
// repeated, they list the distinct paths of a group without reading the
// group's entries.
const (
	auditFirstCommandSQL = `SELECT command FROM audit_log WHERE command >= $1 AND command < $2 ORDER BY command LIMIT 1`
	auditNextCommandSQL  = `SELECT command FROM audit_log WHERE command > $1 AND command < $2 ORDER BY command LIMIT 1`
)

// auditBounds reads the command paths and the sequence bounds of f; ok is
// false when nothing can match.
func (t *txn) auditBounds(f AuditFilter) (b auditBounds, ok bool, err error) {
	if f.Command != "" {
		// "operator" stands for "operator" and every "operator ..."; the
		// range [c, c+"!") holds them and nothing else but c followed by a
		// control character, which the check below leaves out.
		q, last, end := auditFirstCommandSQL, f.Command, f.Command+"!"
		for {
			var c string
			err := t.tx.QueryRowContext(t.ctx, q, last, end).Scan(&c)
			if errors.Is(err, sql.ErrNoRows) {
				break
			} else if err != nil {
				return b, false, err
			}
			if c == f.Command || strings.HasPrefix(c, f.Command+" ") {
				b.commands = append(b.commands, c)
			}
			q, last = auditNextCommandSQL, c
		}
		if len(b.commands) == 0 {
			return b, false, nil
		}
	}
	// Times are filtered exactly on at, and also bounded on seq, so a time
	// window never scans the whole log: every entry at or after Since has a
	// seq at or above the smallest such seq. The bounds are read once here
	// rather than in each part of the listing. Reading one costs a walk
	// from one end of the log to the window, so it is skipped when no entry
	// has the operator or command at all (one seek per part).
	if (!f.Since.IsZero() || !f.Until.IsZero()) && (f.Operator != "" || f.Command != "") {
		q, args := AuditFilter{Operator: f.Operator, Command: f.Command, Limit: 1}.query(b)
		var seq int64
		err := t.tx.QueryRowContext(t.ctx, "SELECT seq FROM ("+q+") AS probe", args...).Scan(&seq)
		if errors.Is(err, sql.ErrNoRows) {
			return b, false, nil
		} else if err != nil {
			return b, false, err
		}
	}
	var n sql.NullInt64
	if !f.Since.IsZero() {
		if err := t.tx.QueryRowContext(t.ctx, `SELECT min(seq) FROM audit_log WHERE at >= $1`, audit.FormatTime(f.Since)).Scan(&n); err != nil || !n.Valid {
			return b, false, err
		}
		b.lo = n.Int64
	}
	if !f.Until.IsZero() {
		if err := t.tx.QueryRowContext(t.ctx, `SELECT max(seq) FROM audit_log WHERE at < $1`, audit.FormatTime(f.Until)).Scan(&n); err != nil || !n.Valid {
			return b, false, err
		}
		b.hi = n.Int64
	}
	return b, true, nil
}

// query builds the listing as a UNION ALL of parts that each follow one
// index in seq order: one part per operator column (the effective
// operator, and the real one where it differs, written as the condition of
// the partial index of such entries) and per command path. An OR
// of the same conditions would make the planner collect every match from
// several indexes and sort them all before taking the last Limit (a
// minute and a half at 10 M entries); the union's parts are merged in
// order, so the listing reads about Limit entries per part and streams
// without a limit. The parts are disjoint, so the union is the OR.
func (f AuditFilter) query(b auditBounds) (string, []any) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	from, seq := "audit_log", "audit_log.seq"
	if f.Object != "" {
		// Ordering by o.seq follows the (object, seq) index: no sort.
		from, seq = "audit_objects o JOIN audit_log ON audit_log.seq = o.seq", "o.seq"
		where = append(where, "o.object = "+arg(f.Object))
	}
	if !f.Since.IsZero() {
		where = append(where, "at >= "+arg(audit.FormatTime(f.Since)))
	}
	if !f.Until.IsZero() {
		where = append(where, "at < "+arg(audit.FormatTime(f.Until)))
	}
	if f.Outcome != "" {
		where = append(where, "outcome = "+arg(f.Outcome))
	}
	// One bound on each side of seq, --after folded into --since's. With
	// both, and a part that seeks operator and command together, the far
	// bound (in the order the part is read) is written so that no index
	// can use it: given a range on seq, the planner otherwise prefers the
	// command index alone, and walks every entry of the command looking
	// for the operator. The part still stops at Limit entries.
	lo, hi := b.lo, b.hi
	if f.After > 0 {
		lo = max(lo, f.After+1)
	}
	far := func(s string) string { return s }
	if f.Operator != "" && len(b.commands) > 0 && lo > 0 && hi > 0 {
		far = func(s string) string { return s + " + 0" }
	}
	if lo > 0 {
		if f.Limit > 0 {
			where = append(where, far(seq)+" >= "+arg(lo))
		} else {
			where = append(where, seq+" >= "+arg(lo))
		}
	}
	if hi > 0 {
		if f.Limit > 0 {
			where = append(where, seq+" <= "+arg(hi))
		} else {
			where = append(where, far(seq)+" <= "+arg(hi))
		}
	}
	parts := []string{""}
	if f.Operator != "" {
		p := arg(f.Operator)
		parts = []string{"operator = " + p, "real_operator = " + p + " AND real_operator <> operator"}
	}
	if len(b.commands) > 0 {
		var cross []string
		for _, c := range b.commands {
			p := arg(c)
			for _, part := range parts {
				if part != "" {
					part += " AND "
				}
				cross = append(cross, part+"command = "+p)
			}
		}
		parts = cross
	}
	cols := seq + " AS seq, audit_log." + strings.ReplaceAll(strings.TrimPrefix(auditColumns, "seq, "), ", ", ", audit_log.")
	selects := make([]string, len(parts))
	for i, part := range parts {
		w := where
		if part != "" {
			w = append(w[:len(w):len(w)], part)
		}
		selects[i] = "SELECT " + cols + " FROM " + from
		if len(w) > 0 {
			selects[i] += " WHERE " + strings.Join(w, " AND ")
		}
	}
	q := strings.Join(selects, " UNION ALL ")
	if f.Limit > 0 {
		return "SELECT * FROM (" + q + " ORDER BY seq DESC LIMIT " + arg(f.Limit) + ") AS last ORDER BY seq", args
	}
	return q + " ORDER BY seq", args
}

// AuditLog streams the entries matching f in sequence order.
func (t *txn) AuditLog(f AuditFilter, fn func(*audit.Entry) error) error {
	b, ok, err := t.auditBounds(f)
	if err != nil || !ok {
		return err
	}
	q, args := f.query(b)
	rows, err := t.tx.QueryContext(t.ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var e audit.Entry
	for rows.Next() {
		if err := scanEntry(rows, &e); err != nil {
			return err
		}
		if err := fn(&e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// AuditHead returns the last entry, or a zero entry with GenesisHash when
// the log is empty.
func (t *txn) AuditHead() (audit.Entry, error) {
	var e audit.Entry
	err := scanEntry(t.tx.QueryRowContext(t.ctx, `SELECT `+auditColumns+` FROM audit_log ORDER BY seq DESC LIMIT 1`), &e)
	if errors.Is(err, sql.ErrNoRows) {
		return audit.Entry{Hash: audit.GenesisHash}, nil
	}
	return e, err
}

// ListenAudit returns a wait for new entries, for audit export --follow:
// on PostgreSQL it returns as soon as a commit appends one (or after at
// most max), on SQLite after max.
func (s *sqlStore) ListenAudit(ctx context.Context) (wait func(ctx context.Context, max time.Duration) error, stop func(), err error) {
	return s.d.listen(ctx, s)
}

// TailAudit streams the entries after seq in a read transaction of its
// own, outside the pipeline; `audit export --follow` polls with it after its
// one recorded invocation. It returns the last sequence number seen.
func (s *sqlStore) TailAudit(ctx context.Context, after int64, fn func(*audit.Entry) error) (int64, error) {
	tx, err := s.db.BeginTx(ctx, s.d.readOptions())
	if err != nil {
		return after, translate(err)
	}
	defer tx.Rollback()
	t := &txn{ctx: ctx, tx: tx, store: s}
	last := after
	err = t.AuditLog(AuditFilter{After: after}, func(e *audit.Entry) error {
		last = e.Seq
		return fn(e)
	})
	return last, translate(err)
}
