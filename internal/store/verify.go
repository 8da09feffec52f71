package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"math"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"

	"modernc.org/sqlite"

	"github.com/custos-dev/custos/internal/audit"
)

// verifySegment is the number of entries one worker checks at a time. At
// about a million entries a second per core, a segment takes a few tens
// of milliseconds, so the progress bar moves smoothly and a break late in
// the log does not leave the earlier segments waiting.
var verifySegment int64 = 1 << 16

// VerifyAudit re-computes the whole chain up to the head, calling progress
// with the number of entries checked and the head's sequence number. It
// returns the verifier (whose Head is the last good entry) and the first
// break, as an Integrity error naming the entry. A checkpoint, when given,
// must name an entry still in the chain with the same hash.
//
// The log is split into segments checked in parallel, each on a read
// connection of its own, and the seams between them are checked in order
// afterwards (audit.Verifier.Join). Each segment is checked inside
// SQLite's scan by the aggregate function custos_audit_segment, which
// reads every column straight from the row: row by row through
// database/sql, decoding the columns cost three times what hashing them
// does. The entries are append-only, so every connection's snapshot holds
// the same entries up to the head read here.
func (t *Tx) VerifyAudit(cp *audit.Checkpoint, progress func(done, total int64)) (*audit.Verifier, error) {
	head, err := t.AuditHead()
	if err != nil {
		return nil, err
	}
	v := audit.NewVerifier()
	key := audit.NewObjectKey()
	var objects []audit.ObjectDigest
	if head.Seq > 0 {
		if objects, err = t.store.verifySegments(t.ctx, v, key, head.Seq, progress); err != nil {
			return v, err
		}
	}
	if last, _ := v.Head(); last != head.Seq {
		return v, audit.Broken(last+1, head.Seq)
	}
	if cp != nil {
		var atCheckpoint string
		if cp.Seq > 0 && cp.Seq <= head.Seq {
			if err := t.tx.QueryRowContext(t.ctx, `SELECT hash FROM audit_log WHERE seq = $1`, cp.Seq).Scan(&atCheckpoint); err != nil && err != sql.ErrNoRows {
				return v, err
			}
		}
		if err := cp.CheckAgainst(head.Seq, atCheckpoint); err != nil {
			return v, err
		}
	}
	// The chain is intact: now what it does not cover by itself, the
	// object index (a copy of the hashed objects) and the triggers.
	if err := t.store.verifyObjects(t.ctx, key, head.Seq, objects); err != nil {
		return v, err
	}
	return v, t.verifyTriggers()
}

type segmentResult struct {
	i       int
	v       *audit.Verifier
	objects audit.ObjectDigest
	err     error
}

// verifySegments checks entries 1 to head into v, and returns the digest
// of the objects each segment's entries name (see audit.ObjectDigest).
func (s *Store) verifySegments(ctx context.Context, v *audit.Verifier, key *audit.ObjectKey, head int64, progress func(done, total int64)) ([]audit.ObjectDigest, error) {
	registerSegmentFunc()
	n := int((head + verifySegment - 1) / verifySegment)
	workers := min(runtime.GOMAXPROCS(0), 8, n)
	db, err := sql.Open("sqlite", s.verifyDSN())
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(workers)
	objects := make([]audit.ObjectDigest, n)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := atomic.Int64{}
	results := make(chan segmentResult, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				// The first segment has no lower bound: an entry numbered
				// 0 or below was never in the chain and must show.
				lo := int64(i)*verifySegment + 1
				hi := min(lo+verifySegment-1, head)
				if i == 0 {
					lo = math.MinInt64
				}
				seg, objs, err := checkSegment(ctx, db, key, lo, hi)
				results <- segmentResult{i, seg, objs, err}
			}
		})
	}
	go func() { wg.Wait(); close(results) }()

	// Join the segments in order as they arrive; a break ends the check
	// once every segment before it has joined.
	pending := make(map[int]segmentResult)
	joined := 0
	var first error
	for r := range results {
		pending[r.i] = r
		for first == nil {
			r, ok := pending[joined]
			if !ok {
				break
			}
			delete(pending, joined)
			objects[joined] = r.objects
			joined++
			if err := v.Join(r.v, r.err); err != nil {
				first = err
				cancel()
			}
		}
		if progress != nil && first == nil {
			progress(v.Count, head)
		}
	}
	if first != nil {
		return nil, first
	}
	if joined < n {
		return nil, translate(context.Cause(ctx))
	}
	return objects, nil
}

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

func checkSegment(ctx context.Context, db *sql.DB, key *audit.ObjectKey, lo, hi int64) (*audit.Verifier, audit.ObjectDigest, error) {
	id := segmentID.Add(1)
	c := &segmentCheck{v: audit.NewSegment(), key: key}
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
func (a *segmentAgg) WindowValue(*sqlite.FunctionContext) (driver.Value, error)   { return nil, nil }
func (a *segmentAgg) Final(*sqlite.FunctionContext)                               {}

var errUnknownSegment = errors.New("custos_audit_segment: unknown segment")

// verifyDSN is the connection string of the verification workers: the
// store's own, read-only.
func (s *Store) verifyDSN() string {
	if s.readOnly {
		return s.dsn()
	}
	return dsn(s.path, s.opts.BusyTimeout, false) + "&_pragma=query_only(1)"
}
