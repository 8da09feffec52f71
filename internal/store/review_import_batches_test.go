package store

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/errs"
)

func setImportBatches(t *testing.T, inline int, span int64) {
	oldInline, oldSpan := importInline, reviewImportSpan
	importInline, reviewImportSpan = inline, span
	t.Cleanup(func() { importInline, reviewImportSpan = oldInline, oldSpan })
}

// importFixture is campaign q over 50 grants with items 1–10 decided
// keep by ana.
func importFixture(t *testing.T) *sqlStore {
	t.Helper()
	s := reviewFixture(t, 50)
	var ds []Decision
	for i := int64(1); i <= 10; i++ {
		ds = append(ds, Decision{Item: i, Decision: "keep", Reason: "earlier"})
	}
	if err := s.Invoke(context.Background(), inv("access review decide", "ana"), Spec{Write: true}, func(tx Tx) error {
		_, err := tx.Access().DecideReview("q", ds, false, false)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return s
}

// importSheet is a sheet deciding items 5–45, item 20 twice.
func importSheet() []Decision {
	var ds []Decision
	for i := int64(5); i <= 45; i++ {
		d := Decision{Item: i, Decision: "revoke", Reason: fmt.Sprintf("r%d", i)}
		if i%3 == 0 {
			d = Decision{Item: i, Decision: "keep", Reason: "earlier"}
		}
		ds = append(ds, d)
	}
	return append(ds, Decision{Item: 20, Decision: "keep", Reason: "second thoughts"})
}

// importQ imports ds into q as the command does: checked (or an
// unfinished import resumed) in Prepare, staged, applied. With stop the
// batches after the audited transaction are left out, as by a kill.
func importQ(s *sqlStore, op string, ds []Decision, stop bool) (DecideResult, error) {
	var plan *DecisionPlan
	var res DecideResult
	spec := Spec{Write: true, Targets: []string{"review:q"}}
	spec.Prepare = func(tx Tx) (err error) {
		if plan, err = tx.Access().ResumeImport("q"); plan != nil || err != nil {
			return err
		}
		plan, err = tx.Access().CheckDecisions("q", ds, true)
		return err
	}
	spec.Stage = func(ctx context.Context) error { return plan.Stage(ctx) }
	err := s.Invoke(context.Background(), inv("access review import", op), spec, func(tx Tx) (err error) {
		res, err = tx.Access().ApplyDecisions(plan)
		if stop {
			tx.(*txn).then = nil
		}
		return err
	})
	return res, err
}

// importOutcome is what an import left: each item (time aside), whether
// every item it changed has one decision time, the campaign's state, the
// staged rows left and the entries' count.
func importOutcome(t *testing.T, s *sqlStore) string {
	t.Helper()
	ctx := context.Background()
	rows, err := s.db.QueryContext(ctx, `SELECT id, decision, reason, decided_by, imported_by, overrides, decided_at FROM review_items ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	times := map[string]int{}
	for rows.Next() {
		var id int64
		var d, r, by, imp, ov, at string
		if err := rows.Scan(&id, &d, &r, &by, &imp, &ov, &at); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d %s %s %s %s %s", id, d, r, by, imp, ov))
		if at != "" {
			times[at]++
		}
	}
	var state string
	var staged, decisions int64
	if err := s.db.QueryRowContext(ctx, `SELECT state, decisions, (SELECT count(*) FROM review_import_rows) FROM reviews WHERE name = 'q'`).Scan(&state, &decisions, &staged); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%s\nstate %s, decisions %d, %d decision times, %d staged, %d entries", strings.Join(out, "\n"), state, decisions, len(times), staged, len(entries(t, s)))
}

// A large import applied in batches ends as one applied in one
// transaction: the same items, decisions counted, entries, no staged row
// left.
func TestReviewImportInBatchesIsImportInOne(t *testing.T) {
	want := importFixture(t)
	wantRes, err := importQ(want, "ana", importSheet(), false)
	if err != nil {
		t.Fatal(err)
	}
	setImportBatches(t, 10, 7)
	got := importFixture(t)
	gotRes, err := importQ(got, "ana", importSheet(), false)
	if err != nil {
		t.Fatal(err)
	}
	if wantRes.Changed != gotRes.Changed || wantRes.Changed != 40 || gotRes.Resumed {
		t.Errorf("changed in batches %d (resumed %v), in one %d", gotRes.Changed, gotRes.Resumed, wantRes.Changed)
	}
	w, g := importOutcome(t, want), importOutcome(t, got)
	if w != g {
		t.Errorf("imported in batches:\n%s\nin one:\n%s", g, w)
	}
	if !strings.Contains(g, "\n20 keep second thoughts ana") || !strings.HasSuffix(g, "state open, decisions 2, 2 decision times, 0 staged, 4 entries") {
		t.Errorf("imported in batches:\n%s", g)
	}
}

// An import interrupted after its audited transaction leaves the
// campaign "importing": decisions, closes and other imports are refused
// or finish it; an import by anyone finishes it as it was begun and
// imports nothing of its own.
func TestInterruptedReviewImportIsFinished(t *testing.T) {
	want := importFixture(t)
	if _, err := importQ(want, "ana", importSheet(), false); err != nil {
		t.Fatal(err)
	}
	setImportBatches(t, 10, 7)
	s := importFixture(t)
	if _, err := importQ(s, "ana", importSheet(), true); err != nil {
		t.Fatal(err)
	}
	// And a batch of 14 rows, as one committed before the kill.
	ctx := context.Background()
	var plan int64
	var at string
	if err := s.db.QueryRowContext(ctx, `SELECT import_plan, import_at FROM reviews WHERE name = 'q'`).Scan(&plan, &at); err != nil {
		t.Fatal(err)
	}
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{applyStagedSQL, []any{plan, at, 0, 14}},
		{`DELETE FROM review_import_rows WHERE plan = $1 AND seq > $2 AND seq <= $3`, []any{plan, 0, 14}},
		{`UPDATE reviews SET import_done = 14 WHERE import_plan = $1`, []any{plan}},
	} {
		if _, err := s.db.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	if o := importOutcome(t, s); !strings.Contains(o, "state importing, decisions 2, 2 decision times, 25 staged") {
		t.Fatalf("the interrupted import left:\n%s", o)
	}

	err := s.Invoke(ctx, inv("access review decide", "ana"), Spec{Write: true}, func(tx Tx) error {
		_, err := tx.Access().DecideReview("q", []Decision{{Item: 48, Decision: "keep", Reason: "x"}}, false, false)
		return err
	})
	if errs.CodeOf(err) != errs.Conflict || !strings.Contains(err.Error(), "the access review q is being imported into") {
		t.Errorf("a decision while importing: %v", err)
	}
	if _, err := closeQ(s, "keep", false); errs.CodeOf(err) != errs.Conflict || !strings.Contains(err.Error(), "the access review q is being imported into") {
		t.Errorf("a close while importing: %v", err)
	}
	if _, err := closeQPrepared(s, "keep", nil); errs.CodeOf(err) != errs.Conflict || !strings.Contains(err.Error(), "the access review q is being imported into") {
		t.Errorf("a prepared close while importing: %v", err)
	}
	// Another sheet: the interrupted import is finished, this one not
	// imported.
	res, err := importQ(s, "ana", []Decision{{Item: 49, Decision: "keep", Reason: "other sheet"}}, false)
	if err != nil || !res.Resumed || res.Changed != 39 {
		t.Fatalf("an import while importing: %+v, %v", res, err)
	}
	w, g := importOutcome(t, want), importOutcome(t, s)
	// Three more entries: the refused decision and close, and the
	// finishing run (the prepared close was refused in its read).
	if w = strings.Replace(w, "4 entries", "7 entries", 1); w != g {
		t.Errorf("finished after an interrupt:\n%s\nimported in one:\n%s", g, w)
	}
}

// A decision recorded between the check and the audited transaction makes
// a staged import a conflict that imports nothing.
func TestStagedReviewImportConflict(t *testing.T) {
	setImportBatches(t, 10, 7)
	s := importFixture(t)
	before := importOutcome(t, s)
	var plan *DecisionPlan
	spec := Spec{Write: true, Targets: []string{"review:q"}}
	spec.Prepare = func(tx Tx) (err error) {
		plan, err = tx.Access().CheckDecisions("q", importSheet(), true)
		return err
	}
	spec.Stage = func(ctx context.Context) error {
		if err := plan.Stage(ctx); err != nil {
			return err
		}
		return s.Invoke(ctx, inv("access review decide", "ana"), Spec{Write: true}, func(tx Tx) error {
			_, err := tx.Access().DecideReview("q", []Decision{{Item: 50, Decision: "keep", Reason: "meanwhile"}}, false, false)
			return err
		})
	}
	err := s.Invoke(context.Background(), inv("access review import", "ana"), spec, func(tx Tx) (err error) {
		_, err = tx.Access().ApplyDecisions(plan)
		return err
	})
	if errs.CodeOf(err) != errs.Conflict || !strings.Contains(err.Error(), "changed while the sheet was checked; nothing was imported") {
		t.Fatalf("a decision after the check: %v", err)
	}
	after := importOutcome(t, s)
	if !reflect.DeepEqual(strings.Split(after, "\n")[:49], strings.Split(before, "\n")[:49]) || !strings.Contains(after, "\n50 keep meanwhile ana") {
		t.Errorf("after the conflict:\n%s\nbefore:\n%s", after, before)
	}
}

// A large import first deletes the rows an import killed before its
// audited transaction staged over stagedStale ago, and leaves a plan
// staged since (perhaps still on its way to its audited transaction).
func TestReviewImportDeletesStaleStagedRows(t *testing.T) {
	setImportBatches(t, 10, 2)
	s := importFixture(t)
	ctx := context.Background()
	stale := time.Now().Add(-stagedStale-time.Minute).Unix()<<31 | 5
	fresh := time.Now().Unix()<<31 | 7
	for _, plan := range []int64{stale, fresh} {
		for seq := 1; seq <= 5; seq++ {
			if _, err := s.db.ExecContext(ctx, `INSERT INTO review_import_rows (plan, seq, item_id, decision, reason, decided_by, imported_by, overrides)
				VALUES ($1, $2, 1, 'keep', 'x', 'ana', '', '')`, plan, seq); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := importQ(s, "ana", importSheet(), false); err != nil {
		t.Fatal(err)
	}
	var left []string
	rows, err := s.db.QueryContext(ctx, `SELECT plan, count(*) FROM review_import_rows GROUP BY plan`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var plan, n int64
		rows.Scan(&plan, &n)
		left = append(left, fmt.Sprint(plan == fresh, n))
	}
	if fmt.Sprint(left) != "[true 5]" {
		t.Errorf("staged rows left (fresh plan?, rows): %v, want the fresh plan's 5", left)
	}
}
