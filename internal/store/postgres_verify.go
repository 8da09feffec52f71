package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"unsafe"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/custos-dev/custos/internal/audit"
	"github.com/custos-dev/custos/internal/errs"
)

// verifyDB: the verification workers connect as the store does, each
// with a connection of its own.
func (d postgresDialect) verifyDB(s *sqlStore, _ bool) (*sql.DB, error) { return d.connect(s) }

// checkSegment streams entries lo to hi into the segment verifier v and
// checks them in Go, reading the rows through pgconn under database/sql
// (see pgRows): through database/sql, copying and converting the 14
// columns of each row cost twice what hashing the entry does.
func (postgresDialect) checkSegment(ctx context.Context, db *sql.DB, key *audit.ObjectKey, v *audit.Verifier, lo, hi int64) (*audit.Verifier, audit.ObjectDigest, error) {
	var objects audit.ObjectDigest
	var buf []byte
	var e audit.Entry
	err := pgRows(ctx, db, `SELECT `+auditColumns+` FROM audit_log WHERE seq BETWEEN $1 AND $2 ORDER BY seq`, pgEntryTypes, pgEntryFormats,
		func(row [][]byte) error {
			if !pgEntry(row, &e) {
				// A NULL, which custos never stores: not what was
				// hashed.
				return audit.Edited(e.Seq)
			}
			if err := v.Check(&e); err != nil {
				return err
			}
			audit.EachObject(e.Objects, func(o string) { buf = objects.Add(key, buf, e.Seq, o) })
			return nil
		}, lo, hi)
	return v, objects, err
}

// pgEntryFormats asks for the integer columns of auditColumns (seq, pid,
// exit_code) in binary, eight bytes each, and the text columns as text;
// pgEntryTypes are the types the schema gives them.
var (
	pgEntryFormats = []int16{1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0}
	pgEntryTypes   = []uint32{pgtype.Int8OID, pgtype.TextOID, pgtype.TextOID, pgtype.TextOID, pgtype.TextOID, pgtype.Int8OID, pgtype.TextOID,
		pgtype.TextOID, pgtype.TextOID, pgtype.Int8OID, pgtype.TextOID, pgtype.TextOID, pgtype.TextOID, pgtype.TextOID}
)

// pgEntry fills e from a row of auditColumns in pgEntryFormats. Its
// strings are views of row, valid until the next row is read: the
// verifier keeps no reference to an entry's strings, and the object
// digest copies what it hashes. It reports false for a value custos
// never stores.
func pgEntry(row [][]byte, e *audit.Entry) bool {
	ok := len(row) == 14
	if !ok {
		return false
	}
	ints := func(b []byte) int64 {
		if len(b) != 8 {
			ok = false
			return 0
		}
		return int64(binary.BigEndian.Uint64(b))
	}
	text := func(b []byte) string {
		if b == nil {
			ok = false
		}
		return unsafe.String(unsafe.SliceData(b), len(b))
	}
	e.Seq, e.At, e.RealOperator, e.Operator, e.Host = ints(row[0]), text(row[1]), text(row[2]), text(row[3]), text(row[4])
	e.PID, e.Command, e.Args, e.Outcome = ints(row[5]), text(row[6]), text(row[7]), text(row[8])
	e.ExitCode, e.Error, e.Objects, e.PrevHash, e.Hash = ints(row[9]), text(row[10]), text(row[11]), text(row[12]), text(row[13])
	return ok
}

// pgRows runs query with int8 parameters args on a connection of db,
// calling fn with each row's values in formats, and stops at fn's first
// error. It reads through pgx's pgconn beneath database/sql: each value
// is a view of the connection's read buffer, valid until the next row,
// so nothing is copied or converted that fn does not ask for. A column
// not of the type given in types (someone altered the table: custos
// never does) is a break, since its values are not what was hashed.
func pgRows(ctx context.Context, db *sql.DB, query string, types []uint32, formats []int16, fn func(row [][]byte) error, args ...int64) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return translate(err)
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("not a pgx connection: %T", dc)
		}
		params := make([][]byte, len(args))
		oids := make([]uint32, len(args))
		for i, a := range args {
			params[i], oids[i] = binary.BigEndian.AppendUint64(nil, uint64(a)), pgtype.Int8OID
		}
		rr := sc.Conn().PgConn().ExecParams(ctx, query, params, oids, []int16{1}, formats)
		var ferr error
		for i, f := range rr.FieldDescriptions() {
			if i >= len(types) || f.DataTypeOID != types[i] {
				ferr = errs.Integrityf("audit log broken: the column %s of the log's tables has been given another type", f.Name)
				break
			}
		}
		for ferr == nil && rr.NextRow() {
			ferr = fn(rr.Values())
		}
		// Close reads what is left of the result, at most one segment
		// or chunk.
		if _, err := rr.Close(); ferr == nil {
			ferr = translate(err)
		}
		return ferr
	})
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
// hi (open-ended at math.MinInt64 and math.MaxInt64), read as checkSegment
// reads entries.
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
	err := pgRows(ctx, db, q, []uint32{pgtype.Int8OID, pgtype.TextOID}, []int16{1, 0}, func(row [][]byte) error {
		switch {
		case row[1] == nil:
			c.stray.merge(&strayRows{below: &strayRow{seq: math.MinInt64, bad: "object is NULL"}})
			return nil
		case len(row[0]) != 8:
			c.stray.merge(&strayRows{below: &strayRow{seq: math.MinInt64, object: string(row[1]), bad: "entry is not a sequence number"}})
			return nil
		}
		seq := int64(binary.BigEndian.Uint64(row[0]))
		object := unsafe.String(unsafe.SliceData(row[1]), len(row[1]))
		switch {
		case seq < 1:
			c.stray.merge(&strayRows{below: &strayRow{seq: seq, object: strings.Clone(object)}})
		case seq > c.head:
			c.stray.merge(&strayRows{beyond: &strayRow{seq: seq, object: strings.Clone(object)}})
		default:
			c.buf = c.buckets[(seq-1)/verifySegment].Add(c.key, c.buf, seq, object)
		}
		return nil
	})
	return c, err
}

// pgTriggers are the triggers that protect the log and the state each
// must be in: on its table, before the statement named, enabled always
// ("A"), calling its function.
var pgTriggers = map[string]string{
	"audit_log_no_update":              "audit_log BEFORE UPDATE ROW A custos_append_only",
	"audit_log_no_delete":              "audit_log BEFORE DELETE ROW A custos_append_only",
	"audit_log_no_truncate":            "audit_log BEFORE TRUNCATE STATEMENT A custos_append_only",
	"audit_objects_no_update":          "audit_objects BEFORE UPDATE ROW A custos_append_only",
	"audit_objects_no_delete":          "audit_objects BEFORE DELETE ROW A custos_append_only",
	"audit_objects_no_truncate":        "audit_objects BEFORE TRUNCATE STATEMENT A custos_append_only",
	"audit_log_identity":               "audit_log BEFORE INSERT ROW A custos_audit_identity",
	"audit_tree_no_update":             "audit_tree BEFORE UPDATE ROW A custos_append_only",
	"audit_tree_no_delete":             "audit_tree BEFORE DELETE ROW A custos_append_only",
	"audit_tree_no_truncate":           "audit_tree BEFORE TRUNCATE STATEMENT A custos_append_only",
	"audit_recorded_since_no_update":   "audit_recorded_since BEFORE UPDATE ROW A custos_append_only",
	"audit_recorded_since_no_delete":   "audit_recorded_since BEFORE DELETE ROW A custos_append_only",
	"audit_recorded_since_no_truncate": "audit_recorded_since BEFORE TRUNCATE STATEMENT A custos_append_only",
	"audit_checkpoints_no_update":      "audit_checkpoints BEFORE UPDATE ROW A custos_append_only",
	"audit_checkpoints_no_delete":      "audit_checkpoints BEFORE DELETE ROW A custos_append_only",
	"audit_checkpoints_no_truncate":    "audit_checkpoints BEFORE TRUNCATE STATEMENT A custos_append_only",
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
