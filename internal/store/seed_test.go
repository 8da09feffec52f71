package store

import (
	"context"
	"testing"

	"github.com/custos-dev/custos/bench/seed"
	"github.com/custos-dev/custos/internal/testutil/pgtest"
)

// seedStore fills s as bench/gen fills a store (see bench/seed): rows
// straight into the tables, the entries extending the chain, and one
// entry made through the store after them, as bench/gen makes, which
// brings the Merkle tree up to date.
func seedStore(tb testing.TB, s *sqlStore, sc seed.Scale) {
	tb.Helper()
	ctx := context.Background()
	if err := seed.New(s.db, pgtest.Enabled()).Seed(ctx, sc, nil); err != nil {
		tb.Fatal(err)
	}
	if err := s.Invoke(ctx, inv("bench generate", "ana"), Spec{Write: true}, func(Tx) error { return nil }); err != nil {
		tb.Fatal(err)
	}
}
