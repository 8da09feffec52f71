package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"modernc.org/sqlite"

	"github.com/custos-dev/custos/internal/audit"
)

// registerSegmentFunc makes custos_audit_segment known to the connections
// opened after it; only audit verify needs it, so other commands do not
// pay for it.
var registerSegmentFunc = sync.OnceFunc(func() {
	sqlite.MustRegisterFunction("custos_audit_segment", &sqlite.FunctionImpl{
		NArgs:         15,
		MakeAggregate: func(sqlite.FunctionContext) (sqlite.AggregateFunction, error) { return &segmentAgg{}, nil },
		VolatileArgs:  true,
	})
	sqlite.MustRegisterFunction("custos_audit_index", &sqlite.FunctionImpl{
		NArgs:         3,
		MakeAggregate: func(sqlite.FunctionContext) (sqlite.AggregateFunction, error) { return &indexAgg{}, nil },
		VolatileArgs:  true,
	})
})

// segments hands each running custos_audit_segment (or
// custos_audit_index) its state, by the token passed as its first
// argument.
var (
	segments  sync.Map // int64 → *segmentCheck or *indexCheck
	segmentID atomic.Int64
)

type segmentCheck struct {
	v   *audit.Verifier
	err error
	// key and objects digest the objects of the entries checked.
	key     *audit.ObjectKey
	objects audit.ObjectDigest
	buf     []byte
}

func (sqliteDialect) checkSegment(ctx context.Context, db *sql.DB, key *audit.ObjectKey, seg *audit.Verifier, lo, hi int64) (*audit.Verifier, audit.ObjectDigest, error) {
	id := segmentID.Add(1)
	c := &segmentCheck{v: seg, key: key}
	segments.Store(id, c)
	defer segments.Delete(id)
	var ignored any
	err := db.QueryRowContext(ctx, `SELECT custos_audit_segment($1, `+auditColumns+`) FROM audit_log WHERE seq BETWEEN $2 AND $3`, id, lo, hi).Scan(&ignored)
	if err != nil {
		return c.v, c.objects, translate(err)
	}
	return c.v, c.objects, c.err
}

// segmentAgg is custos_audit_segment: it checks each row it is given with
// its segment's verifier, and stops checking at the first break.
type segmentAgg struct {
	c *segmentCheck
	e audit.Entry
}

func (a *segmentAgg) Step(_ *sqlite.FunctionContext, args []driver.Value) error {
	if a.c == nil {
		id, _ := args[0].(int64)
		c, ok := segments.Load(id)
		if !ok {
			return errUnknownSegment
		}
		a.c = c.(*segmentCheck)
	}
	if a.c.err != nil {
		return nil
	}
	e := &a.e
	ok := true
	ints := func(v driver.Value) int64 {
		switch v := v.(type) {
		case int64:
			return v
		case string:
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				return n
			}
		}
		ok = false
		return 0
	}
	text := func(v driver.Value) string {
		switch v := v.(type) {
		case string:
			return v
		case int64:
			return strconv.FormatInt(v, 10)
		case []byte:
			return string(v)
		}
		ok = false
		return ""
	}
	e.Seq, e.At, e.RealOperator, e.Operator, e.Host = ints(args[1]), text(args[2]), text(args[3]), text(args[4]), text(args[5])
	e.PID, e.Command, e.Args, e.Outcome = ints(args[6]), text(args[7]), text(args[8]), text(args[9])
	e.ExitCode, e.Error, e.Objects, e.PrevHash, e.Hash = ints(args[10]), text(args[11]), text(args[12]), text(args[13]), text(args[14])
	if !ok {
		// A value of a type custos never stores (a NULL, a real, text in
		// an integer column) cannot be what was hashed.
		a.c.err = audit.Edited(e.Seq)
		return nil
	}
	if a.c.err = a.c.v.Check(e); a.c.err == nil {
		c, seq := a.c, e.Seq
		audit.EachObject(e.Objects, func(o string) { c.buf = c.objects.Add(c.key, c.buf, seq, o) })
	}
	return nil
}

func (a *segmentAgg) WindowInverse(*sqlite.FunctionContext, []driver.Value) error { return nil }

func (a *segmentAgg) WindowValue(*sqlite.FunctionContext) (driver.Value, error) { return nil, nil }

func (a *segmentAgg) Final(*sqlite.FunctionContext) {}

var errUnknownSegment = errors.New("custos_audit_segment: unknown segment")

// verifyDSN is the connection string of the verification workers: the
// store's own, read-only.
func (s *sqlStore) verifyDSN() string {
	if s.readOnly {
		return s.dsn()
	}
	return dsn(s.path, s.opts.BusyTimeout, false) + "&_pragma=query_only(1)"
}

type indexCheck struct {
	key     *audit.ObjectKey
	head    int64
	buckets []audit.ObjectDigest
	stray   strayRows
	buf     []byte
}

func (sqliteDialect) checkIndexChunk(ctx context.Context, db *sql.DB, key *audit.ObjectKey, head int64, nseg int, lo, hi int64) (*indexCheck, error) {
	id := segmentID.Add(1)
	c := &indexCheck{key: key, head: head, buckets: make([]audit.ObjectDigest, nseg)}
	segments.Store(id, c)
	defer segments.Delete(id)
	var ignored any
	err := db.QueryRowContext(ctx, `SELECT custos_audit_index($1, seq, object) FROM audit_objects WHERE rowid BETWEEN $2 AND $3`, id, lo, hi).Scan(&ignored)
	return c, translate(err)
}

// indexAgg is custos_audit_index: it adds each row it is given to the
// digest of its entry's segment, or notes it as stray.
type indexAgg struct{ c *indexCheck }

func (a *indexAgg) Step(_ *sqlite.FunctionContext, args []driver.Value) error {
	if a.c == nil {
		id, _ := args[0].(int64)
		c, ok := segments.Load(id)
		if !ok {
			return errUnknownSegment
		}
		a.c = c.(*indexCheck)
	}
	c := a.c
	// The arguments are volatile (they point into SQLite's memory), so a
	// string kept beyond this call is copied.
	object, ok := args[2].(string)
	seq, isInt := args[1].(int64)
	switch {
	case !ok:
		c.stray.merge(&strayRows{below: &strayRow{seq: math.MinInt64, object: fmt.Sprint(args[2]), bad: "object is not text"}})
	case !isInt:
		c.stray.merge(&strayRows{below: &strayRow{seq: math.MinInt64, object: strings.Clone(object), bad: fmt.Sprintf("entry %v is not a sequence number", args[1])}})
	case seq < 1:
		c.stray.merge(&strayRows{below: &strayRow{seq: seq, object: strings.Clone(object)}})
	case seq > c.head:
		c.stray.merge(&strayRows{beyond: &strayRow{seq: seq, object: strings.Clone(object)}})
	default:
		c.buf = c.buckets[(seq-1)/verifySegment].Add(c.key, c.buf, seq, object)
	}
	return nil
}

func (a *indexAgg) WindowInverse(*sqlite.FunctionContext, []driver.Value) error { return nil }

func (a *indexAgg) WindowValue(*sqlite.FunctionContext) (driver.Value, error) { return nil, nil }

func (a *indexAgg) Final(*sqlite.FunctionContext) {}

// verifyDB opens the pool of the verification workers, with the
// aggregates registered: for the chain, the store's own connection string,
// read-only; for the object index of a writable store, its connection
// string with query_only. A read-only store (an auditor's copy) is read
// through its read-only string for both, so verifying it writes nothing
// beside it and works where its directory cannot be written.
func (sqliteDialect) verifyDB(s *sqlStore, index bool) (*sql.DB, error) {
	registerSegmentFunc()
	if index && !s.readOnly {
		return sql.Open("sqlite", dsn(s.path, s.opts.BusyTimeout, false)+"&_pragma=query_only(1)")
	}
	return sql.Open("sqlite", s.verifyDSN())
}

// triggers reads the triggers' definitions from sqlite_master.
func (sqliteDialect) triggers(ctx context.Context, tx *sql.Tx) (map[string]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'trigger'`)
	if err != nil {
		return nil, err
	}
	have := map[string]string{}
	for rows.Next() {
		var name string
		var def sql.NullString
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return nil, err
		}
		have[name] = def.String
	}
	return have, rows.Close()
}

// sqliteTriggerSQL is the definition of every trigger the migrations create,
// keyed by name, with runs of white space made one space.
var sqliteTriggerSQL = sync.OnceValues(func() (map[string]string, error) {
	steps, err := migrations(builtin)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	re := regexp.MustCompile(`(?is)CREATE\s+TRIGGER\s+(\w+)\b.*?\bEND\b`)
	for _, step := range steps {
		for _, m := range re.FindAllStringSubmatch(step.sql, -1) {
			out[m[1]] = normaliseSQL(m[0])
		}
	}
	return out, nil
})
