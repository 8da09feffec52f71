package store

import (
	"context"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/testutil/pgtest"
)

// busyTimeoutSQL reads the wait for other locks: SQLite's busy timeout,
// PostgreSQL's lock_timeout (set per transaction, so 0 outside one).
func busyTimeoutSQL(s *sqlStore) string {
	if pgtest.Enabled() {
		return `SELECT setting::int FROM pg_settings WHERE name = 'lock_timeout'`
	}
	return `PRAGMA busy_timeout`
}

func busyTimeout(t *testing.T, s *sqlStore) int {
	t.Helper()
	var ms int
	if err := s.db.QueryRow(busyTimeoutSQL(s)).Scan(&ms); err != nil {
		t.Fatal(err)
	}
	return ms
}

// A command waiting for another process's write lock gets it once it is
// released, gives up with Busy when it is not released in time, and in
// both cases leaves its connection with the store's busy timeout.
func TestBeginWriteWaitsForTheLock(t *testing.T) {
	ctx := context.Background()
	holder := MustOpen(t)
	waiter, err := openSQL(ctx, holder.Path(), Options{BusyTimeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer waiter.Close()

	lock, err := holder.beginWrite(ctx, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := waiter.beginWrite(ctx, 30*time.Millisecond); errs.CodeOf(translate(err)) != errs.Busy {
		t.Fatalf("with the lock held throughout: %v, want busy", err)
	}
	idle := 3000
	if pgtest.Enabled() {
		idle = 0
	}
	if ms := busyTimeout(t, waiter); ms != idle {
		t.Fatalf("busy timeout after giving up: %d ms", ms)
	}

	releasing := make(chan struct{})
	go func() {
		time.Sleep(50 * time.Millisecond)
		close(releasing)
		lock.Rollback()
	}()
	tx, err := waiter.beginWrite(ctx, 3*time.Second)
	if err != nil {
		t.Fatalf("once the lock is released: %v", err)
	}
	select {
	case <-releasing:
	default:
		t.Fatal("got the write lock while another connection held it")
	}
	var ms int
	if err := tx.QueryRow(busyTimeoutSQL(waiter)).Scan(&ms); err != nil || ms != 3000 {
		t.Fatalf("busy timeout inside the transaction: %d ms, %v", ms, err)
	}
	tx.Rollback()
}
