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

func (f AuditFilter) query() (string, []any) {
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
	// Times are filtered exactly on at, and also bounded on seq through the
	// at index, so a time window never scans the whole log: every entry at
	// or after Since has a seq at or above the smallest such seq.
	if !f.Since.IsZero() {
		p := arg(audit.FormatTime(f.Since))
		where = append(where, "at >= "+p, seq+" >= (SELECT min(seq) FROM audit_log WHERE at >= "+p+")")
	}
	if !f.Until.IsZero() {
		p := arg(audit.FormatTime(f.Until))
		where = append(where, "at < "+p, seq+" <= (SELECT max(seq) FROM audit_log WHERE at < "+p+")")
	}
	if f.Operator != "" {
		p := arg(f.Operator)
		where = append(where, "(operator = "+p+" OR real_operator = "+p+")")
	}
	if f.Command != "" {
		// A command or its group: "operator" matches "operator add". The
		// range is LIKE 'operator %' in a form the command index serves.
		where = append(where, "(command = "+arg(f.Command)+" OR (command >= "+arg(f.Command+" ")+" AND command < "+arg(f.Command+"!")+"))")
	}
	if f.Outcome != "" {
		where = append(where, "outcome = "+arg(f.Outcome))
	}
	if f.After > 0 {
		where = append(where, seq+" > "+arg(f.After))
	}
	cols := "audit_log." + strings.ReplaceAll(auditColumns, ", ", ", audit_log.")
	q := "SELECT " + cols + " FROM " + from
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	if f.Limit > 0 {
		q = "SELECT * FROM (" + q + " ORDER BY " + seq + " DESC LIMIT " + arg(f.Limit) + ") AS last ORDER BY seq"
	} else {
		q += " ORDER BY " + seq
	}
	return q, args
}

// AuditLog streams the entries matching f in sequence order.
func (t *Tx) AuditLog(f AuditFilter, fn func(*audit.Entry) error) error {
	q, args := f.query()
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
func (t *Tx) AuditHead() (audit.Entry, error) {
	var e audit.Entry
	err := scanEntry(t.tx.QueryRowContext(t.ctx, `SELECT `+auditColumns+` FROM audit_log ORDER BY seq DESC LIMIT 1`), &e)
	if errors.Is(err, sql.ErrNoRows) {
		return audit.Entry{Hash: audit.GenesisHash}, nil
	}
	return e, err
}

// TailAudit streams the entries after seq in a read transaction of its
// own, outside the pipeline; `audit export --follow` polls with it after its
// one recorded invocation. It returns the last sequence number seen.
func (s *Store) TailAudit(ctx context.Context, after int64, fn func(*audit.Entry) error) (int64, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return after, translate(err)
	}
	defer tx.Rollback()
	t := &Tx{ctx: ctx, tx: tx, store: s}
	last := after
	err = t.AuditLog(AuditFilter{After: after}, func(e *audit.Entry) error {
		last = e.Seq
		return fn(e)
	})
	return last, translate(err)
}
