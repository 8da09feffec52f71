package seed_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/custos-dev/custos/bench/seed"
	"github.com/custos-dev/custos/internal/operator"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/testutil/pgtest"
)

// A seeded store has the rows asked for, its record counter past them,
// and an audit chain, which the generated entries extend, that verifies.
func TestSeed(t *testing.T) {
	ctx := context.Background()
	loc := filepath.Join(t.TempDir(), "custos.db")
	if pgtest.Enabled() {
		loc = pgtest.Database(t)
	}
	st, _, err := store.Create(ctx, loc, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	inv := &store.Invocation{Command: "init", OSUser: "ana", Host: "test", PID: os.Getpid()}
	if pgtest.Enabled() {
		inv.OSUser = st.SessionUser()
	}
	err = st.Invoke(ctx, inv, store.Spec{Write: true, Bootstrap: true}, func(tx store.Tx) error {
		_, err := tx.Operators().AddOperator(&operator.Operator{Name: inv.OSUser, Roles: []operator.Role{operator.Admin}, CreatedBy: inv.OSUser})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	sd, err := seed.Open(loc, pgtest.Enabled())
	if err != nil {
		t.Fatal(err)
	}
	defer sd.Close()
	var calls int
	sc := seed.Scale{Accounts: 70, GrantsPerAccount: 3, Records: 250_000, AuditEntries: 1200}
	if err := sd.Seed(ctx, sc, func(string, int, int) { calls++ }); err != nil {
		t.Fatal(err)
	}
	if calls != 1+3+1 {
		t.Errorf("progress called %d times, want once per batch", calls)
	}

	db := rawDB(t, loc)
	count := func(q string) int {
		var n int
		if err := db.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for q, want := range map[string]int{
		`SELECT count(*) FROM accounts`:                                     70,
		`SELECT count(*) FROM accounts WHERE state = 'frozen'`:              10, // every 7th
		`SELECT count(*) FROM grants`:                                       210,
		`SELECT count(*) FROM resources`:                                    100,
		`SELECT count(*) FROM records`:                                      250_000,
		`SELECT value FROM counters WHERE name = 'records'`:                 250_000,
		`SELECT count(*) FROM audit_objects WHERE object LIKE 'account:u%'`: 1200,
		// The accounts' batch entry records each one made, as account
		// request would: every 7th frozen.
		`SELECT count(*) FROM audit_objects WHERE object LIKE 'state:u%::active'`: 60,
		`SELECT count(*) FROM audit_objects WHERE object LIKE 'state:u%::frozen'`: 10,
	} {
		if n := count(q); n != want {
			t.Errorf("%s = %d, want %d", q, n, want)
		}
	}

	// As bench/gen does, one entry made through the store records the
	// load, and brings the store's Merkle tree up to the seeded entries.
	inv.Command = "bench generate"
	if err := st.Invoke(ctx, inv, store.Spec{Write: true}, func(store.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	// init, the accounts' entry, the entries, the load, and the
	// verification, which sees them all (the object index included).
	inv.Command = "audit verify"
	err = st.Invoke(ctx, inv, store.Spec{}, func(tx store.Tx) error {
		v, err := tx.Audit().VerifyAudit(nil, 0, nil)
		if err == nil && v.Count != 1+1+1200+1 {
			t.Errorf("verified %d entries, want %d", v.Count, 1+1+1200+1)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// rawDB opens the store's tables for counting, as the seeder does.
func rawDB(t *testing.T, loc string) *sql.DB {
	t.Helper()
	var db *sql.DB
	var err error
	if pgtest.Enabled() {
		db, err = pgtest.Open(loc)
	} else {
		db, err = sql.Open("sqlite", (&url.URL{Scheme: "file", Path: loc}).String()+"?mode=ro")
	}
	if err != nil {
		t.Fatal(fmt.Errorf("opening %s: %w", loc, err))
	}
	t.Cleanup(func() { db.Close() })
	return db
}
