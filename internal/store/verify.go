package store

import (
	"context"
	"database/sql"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/custos-dev/custos/internal/audit"
	"github.com/custos-dev/custos/internal/procs"
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
// afterwards (audit.Verifier.Join). Each segment is checked by the
// dialect's checkSegment, inside the engine's scan where it can be: row by
// row through database/sql, decoding the columns cost three times what
// hashing them does. The entries are append-only, so every connection's snapshot holds
// the same entries up to the head read here.
//
// With maxSkew positive, the verifier also lists the entries whose time
// goes back more than maxSkew (see audit.Verifier.MaxSkew).
func (t *txn) VerifyAudit(cp *audit.Checkpoint, maxSkew time.Duration, progress func(done, total int64)) (*audit.Verifier, error) {
	head, err := t.AuditHead()
	if err != nil {
		return nil, err
	}
	v := audit.NewVerifier()
	v.MaxSkew = maxSkew
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
	// object index (a copy of the hashed objects), the triggers, and the
	// Merkle tree (hashes of the entries).
	if err := t.store.verifyObjects(t.ctx, key, head.Seq, objects); err != nil {
		return v, err
	}
	if err := t.verifyTriggers(); err != nil {
		return v, err
	}
	return v, t.verifyTree(v, head.Seq)
}

type segmentResult struct {
	i       int
	v       *audit.Verifier
	objects audit.ObjectDigest
	err     error
}

// verifySegments checks entries 1 to head into v, and returns the digest
// of the objects each segment's entries name (see audit.ObjectDigest).
func (s *sqlStore) verifySegments(ctx context.Context, v *audit.Verifier, key *audit.ObjectKey, head int64, progress func(done, total int64)) ([]audit.ObjectDigest, error) {
	n := int((head + verifySegment - 1) / verifySegment)
	workers := min(procs.All(), 8, n)
	db, err := s.d.verifyDB(s, false)
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
				seg, objs, err := s.d.checkSegment(ctx, db, key, v.Segment(), lo, hi)
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
