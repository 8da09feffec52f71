package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/access"
	"github.com/custos-dev/custos/internal/errs"
)

// reviewFixture starts campaign "q" over n grants, all for ana (an admin)
// to decide.
func reviewFixture(t *testing.T, n int) *sqlStore {
	t.Helper()
	s := grantsFixture(t, n)
	err := s.Invoke(context.Background(), inv("access review start", "ana"), Spec{Write: true}, func(tx Tx) error {
		_, err := tx.Access().StartReview(&access.Campaign{Name: "q", Due: "2099-01-01"}, nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// grantsFixture is a store with n accounts u01… of department Ops, each
// with grant i on resource res, which ana (an admin) owns.
func grantsFixture(t *testing.T, n int) *sqlStore {
	t.Helper()
	s := MustOpen(t)
	ctx := context.Background()
	now := formatTime(time.Now())
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := s.db.ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO resources (name, classification, owner, roles, privileged, created_at, created_by) VALUES ('res', 'internal', 'ana', 'read', '', $1, 'ana')`, now)
	for i := 1; i <= n; i++ {
		user := fmt.Sprintf("u%02d", i)
		exec(`INSERT INTO accounts (username, name, employee_id, department, position, type, clearance, state, reason,
			requested_by, requested_at, updated_at) VALUES ($1, $1, $1, 'Ops', 'p', 'employee', 'internal', 'active', 'x', 'ana', $2, $2)`, user, now)
		exec(`INSERT INTO grants (id, username, resource, role, reason, until, granted_by, granted_at, revoked_at)
			VALUES ($1, $2, 'res', 'read', 'x', '', 'ana', $3, '')`, i, user, now)
	}
	return s
}

func itemDecisions(t *testing.T, s *sqlStore) map[int64]string {
	t.Helper()
	got := map[int64]string{}
	err := s.Invoke(context.Background(), inv("access review show", "ana"), Spec{}, func(tx Tx) error {
		return tx.Access().ReviewItems("q", ItemFilter{}, func(it *access.Item) error {
			got[it.Item] = it.Decision + "/" + it.Reason
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// An item decided between the check (no write lock) and the write makes
// the whole import a conflict that changes nothing; running it again
// checks afresh and applies.
func TestReviewImportConflictWhenAnItemChangesAfterTheCheck(t *testing.T) {
	s := reviewFixture(t, 3)
	ctx := context.Background()
	ds := []Decision{{Item: 1, Decision: "keep", Reason: "a"}, {Item: 2, Decision: "keep", Reason: "b"}}
	var plan *DecisionPlan
	if err := s.View(ctx, inv("access review import", "ana"), Spec{}, func(tx Tx) (err error) {
		plan, err = tx.Access().CheckDecisions("q", ds, true)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Invoke(ctx, inv("access review decide", "ana"), Spec{Write: true}, func(tx Tx) error {
		_, err := tx.Access().DecideReview("q", []Decision{{Item: 2, Decision: "revoke", Reason: "meanwhile"}}, false, false)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	err := s.Invoke(ctx, inv("access review import", "ana"), Spec{Write: true}, func(tx Tx) error {
		_, err := tx.Access().ApplyDecisions(plan)
		return err
	})
	if errs.CodeOf(err) != errs.Conflict {
		t.Fatalf("apply after a change: %v, want a conflict", err)
	}
	want := map[int64]string{1: "/", 2: "revoke/meanwhile", 3: "/"}
	if got := itemDecisions(t, s); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after the conflict: %v, want %v (nothing applied)", got, want)
	}

	// Again, through the pipeline: checked in Prepare, applied in the write.
	var res DecideResult
	spec := Spec{Write: true, Targets: []string{"review:q"}}
	spec.Prepare = func(tx Tx) (err error) {
		plan, err = tx.Access().CheckDecisions("q", ds, true)
		return err
	}
	if err := s.Invoke(ctx, inv("access review import", "ana"), spec, func(tx Tx) (err error) {
		res, err = tx.Access().ApplyDecisions(plan)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if res.Changed != 2 {
		t.Fatalf("changed %d, want 2", res.Changed)
	}
	want = map[int64]string{1: "keep/a", 2: "keep/b", 3: "/"}
	if got := itemDecisions(t, s); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after the re-run: %v, want %v", got, want)
	}
}

// Two rows for one item apply in sheet order, the second guarded by what
// the first wrote, as when every row was checked and written in one
// transaction.
func TestReviewImportTwoRowsForOneItem(t *testing.T) {
	s := reviewFixture(t, 2)
	ds := []Decision{{Item: 2, Decision: "keep", Reason: "first"}, {Item: 2, Decision: "revoke", Reason: "second"}}
	var plan *DecisionPlan
	spec := Spec{Write: true}
	spec.Prepare = func(tx Tx) (err error) {
		plan, err = tx.Access().CheckDecisions("q", ds, true)
		return err
	}
	var res DecideResult
	if err := s.Invoke(context.Background(), inv("access review import", "ana"), spec, func(tx Tx) (err error) {
		res, err = tx.Access().ApplyDecisions(plan)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	want := map[int64]string{1: "/", 2: "revoke/second"}
	if got := itemDecisions(t, s); res.Changed != 2 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("changed %d, items %v; want 2, %v", res.Changed, got, want)
	}
}

// A sparse sheet (a reviewer's few items of a large campaign) is read by
// one seek per item, with the same answers as a dense one.
func TestReviewImportSparseSheet(t *testing.T) {
	s := reviewFixture(t, 20)
	ctx := context.Background()
	var res DecideResult
	err := s.Invoke(ctx, inv("access review import", "ana"), Spec{Write: true}, func(tx Tx) (err error) {
		res, err = tx.Access().DecideReview("q", []Decision{{Item: 20, Decision: "keep", Reason: "z"}, {Item: 1, Decision: "revoke", Reason: "a"}}, true, false)
		return err
	})
	if err != nil || res.Changed != 2 {
		t.Fatalf("sparse sheet: changed %d, %v", res.Changed, err)
	}
	if got := itemDecisions(t, s); got[1] != "revoke/a" || got[20] != "keep/z" || got[2] != "/" {
		t.Fatalf("sparse sheet: items %v", got)
	}
	err = s.Invoke(ctx, inv("access review import", "ana"), Spec{Write: true}, func(tx Tx) (err error) {
		_, err = tx.Access().DecideReview("q", []Decision{{Item: 3, Decision: "keep", Reason: "x"}, {Item: 99, Decision: "keep", Reason: "y"}}, true, false)
		return err
	})
	if errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("an item past the campaign: %v, want not found", err)
	}
	if got := itemDecisions(t, s); got[3] != "/" {
		t.Fatalf("a refused sheet changed item 3: %q", got[3])
	}
}
