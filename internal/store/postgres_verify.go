package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"

	"github.com/custos-dev/custos/internal/audit"
)

// verifyDB: the verification workers connect as the store does, each
// with a connection of its own.
func (d postgresDialect) verifyDB(s *Store, _ bool) (*sql.DB, error) { return d.connect(s) }

// checkSegment streams entries lo to hi and checks them in Go: the
// server sends typed columns, so there is nothing to decode but text.
func (postgresDialect) checkSegment(ctx context.Context, db *sql.DB, key *audit.ObjectKey, v *audit.Verifier, lo, hi int64) (*audit.Verifier, audit.ObjectDigest, error) {
	var objects audit.ObjectDigest
	rows, err := db.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE seq BETWEEN $1 AND $2 ORDER BY seq`, lo, hi)
	if err != nil {
		return v, objects, translate(err)
	}
	defer rows.Close()
	var e audit.Entry
	var buf []byte
	for rows.Next() {
		if err := rows.Scan(&e.Seq, &e.At, &e.RealOperator, &e.Operator, &e.Host, &e.PID, &e.Command, &e.Args,
			&e.Outcome, &e.ExitCode, &e.Error, &e.Objects, &e.PrevHash, &e.Hash); err != nil {
			return v, objects, translate(err)
		}
		if err := v.Check(&e); err != nil {
			return v, objects, err
		}
		seq := e.Seq
		audit.EachObject(e.Objects, func(o string) { buf = objects.Add(key, buf, seq, o) })
	}
	return v, objects, translate(rows.Err())
}

// pgIndexPages is the number of heap pages of audit_objects one worker
// digests at a time: about 150,000 rows.
const pgIndexPages = 1024

// indexSplit splits audit_objects by heap page (ctid), the one order of
// its rows that costs no sort: n chunks of span pages.
func (postgresDialect) indexSplit(ctx context.Context, db *sql.DB, _ int64) (int64, int64, error) {
	var pages int64
	err := db.QueryRowContext(ctx, `SELECT pg_relation_size('audit_objects') / current_setting('block_size')::bigint`).Scan(&pages)
	if err != nil {
		return 0, 0, translate(err)
	}
	return max(1, (pages+pgIndexPages-1)/pgIndexPages), pgIndexPages, nil
}

// checkIndexChunk digests the rows of audit_objects on heap pages lo to
// hi (open-ended at math.MinInt64 and math.MaxInt64).
func (postgresDialect) checkIndexChunk(ctx context.Context, db *sql.DB, key *audit.ObjectKey, head int64, nseg int, lo, hi int64) (*indexCheck, error) {
	c := &indexCheck{key: key, head: head, buckets: make([]audit.ObjectDigest, nseg)}
	var where []string
	if lo != math.MinInt64 {
		where = append(where, fmt.Sprintf("ctid >= '(%d,0)'::tid", lo-1))
	}
	if hi != math.MaxInt64 {
		where = append(where, fmt.Sprintf("ctid < '(%d,0)'::tid", hi))
	}
	q := `SELECT seq, object FROM audit_objects`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		var object string
		if err := rows.Scan(&seq, &object); err != nil {
			return nil, translate(err)
		}
		switch {
		case seq < 1:
			c.stray.merge(&strayRows{below: &strayRow{seq: seq, object: object}})
		case seq > c.head:
			c.stray.merge(&strayRows{beyond: &strayRow{seq: seq, object: object}})
		default:
			c.buf = c.buckets[(seq-1)/verifySegment].Add(c.key, c.buf, seq, object)
		}
	}
	return c, translate(rows.Err())
}

// pgTriggers are the triggers that protect the log and the state each
// must be in: on its table, before the statement named, enabled always
// ("A"), calling its function.
var pgTriggers = map[string]string{
	"audit_log_no_update":       "audit_log BEFORE UPDATE ROW A custos_append_only",
	"audit_log_no_delete":       "audit_log BEFORE DELETE ROW A custos_append_only",
	"audit_log_no_truncate":     "audit_log BEFORE TRUNCATE STATEMENT A custos_append_only",
	"audit_objects_no_update":   "audit_objects BEFORE UPDATE ROW A custos_append_only",
	"audit_objects_no_delete":   "audit_objects BEFORE DELETE ROW A custos_append_only",
	"audit_objects_no_truncate": "audit_objects BEFORE TRUNCATE STATEMENT A custos_append_only",
	"audit_log_identity":        "audit_log BEFORE INSERT ROW A custos_audit_identity",
}

// pgTriggerBodies are the bodies of the triggers' functions as created,
// white space made single spaces.
var pgTriggerBodies = map[string]string{
	"custos_append_only": "BEGIN RAISE EXCEPTION 'custos: the audit log is append-only' USING ERRCODE = '42501'; END",
	"custos_audit_identity": "BEGIN IF NEW.real_operator <> session_user AND NOT pg_has_role(session_user, 'custos_owner', 'MEMBER') THEN " +
		"RAISE EXCEPTION 'custos: an audit entry of role % may not name % as its operator', session_user, NEW.real_operator USING ERRCODE = '42501'; END IF; RETURN NEW; END",
}

func (postgresDialect) wantTriggers() (map[string]string, error) { return pgTriggers, nil }

// triggers describes each trigger on the store's tables the way
// pgTriggers does; one whose function is not as created is described as
// changed.
func (postgresDialect) triggers(ctx context.Context, tx *sql.Tx) (map[string]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT t.tgname, c.relname, t.tgtype, t.tgenabled, p.proname, p.prosrc
		FROM pg_trigger t
		JOIN pg_class c ON c.oid = t.tgrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_proc p ON p.oid = t.tgfoid
		WHERE n.nspname = $1 AND NOT t.tgisinternal`, pgSchema)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	have := map[string]string{}
	for rows.Next() {
		var name, table, enabled, fn, body string
		var typ int16
		if err := rows.Scan(&name, &table, &typ, &enabled, &fn, &body); err != nil {
			return nil, err
		}
		// tgtype's bits: 1 row, 2 before, 4 insert, 8 delete, 16 update, 32 truncate.
		var when, event, level = "AFTER", "", "STATEMENT"
		if typ&2 != 0 {
			when = "BEFORE"
		}
		if typ&1 != 0 {
			level = "ROW"
		}
		var events []string
		for _, ev := range []struct {
			bit  int16
			name string
		}{{4, "INSERT"}, {8, "DELETE"}, {16, "UPDATE"}, {32, "TRUNCATE"}} {
			if typ&ev.bit != 0 {
				events = append(events, ev.name)
			}
		}
		event = strings.Join(events, " OR ")
		def := strings.Join([]string{table, when, event, level, enabled, fn}, " ")
		if want, ok := pgTriggerBodies[fn]; !ok || normaliseSQL(body) != want {
			def += " (function changed)"
		}
		have[name] = def
	}
	return have, rows.Err()
}
