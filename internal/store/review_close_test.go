package store

import (
	"context"
	"crypto/sha256"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/audit"
	"github.com/custos-dev/custos/internal/errs"
)

// closeFixture is campaign "q" over 50 grants: items 1–20 decided revoke,
// 21–30 keep, the rest undecided, and grant 5 revoked by hand since.
func closeFixture(t *testing.T) *sqlStore {
	t.Helper()
	s := reviewFixture(t, 50)
	var ds []Decision
	for i := int64(1); i <= 30; i++ {
		d := Decision{Item: i, Decision: "keep", Reason: "needed"}
		if i <= 20 {
			d = Decision{Item: i, Decision: "revoke", Reason: fmt.Sprintf("left team %d", i)}
		}
		ds = append(ds, d)
	}
	err := s.Invoke(context.Background(), inv("access review decide", "ana"), Spec{Write: true}, func(tx Tx) error {
		if _, err := tx.Access().DecideReview("q", ds, true, false); err != nil {
			return err
		}
		_, err := tx.Access().RevokeGrants("u05", "res", "read", "by hand")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// closeOutcome is what a close left: each grant's revocation (time
// aside), the campaign's row and the grants its entries name, in order.
type closeOutcome struct {
	Grants []string
	Review string
	Named  string
}

func closeOutcomeOf(t *testing.T, s *sqlStore) closeOutcome {
	t.Helper()
	var o closeOutcome
	rows, err := s.db.Query(`SELECT id, revoked_at != '', revoked_by, revoke_reason FROM grants ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var revoked bool
		var by, why string
		if err := rows.Scan(&id, &revoked, &by, &why); err != nil {
			t.Fatal(err)
		}
		o.Grants = append(o.Grants, fmt.Sprintf("%d %v %s %s", id, revoked, by, why))
	}
	rows.Close()
	var state, by, undecided string
	var done, gone int64
	if err := s.db.QueryRow(`SELECT state, closed_by, undecided, close_done, close_gone FROM reviews WHERE name = 'q'`).Scan(&state, &by, &undecided, &done, &gone); err != nil {
		t.Fatal(err)
	}
	o.Review = fmt.Sprintf("%s by %s, undecided %s, %d done, %d gone", state, by, undecided, done, gone)
	var named []string
	for _, e := range closeEntries(t, s) {
		for _, obj := range audit.DecodeList(e) {
			if strings.HasPrefix(obj, "grant:") {
				named = append(named, obj)
			}
		}
	}
	o.Named = strings.Join(named, " ")
	return o
}

// closeEntries are the objects of the close's entries that succeeded.
func closeEntries(t *testing.T, s *sqlStore) []string {
	t.Helper()
	rows, err := s.db.Query(`SELECT objects FROM audit_log WHERE command = 'access review close' AND outcome = 'ok' ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var es []string
	for rows.Next() {
		var objects string
		if err := rows.Scan(&objects); err != nil {
			t.Fatal(err)
		}
		es = append(es, objects)
	}
	return es
}

// revokeSetOf is the revoke-set object naming the grants of named.
func revokeSetOf(named string) string {
	h := sha256.New()
	grants := strings.Fields(named)
	for _, g := range grants {
		h.Write([]byte(g + "\n"))
	}
	return fmt.Sprintf("revoke-set:%d:sha256:%x", len(grants), h.Sum(nil))
}

func closeQ(s *sqlStore, undecided string, dryRun bool) (ReviewSummary, error) {
	var sum ReviewSummary
	spec := Spec{Write: true, DryRun: dryRun, Targets: []string{"review:q"}}
	err := s.Invoke(context.Background(), inv("access review close", "ana"), spec, func(tx Tx) (err error) {
		sum, err = tx.Access().CloseReview("q", undecided, dryRun)
		return err
	})
	return sum, err
}

func setCloseBatches(t *testing.T, inline, span int64) {
	oldInline, oldSpan := closeInline, closeSpan
	closeInline, closeSpan = inline, span
	t.Cleanup(func() { closeInline, closeSpan = oldInline, oldSpan })
}

// A campaign closed in batches ends as one closed in one transaction:
// the same grants revoked with the same reasons, the same summary, the
// same grants named in the same order. The one transaction's entry names
// them all; in batches, the first entry names the campaign and the set by
// count and SHA-256, and each batch's entry the accounts and grants it
// revoked.
func TestCloseInBatchesIsCloseInOne(t *testing.T) {
	want := closeFixture(t)
	wantSum, err := closeQ(want, "revoke", false)
	if err != nil {
		t.Fatal(err)
	}
	setCloseBatches(t, 10, 7)
	got := closeFixture(t)
	gotSum, err := closeQ(got, "revoke", false)
	if err != nil {
		t.Fatal(err)
	}
	if wantSum != gotSum || wantSum != (ReviewSummary{Kept: 10, Revoked: 40, AlreadyGone: 1, Undecided: 20}) {
		t.Errorf("summary in batches %+v, in one %+v", gotSum, wantSum)
	}
	w, g := closeOutcomeOf(t, want), closeOutcomeOf(t, got)
	if !reflect.DeepEqual(w, g) {
		t.Errorf("closed in batches:\n%+v\nin one:\n%+v", g, w)
	}
	if !strings.Contains(g.Grants[0], "1 true ana access review q, item 1: left team 1 (decided by ana)") ||
		!strings.Contains(g.Grants[44], "45 true ana access review q, item 45: undecided at close") ||
		g.Review != "closed by ana, undecided revoke, 50 done, 1 gone" {
		t.Errorf("closed in batches: %+v", g)
	}
	one := closeEntries(t, want)
	if len(one) != 1 || !strings.HasPrefix(one[0], `["review:q","account:u01","grant:1","account:u02","grant:2","account:u03","grant:3","account:u04","grant:4","account:u06"`) {
		t.Errorf("the entries of a close in one transaction: %q", one)
	}
	// That entry names more than bulkObjects objects: its index rows,
	// inserted by one statement, are those audit verify expects.
	if n := strings.Count(one[0], ","); n < bulkObjects {
		t.Errorf("the close's entry names %d objects; the test wants more than %d", n+1, bulkObjects)
	}
	batched := closeEntries(t, got)
	if set := `["review:q","` + revokeSetOf(w.Named) + `"]`; len(batched) < 2 || batched[0] != set {
		t.Errorf("the first entry of a close in batches: %q, want %s", batched, set)
	}
	if len(batched) < 3 || !strings.HasPrefix(batched[1], `["review:q","account:u01","grant:1","account:u02","grant:2"`) {
		t.Errorf("the entries of a close in batches: %q", batched)
	}
	if n, m := len(entries(t, got)), len(entries(t, want)); n != m+len(batched)-1 {
		t.Errorf("%d entries after a close in batches, %d after one in one transaction and %d batch entries", n, m, len(batched)-1)
	}
}

// A close interrupted part-way leaves the campaign "closing": decisions
// are refused, a dry run reports the summary the close began with, a
// close with the other --undecided is refused, and a close by anyone
// finishes it as it was begun.
func TestInterruptedCloseIsFinished(t *testing.T) {
	want := closeFixture(t)
	if _, err := closeQ(want, "revoke", false); err != nil {
		t.Fatal(err)
	}
	setCloseBatches(t, 10, 7)
	s := closeFixture(t)
	// The state a close killed after its batch up to item 21 leaves: its
	// entry appended, the campaign "closing", items 1–21 done.
	err := s.Invoke(context.Background(), inv("access review close", "ana"), Spec{Write: true, Targets: []string{"review:q"}}, func(tx Tx) error {
		t := tx.(*txn)
		if _, err := t.CloseReview("q", "revoke", false); err != nil {
			return err
		}
		cl := &closing{id: 1, base: 0, items: 50, name: "q", at: formatTime(t.now), by: "ana", revokeUndecided: true, record: t.recordBatch}
		t.then = nil
		if err := closeRevokeRecorded(t.ctx, t.tx, cl, 0, 21); err != nil {
			return err
		}
		_, err := t.tx.ExecContext(t.ctx, `UPDATE reviews SET close_done = 21 WHERE id = 1`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if o := closeOutcomeOf(t, s); !strings.HasPrefix(o.Review, "closing by ana, undecided revoke, 21 done") {
		t.Fatalf("the interrupted close left: %s", o.Review)
	}
	err = s.Invoke(context.Background(), inv("access review decide", "ana"), Spec{Write: true}, func(tx Tx) error {
		_, err := tx.Access().DecideReview("q", []Decision{{Item: 40, Decision: "keep", Reason: "x"}}, false, false)
		return err
	})
	if errs.CodeOf(err) != errs.Conflict || !strings.Contains(err.Error(), "the access review q is being closed") {
		t.Errorf("a decision on a closing campaign: %v", err)
	}
	if _, err := closeQ(s, "keep", false); errs.CodeOf(err) != errs.Conflict || !strings.Contains(err.Error(), "was begun with --undecided revoke") {
		t.Errorf("a close with the other --undecided: %v", err)
	}
	sum, err := closeQ(s, "", true)
	if err != nil || sum != (ReviewSummary{Kept: 10, Revoked: 40, AlreadyGone: 1, Undecided: 20, Resumed: true}) {
		t.Errorf("a dry run of the interrupted close: %+v, %v", sum, err)
	}
	if o := closeOutcomeOf(t, s); !strings.HasPrefix(o.Review, "closing by ana, undecided revoke, 21 done") {
		t.Fatalf("a dry run changed the campaign: %s", o.Review)
	}
	sum, err = closeQ(s, "", false)
	if err != nil || sum != (ReviewSummary{Kept: 10, Revoked: 40, AlreadyGone: 1, Undecided: 20, Resumed: true}) {
		t.Errorf("finishing the interrupted close: %+v, %v", sum, err)
	}
	if w, g := closeOutcomeOf(t, want), closeOutcomeOf(t, s); !reflect.DeepEqual(w, g) {
		t.Errorf("finished after an interrupt:\n%+v\nclosed in one:\n%+v", g, w)
	}
	if _, err := closeQ(s, "", false); errs.CodeOf(err) != errs.Conflict || !strings.Contains(err.Error(), "the access review q is closed") {
		t.Errorf("closing a closed campaign: %v", err)
	}
}

// closeQPrepared closes q as the command does: read and checked in a read
// transaction, recorded in the write; between runs in between, with no
// transaction open.
func closeQPrepared(s *sqlStore, undecided string, between func() error) (ReviewSummary, error) {
	var sum ReviewSummary
	var plan *ClosePlan
	ctx := context.Background()
	if err := s.View(ctx, inv("access review close", "ana"), Spec{}, func(tx Tx) (err error) {
		plan, err = tx.Access().PrepareClose("q", undecided)
		return err
	}); err != nil {
		return sum, err
	}
	if between != nil {
		if err := between(); err != nil {
			return sum, err
		}
	}
	err := s.Invoke(ctx, inv("access review close", "ana"), Spec{Write: true, Targets: []string{"review:q"}}, func(tx Tx) (err error) {
		sum, err = tx.Access().ApplyClose(plan)
		return err
	})
	return sum, err
}

// A decision recorded between a close's read (no write lock) and its
// audited transaction makes the close a conflict that changes nothing and
// is recorded as refused; run again, it reads the campaign afresh. Small
// campaigns and those closed in batches alike.
func TestCloseConflictWhenADecisionLandsAfterTheRead(t *testing.T) {
	for _, batched := range []bool{false, true} {
		t.Run(fmt.Sprintf("batched=%v", batched), func(t *testing.T) {
			if batched {
				setCloseBatches(t, 10, 7)
			}
			s := closeFixture(t)
			before := closeOutcomeOfAny(t, s)
			_, err := closeQPrepared(s, "revoke", func() error {
				return s.Invoke(context.Background(), inv("access review decide", "ana"), Spec{Write: true}, func(tx Tx) error {
					_, err := tx.Access().DecideReview("q", []Decision{{Item: 40, Decision: "keep", Reason: "meanwhile"}}, false, false)
					return err
				})
			})
			if errs.CodeOf(err) != errs.Conflict || !strings.Contains(err.Error(), "changed while its close was prepared; nothing was closed") {
				t.Fatalf("a close whose campaign changed after its read: %v, want a conflict", err)
			}
			if after := closeOutcomeOfAny(t, s); after != before {
				t.Errorf("the refused close changed the store:\n%s\nbefore:\n%s", after, before)
			}
			es := entries(t, s)
			if last := es[len(es)-1]; last.Command != "access review close" || last.Outcome != "conflict" || last.Objects != `["review:q"]` {
				t.Errorf("the refusal's entry: %+v", last)
			}
			sum, err := closeQPrepared(s, "revoke", nil)
			if err != nil || sum != (ReviewSummary{Kept: 11, Revoked: 39, AlreadyGone: 1, Undecided: 19}) {
				t.Fatalf("the close run again: %+v, %v", sum, err)
			}
			if o := closeOutcomeOf(t, s); o.Review != "closed by ana, undecided revoke, 50 done, 1 gone" {
				t.Errorf("the close run again left %s", o.Review)
			}
		})
	}
}

// closeOutcomeOfAny is the grants and the campaign's row, before any close.
func closeOutcomeOfAny(t *testing.T, s *sqlStore) string {
	t.Helper()
	var b strings.Builder
	rows, err := s.db.Query(`SELECT id, revoked_at, revoked_by FROM grants ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var at, by string
		if err := rows.Scan(&id, &at, &by); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%d %s %s\n", id, at, by)
	}
	rows.Close()
	var state, by string
	var done, gone int64
	if err := s.db.QueryRow(`SELECT state, closed_by, close_done, close_gone FROM reviews WHERE name = 'q'`).Scan(&state, &by, &done, &gone); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "%s %s %d %d", state, by, done, gone)
	return b.String()
}
