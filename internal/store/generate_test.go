package store

import (
	"context"
	"testing"
)

// A generated store has the rows asked for, and its audit chain, which the
// generated entries and the generating batches extend, verifies.
func TestGenerate(t *testing.T) {
	s := MustOpen(t)
	ctx := context.Background()
	sc := Scale{Accounts: 70, GrantsPerAccount: 3, Records: 900, AuditEntries: 1200}
	var calls int
	if err := s.Generate(ctx, inv("bench generate", "ana"), sc, func(string, int, int) { calls++ }); err != nil {
		t.Fatal(err)
	}
	count := func(q string) int {
		var n int
		if err := s.db.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(`SELECT count(*) FROM accounts`); n != 70 {
		t.Errorf("%d accounts", n)
	}
	if n := count(`SELECT count(*) FROM accounts WHERE state = 'frozen'`); n != 10 {
		t.Errorf("%d frozen accounts, want every 7th", n)
	}
	if n := count(`SELECT count(*) FROM grants`); n != 210 {
		t.Errorf("%d grants", n)
	}
	if n := count(`SELECT count(*) FROM records`); n != 900 {
		t.Errorf("%d records", n)
	}
	if n := count(`SELECT value FROM counters WHERE name = 'records'`); n != 900 {
		t.Errorf("the record counter is %d", n)
	}
	if calls != 3 {
		t.Errorf("progress called %d times, want once per batch", calls)
	}
	// init, the resources, three batches, the entries, and the verification.
	err := s.Invoke(ctx, inv("audit verify", "ana"), Spec{}, func(tx Tx) error {
		v, err := tx.Audit().VerifyAudit(nil, 0, nil)
		if err == nil && v.Count != 1+1+3+1200 {
			t.Errorf("verified %d entries", v.Count)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
