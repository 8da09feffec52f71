package store

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/access"
	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/incident"
	"github.com/custos-dev/custos/internal/operator"
)

// Times within one second whose text forms differ in length: with
// RFC3339Nano's trimmed zeros, "…:00.123Z" < "…:00.1Z" < "…:00Z" as text,
// the reverse of their time order.
var (
	second = time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
	tenth  = second.Add(100 * time.Millisecond)
	later  = second.Add(123 * time.Millisecond)
)

// at runs fn as user in a write invocation whose clock reads when.
func at(t *testing.T, s *sqlStore, user string, when time.Time, fn func(tx Tx) error) {
	t.Helper()
	i := inv("test", user)
	i.Now = func() time.Time { return when }
	if err := s.Invoke(context.Background(), i, Spec{Write: true}, fn); err != nil {
		t.Fatal(err)
	}
}

func TestIncidentTimelineIsInTimeOrderWithinASecond(t *testing.T) {
	s := MustOpen(t)
	var id string
	at(t, s, "ana", second, func(tx Tx) error {
		inc := &incident.Incident{Type: "other", Severity: "low", Summary: "s", DetectedAt: second}
		_, err := tx.Incidents().OpenIncident(inc, nil)
		id = inc.ID
		return err
	})
	at(t, s, "ana", tenth, func(tx Tx) error { return tx.Incidents().NoteIncident(id, "first") })
	at(t, s, "ana", later, func(tx Tx) error { return tx.Incidents().NoteIncident(id, "second") })
	at(t, s, "ana", later, func(tx Tx) error {
		_, err := tx.Incidents().NotifyIncident(id, "dpa", "ref-1")
		return err
	})
	var events []IncidentEvent
	at(t, s, "ana", later, func(tx Tx) (err error) {
		events, err = tx.Incidents().IncidentEvents(id)
		return err
	})
	var got []string
	for _, e := range events {
		got = append(got, e.Kind+":"+e.Detail)
	}
	want := []string{"opened:other, low: s", "note:first", "note:second", "notified:dpa: ref-1"}
	if len(got) != len(want) {
		t.Fatalf("timeline %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("timeline %q, want %q", got, want)
		}
	}
	for i := 1; i < len(events); i++ {
		if events[i].At.Before(events[i-1].At) {
			t.Errorf("event %d at %v before event %d at %v", i, events[i].At, i-1, events[i-1].At)
		}
	}
}

func TestApprovalsAreInTimeOrderWithinASecond(t *testing.T) {
	s := MustOpen(t)
	at(t, s, "ana", second, func(tx Tx) error {
		for _, o := range []*operator.Operator{
			{Name: "mia", Roles: []operator.Role{operator.Manager}, Department: "Sales", CreatedBy: "ana"},
			{Name: "ivan", Roles: []operator.Role{operator.IT}, CreatedBy: "ana"},
		} {
			if _, err := tx.Operators().AddOperator(o); err != nil {
				return err
			}
		}
		return tx.Accounts().RequestAccount(&account.Account{Username: "jdoe", Name: "J Doe", EmployeeID: "E1", Department: "Sales",
			Position: "p", Reason: "r", Type: account.Employee, Clearance: "internal", State: account.Requested})
	})
	// The IT stage first, at .1; the department stage later, at .123.
	at(t, s, "ivan", tenth, func(tx Tx) error {
		_, err := tx.Accounts().ApproveAccount("jdoe", account.StageIT, "ok")
		return err
	})
	at(t, s, "mia", later, func(tx Tx) error {
		_, err := tx.Accounts().ApproveAccount("jdoe", account.StageDepartment, "ok")
		return err
	})
	var aps []account.Approval
	at(t, s, "ana", later, func(tx Tx) (err error) {
		aps, err = tx.Accounts().Approvals("jdoe")
		return err
	})
	if len(aps) != 2 || aps[0].Stage != account.StageIT || aps[1].Stage != account.StageDepartment {
		t.Fatalf("approvals %+v, want it (at .1) before department (at .123)", aps)
	}
}

func TestReviewsAreListedNewestFirstWithinASecond(t *testing.T) {
	s := MustOpen(t)
	for _, r := range []struct {
		name string
		when time.Time
	}{{"a-whole", second}, {"b-tenth", tenth}, {"c-later", later}} {
		at(t, s, "ana", r.when, func(tx Tx) error {
			_, err := tx.Access().StartReview(&access.Campaign{Name: r.name, Due: "2024-04-01"}, nil)
			return err
		})
	}
	var got []string
	at(t, s, "ana", later, func(tx Tx) error {
		return tx.Access().ListReviews(0, func(c *access.Campaign, _ ReviewProgress) error {
			got = append(got, c.Name)
			return nil
		})
	})
	want := []string{"c-later", "b-tenth", "a-whole"}
	if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("reviews %q, want newest first %q", got, want)
	}
}

// TestIncidentEventsAreNumbered checks that each incident's events are
// numbered 1, 2, … in the order written, events of one command (one time)
// included, so the timeline never depends on the engine's row order.
func TestIncidentEventsAreNumbered(t *testing.T) {
	s := MustOpen(t)
	var ids []string
	for range 2 {
		at(t, s, "ana", second, func(tx Tx) error {
			inc := &incident.Incident{Type: "other", Severity: "low", Summary: "s", DetectedAt: second}
			if _, err := tx.Incidents().OpenIncident(inc, nil); err != nil {
				return err
			}
			ids = append(ids, inc.ID)
			for _, n := range []string{"a", "b", "c"} {
				if err := tx.Incidents().NoteIncident(inc.ID, n); err != nil {
					return err
				}
			}
			return nil
		})
	}
	rows, err := s.db.Query(`SELECT seq || kind || detail FROM incident_events WHERE incident_id = $1 ORDER BY seq`, ids[1])
	if err != nil {
		t.Fatal(err)
	}
	var events []string
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			t.Fatal(err)
		}
		events = append(events, e)
	}
	rows.Close()
	got := strings.Join(events, " ")
	if want := "1opened" + "other, low: s 2notea 3noteb 4notec"; got != want {
		t.Fatalf("events of %s: %q, want %q", ids[1], got, want)
	}
}
