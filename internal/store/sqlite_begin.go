package store

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"time"
)

// writePoll is about how often a command waiting for another process's
// write lock tries again (jittered by half, so waiters do not move in step).
const writePoll = time.Millisecond

// beginWrite begins a write transaction (BEGIN IMMEDIATE), waiting up to
// timeout for another process's write lock. SQLite's own busy handler
// backs off to tries 100 ms apart, so a command queued behind a purge,
// whose batches follow one another after a gap of a few milliseconds,
// could miss every gap and wait for seconds or give up. custos tries
// again about every millisecond instead; only this wait goes around
// SQLite's handler, which still covers every other lock (a WAL being
// recovered, say). The connection's busy timeout is the store's again
// when beginWrite returns.
func (d sqliteDialect) beginWrite(ctx context.Context, db *sql.DB, busyTimeout, timeout time.Duration) (*sql.Tx, error) {
	if _, err := db.ExecContext(ctx, "PRAGMA busy_timeout = 0"); err != nil {
		return nil, err
	}
	restore := fmt.Sprintf("PRAGMA busy_timeout = %d", busyTimeout.Milliseconds())
	deadline := time.Now().Add(timeout)
	for {
		tx, err := db.BeginTx(ctx, nil)
		if err == nil {
			if _, err := tx.ExecContext(ctx, restore); err != nil {
				tx.Rollback()
				return nil, err
			}
			return tx, nil
		}
		if !d.isBusy(err) || !time.Now().Before(deadline) {
			db.ExecContext(context.WithoutCancel(ctx), restore)
			return nil, err
		}
		wait := time.NewTimer(writePoll/2 + rand.N(writePoll))
		select {
		case <-ctx.Done():
			wait.Stop()
			db.ExecContext(context.WithoutCancel(ctx), restore)
			return nil, ctx.Err()
		case <-wait.C:
		}
	}
}
