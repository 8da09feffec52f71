package store

import (
	"context"
	"database/sql"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/custos-dev/custos/internal/audit"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/procs"
)

// indexChunk is the number of audit_objects rows one worker digests at a
// time, by the engine's row number: the table is keyed by (object, seq),
// so ranges of row numbers are the one way to split it that costs no sort.
var indexChunk int64 = 1 << 17

// verifyObjects checks the object index against want, the digests of the
// objects named by the entries of each verify segment (entries 1 to head,
// already found intact). Every row is read once, in chunks of row numbers
// digested in parallel by the dialect's checkIndexChunk into the segment of its
// entry; only a segment whose digest differs is then compared row by row
// to name the first entry whose rows are wrong.
func (s *sqlStore) verifyObjects(ctx context.Context, key *audit.ObjectKey, head int64, want []audit.ObjectDigest) error {
	var rows int64
	for i := range want {
		rows += want[i].N
	}
	db, err := s.d.verifyDB(s, true)
	if err != nil {
		return err
	}
	defer db.Close()
	n, span, err := s.d.indexSplit(ctx, db, rows)
	if err != nil {
		return err
	}
	workers := min(procs.All(), 8, int(n))
	db.SetMaxOpenConns(workers)

	got := make([]audit.ObjectDigest, len(want))
	var stray strayRows
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	chunks := make(chan int64)
	for range workers {
		wg.Go(func() {
			for i := range chunks {
				// The first and last chunks are open-ended, so a row
				// numbered outside 1..rows is still read.
				lo, hi := i*span+1, (i+1)*span
				if i == 0 {
					lo = math.MinInt64
				}
				if i == n-1 {
					hi = math.MaxInt64
				}
				c, err := s.d.checkIndexChunk(ctx, db, key, head, len(want), lo, hi)
				mu.Lock()
				if err != nil && first == nil {
					first = err
				}
				if err == nil {
					for b := range got {
						got[b].Merge(&c.buckets[b])
					}
					stray.merge(&c.stray)
				}
				mu.Unlock()
			}
		})
	}
	for i := range n {
		chunks <- i
	}
	close(chunks)
	wg.Wait()
	if first != nil {
		return first
	}

	// Rows for entries after head may be a command committing meanwhile;
	// they are stray only when they name an entry that still does not
	// exist, now that every row read has committed.
	if stray.beyond != nil {
		var now int64
		if err := db.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM audit_log`).Scan(&now); err != nil {
			return translate(err)
		}
		if stray.beyond.seq <= now {
			stray.beyond = nil
		}
	}
	if r := stray.below; r != nil {
		return r.err()
	}
	for b := range want {
		if !got[b].Equal(&want[b]) {
			lo := int64(b)*verifySegment + 1
			return locateIndexBreak(ctx, db, lo, min(lo+verifySegment-1, head))
		}
	}
	if r := stray.beyond; r != nil {
		return r.err()
	}
	return nil
}

// strayRow is an index row that names no entry of the chain.
type strayRow struct {
	seq    int64
	object string
	// bad describes a seq or object of a type custos never stores.
	bad string
}

func (r *strayRow) err() error {
	if r.bad != "" {
		return errs.Integrityf("audit log broken: the object index has a row (%q) whose %s", r.object, r.bad)
	}
	return errs.Integrityf("audit log broken: the object index has a row (%q) for entry %d, which is not in the log", r.object, r.seq)
}

// strayRows keeps the lowest row below the chain (or of a wrong type) and
// the highest above its head.
type strayRows struct{ below, beyond *strayRow }

func (s *strayRows) merge(o *strayRows) {
	if o.below != nil && (s.below == nil || o.below.seq < s.below.seq) {
		s.below = o.below
	}
	if o.beyond != nil && (s.beyond == nil || o.beyond.seq > s.beyond.seq) {
		s.beyond = o.beyond
	}
}

// locateIndexBreak compares the index rows of entries lo to hi with the
// objects those entries name, and names the first entry that differs.
func locateIndexBreak(ctx context.Context, db *sql.DB, lo, hi int64) error {
	named := map[int64]map[string]int{}
	indexed := map[int64]map[string]int{}
	add := func(m map[int64]map[string]int, seq int64, o string) {
		if m[seq] == nil {
			m[seq] = map[string]int{}
		}
		m[seq][o]++
	}
	rows, err := db.QueryContext(ctx, `SELECT seq, objects FROM audit_log WHERE seq BETWEEN $1 AND $2`, lo, hi)
	if err != nil {
		return translate(err)
	}
	for rows.Next() {
		var seq int64
		var objects string
		if err := rows.Scan(&seq, &objects); err != nil {
			rows.Close()
			return translate(err)
		}
		audit.EachObject(objects, func(o string) { add(named, seq, o) })
	}
	if err := rows.Close(); err != nil {
		return translate(err)
	}
	rows, err = db.QueryContext(ctx, `SELECT seq, object FROM audit_objects WHERE seq BETWEEN $1 AND $2`, lo, hi)
	if err != nil {
		return translate(err)
	}
	for rows.Next() {
		var seq int64
		var object string
		if err := rows.Scan(&seq, &object); err != nil {
			rows.Close()
			return translate(err)
		}
		add(indexed, seq, object)
	}
	if err := rows.Close(); err != nil {
		return translate(err)
	}
	for seq := lo; seq <= hi; seq++ {
		for _, o := range sortedKeys(named[seq]) {
			if indexed[seq][o] < named[seq][o] {
				return errs.Integrityf("audit log broken at entry %d: the object index lacks %q, which the entry names (a row deleted or repointed)", seq, o)
			}
		}
		for _, o := range sortedKeys(indexed[seq]) {
			switch k := indexed[seq][o]; {
			case named[seq][o] == 0:
				return errs.Integrityf("audit log broken at entry %d: the object index lists %q, which the entry does not name (a row added or repointed)", seq, o)
			case k > named[seq][o]:
				return errs.Integrityf("audit log broken at entry %d: the object index lists %q %d times", seq, o, k)
			}
		}
	}
	// Equal rows with different digests: only a row the digest read
	// differently from the query above, which no honest store has.
	return errs.Integrityf("audit log broken between entries %d and %d: the object index does not match the entries", lo, hi)
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func normaliseSQL(s string) string { return strings.Join(strings.Fields(s), " ") }

// verifyTriggers checks that the triggers that make the log append-only
// (and any other the migrations create) are in the store as created:
// someone with the file can drop one, or replace it by one that lets
// everything through, and the chain would not show it until they use it.
func (t *txn) verifyTriggers() error {
	want, err := t.store.d.wantTriggers()
	if err != nil {
		return err
	}
	have, err := t.store.d.triggers(t.ctx, t.tx)
	if err != nil {
		return translate(err)
	}
	for name, def := range have {
		have[name] = normaliseSQL(def)
	}
	names := make([]string, 0, len(want))
	for name := range want {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		def, ok := have[name]
		switch {
		case !ok:
			return errs.Integrityf("audit log unprotected: the append-only trigger %s is missing", name)
		case def != want[name]:
			return errs.Integrityf("audit log unprotected: the append-only trigger %s was changed", name)
		}
	}
	return nil
}
