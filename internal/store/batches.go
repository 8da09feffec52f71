package store

import (
	"context"
	"database/sql"
	"time"
)

// The batch controller shared by the bulk services (purge deletion,
// records import loading, review close): each batch is a write
// transaction of its own that also moves the service's ledger on (a row's
// count or cursor), so a kill at any point leaves a state the next run
// continues from, and no other command waits long behind it.

// batchLoop runs batch with a span of span units at first, adapted after
// each to batchTarget (nextSpan) and kept within minSpan … maxSpan, pausing batchGap
// between batches so that a command waiting for the store gets it, until
// batch reports no more work. interrupted is asked before each batch; a
// non-nil answer stops the run between batches. Each batch runs under a
// context that is not cancelled, so that it commits or rolls back whole.
//
// A batch's fixed cost is taken as the shortest batch seen so far (no
// batch costs less), at most a quarter of the target: the shortest batch
// includes its own work too, and a fixed cost overstated by much would
// make the spans swing between two sizes.
func batchLoop(ctx context.Context, span, minSpan, maxSpan int64, interrupted func() error, batch func(ctx context.Context, span int64) (more bool, err error)) error {
	fixed := time.Duration(-1)
	for {
		if ctx.Err() != nil {
			return interrupted()
		}
		start := time.Now()
		more, err := batch(context.WithoutCancel(ctx), span)
		if err != nil || !more {
			return err
		}
		took := time.Since(start)
		if fixed < 0 || took < fixed {
			fixed = min(took, batchTarget/4)
		}
		span = max(min(nextSpan(span, took, fixed), maxSpan), minSpan)
		time.Sleep(batchGap)
	}
}

// inBatch runs fn in a write transaction of its own and commits it.
func (s *sqlStore) inBatch(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.beginWrite(ctx, s.opts.BusyTimeout)
	if err != nil {
		return translate(err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return translate(err)
	}
	return translate(tx.Commit())
}

// minReviewSpan is the fewest grants or items a batch of a review start
// or close covers. Such a statement has a fixed cost of a few
// milliseconds, and on a busy machine a batch's time swings by tens of
// milliseconds whatever its size: measured at 200,000 grants, spans
// halved down to 50 and a start took 45 s instead of 1 s.
const minReviewSpan = 1000
