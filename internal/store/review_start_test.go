package store

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/access"
	"github.com/custos-dev/custos/internal/errs"
)

func setStartBatches(t *testing.T, inline, span int64) {
	oldInline, oldSpan := startInline, startSpan
	startInline, startSpan = inline, span
	t.Cleanup(func() { startInline, startSpan = oldInline, oldSpan })
}

func startQ(s *sqlStore, name string, progress func(int64)) (int64, error) {
	var n int64
	err := s.Invoke(context.Background(), inv("access review start", "ana"), Spec{Write: true, Targets: []string{"review:" + name}}, func(tx Tx) (err error) {
		n, err = tx.Access().StartReview(&access.Campaign{Name: name, Due: "2099-01-01"}, progress)
		return err
	})
	return n, err
}

// itemsOf lists a campaign's items, every field, and its row.
func itemsOf(t *testing.T, s *sqlStore, name string) []string {
	t.Helper()
	var out []string
	err := s.Invoke(context.Background(), inv("access review show", "ana"), Spec{}, func(tx Tx) error {
		return tx.Access().ReviewItems(name, ItemFilter{}, func(it *access.Item) error {
			it.GrantedAt = time.Time{} // each fixture its own
			out = append(out, fmt.Sprintf("%+v", *it))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	var row string
	if err := s.db.QueryRow(`SELECT state || ' base ' || base || ' items ' || items || ' done ' || start_done || ' of ' || start_max FROM reviews WHERE name = $1`, name).Scan(&row); err != nil {
		t.Fatal(err)
	}
	return append(out, row)
}

// A campaign started in batches (of 7, 14, 28 … grant ids) holds the items one started in one
// transaction does, and the start reports its size through progress.
func TestStartInBatchesIsStartInOne(t *testing.T) {
	want := grantsFixture(t, 50)
	if n, err := startQ(want, "q", nil); err != nil || n != 50 {
		t.Fatalf("started in one: %d items, %v", n, err)
	}
	setStartBatches(t, 10, 7)
	got := grantsFixture(t, 50)
	var last int64
	var calls int
	n, err := startQ(got, "q", func(done int64) { last = done; calls++ })
	if err != nil || n != 0 || last != 50 || calls < 3 {
		t.Fatalf("started in batches: returned %d, progress %d in %d calls, %v", n, last, calls, err)
	}
	w, g := itemsOf(t, want, "q"), itemsOf(t, got, "q")
	if !reflect.DeepEqual(w, g) {
		t.Errorf("started in batches:\n%s\nin one:\n%s", strings.Join(g, "\n"), strings.Join(w, "\n"))
	}
	if g[len(g)-1] != "open base 0 items 50 done 50 of 50" {
		t.Errorf("campaign row: %s", g[len(g)-1])
	}
	// A second campaign's items follow the first's.
	if _, err := startQ(got, "q2", nil); err != nil {
		t.Fatal(err)
	}
	if g := itemsOf(t, got, "q2"); len(g) != 51 || g[50] != "open base 50 items 50 done 50 of 50" {
		t.Errorf("second campaign: %s", g[len(g)-1])
	}
}

// A start interrupted before its first batch leaves the campaign
// "starting": its items cannot be shown, decided or closed, no other
// campaign starts, and a start of the same name finishes it with the
// snapshot as of its beginning: a grant revoked since is in, one made
// since is not.
func TestInterruptedStartIsFinished(t *testing.T) {
	want := grantsFixture(t, 50)
	if _, err := startQ(want, "q", nil); err != nil {
		t.Fatal(err)
	}
	setStartBatches(t, 10, 7)
	s := grantsFixture(t, 50)
	err := s.Invoke(context.Background(), inv("access review start", "ana"), Spec{Write: true, Targets: []string{"review:q"}}, func(tx Tx) error {
		t := tx.(*txn)
		_, err := t.StartReview(&access.Campaign{Name: "q", Due: "2099-01-01"}, nil)
		t.then = nil // killed here
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Invoke(context.Background(), inv("access revoke", "ana"), Spec{Write: true}, func(tx Tx) error {
		if _, err := tx.Access().RevokeGrants("u03", "res", "read", "left"); err != nil {
			return err
		}
		_, err := tx.(*txn).tx.Exec(`INSERT INTO grants (id, username, resource, role, reason, until, granted_by, granted_at, revoked_at)
			VALUES (51, 'u01', 'res', 'write', 'x', '', 'ana', $1, '')`, formatTime(tx.Now()))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	refused := func(what string, err error) {
		t.Helper()
		if errs.CodeOf(err) != errs.Conflict || !strings.Contains(err.Error(), "the access review q is being started") {
			t.Errorf("%s while starting: %v", what, err)
		}
	}
	refused("show", s.Invoke(context.Background(), inv("access review show", "ana"), Spec{}, func(tx Tx) error {
		return tx.Access().ReviewItems("q", ItemFilter{}, func(*access.Item) error { return nil })
	}))
	refused("decide", s.Invoke(context.Background(), inv("access review decide", "ana"), Spec{Write: true}, func(tx Tx) error {
		_, err := tx.Access().DecideReview("q", []Decision{{Item: 1, Decision: "keep", Reason: "x"}}, false, false)
		return err
	}))
	_, err = closeQ(s, "keep", false)
	refused("close", err)
	_, err = startQ(s, "other", nil)
	refused("another start", err)
	var last int64
	if _, err := startQ(s, "q", func(done int64) { last = done }); err != nil || last != 50 {
		t.Fatalf("finishing the start: %d items, %v", last, err)
	}
	w, g := itemsOf(t, want, "q"), itemsOf(t, s, "q")
	if !reflect.DeepEqual(w, g) {
		t.Errorf("finished after an interrupt:\n%s\nstarted in one:\n%s", strings.Join(g, "\n"), strings.Join(w, "\n"))
	}
	if _, err := startQ(s, "q", nil); errs.CodeOf(err) != errs.Conflict || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("starting it again once open: %v", err)
	}
}
