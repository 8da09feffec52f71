package custos_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestReviewImportSurvivesSIGKILL kills real `access review import`
// processes of a sheet deciding 26,667 of a 40,000-item campaign at each
// point an import can be interrupted (while it checks and stages, once
// the campaign is "importing", after each batch), runs the import again
// until it finishes, and checks that the result is the one import: every
// item as the sheet says, by ana, at one time, the decision counted once,
// the log intact. While the campaign is "importing", a decision is
// refused (exit 5).
func TestReviewImportSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("kills processes for several seconds")
	}
	dir := t.TempDir()
	db := storeFor(t)
	raw := grantsStore(t, db)
	mustCustos(t, db, "access", "review", "start", "q", "--due", "2099-01-01")

	// Items 1, 4, 7, … revoke; 2, 5, 8, … keep; the rest left blank.
	sheet := decideThirds(t, db, filepath.Join(dir, "sheet.csv"))
	want := func(item int) string {
		switch (item - 1) % 3 {
		case 0:
			return fmt.Sprintf("revoke left %d ana", item)
		case 1:
			return "keep needed ana"
		}
		return "  "
	}

	// The campaign is "open" before and after; "imported" once its
	// decision was counted and it is open again.
	read := func() (string, int64) {
		var state string
		var done, decisions int64
		raw.QueryRow(`SELECT state, import_done, decisions FROM reviews WHERE name = 'q'`).Scan(&state, &done, &decisions)
		if state == "open" && decisions > 0 {
			state = "imported"
		}
		return state, done
	}
	decided := false
	early, between := killUntilDone(t, db, bulkRun{
		args: []string{"access", "review", "import", "q", sheet}, before: "open", busy: "importing", finished: "imported",
		read: read,
		untouched: func() {
			var n int
			raw.QueryRow(`SELECT count(*) FROM review_items WHERE decision != ''`).Scan(&n)
			if n != 0 {
				t.Fatalf("an import killed before its commit left %d items decided", n)
			}
		},
		meanwhile: func() {
			_, errOut, code := custos(t, db, nil, "access", "review", "decide", "q", "40000", "--keep", "--reason", "late")
			if code != 5 || !strings.Contains(errOut, "the access review q is being imported into") {
				t.Fatalf("a decision while importing: exit %d: %s", code, errOut)
			}
			decided = true
		},
	})
	if early < 2 || between < 3 || !decided {
		t.Fatalf("%d kills landed before the commit and %d between batches; want 2 and 3", early, between)
	}
	if s, _ := read(); s != "imported" {
		_, errOut, code := custos(t, db, nil, "access", "review", "import", "q", sheet)
		// It finished the interrupted import, not its own: exit 5.
		if code != 5 || !strings.Contains(errOut, "finished an interrupted import into q (26667 item(s) changed)") {
			t.Errorf("the last import: exit %d: %s", code, errOut)
		}
	}
	if s, _ := read(); s != "imported" {
		t.Fatalf("after the last import: %s", s)
	}

	res, err := raw.Query(`SELECT i.id - r.base, i.decision, i.reason, i.decided_by, i.decided_at, r.decisions, r.import_plan FROM reviews r
		JOIN review_items i ON i.review_id = r.id ORDER BY i.id`)
	if err != nil {
		t.Fatal(err)
	}
	times := map[string]bool{}
	n := 0
	for res.Next() {
		var item, decisions, plan int
		var d, why, by, at string
		res.Scan(&item, &d, &why, &by, &at, &decisions, &plan)
		n++
		if got := d + " " + why + " " + by; got != want(item) {
			t.Errorf("item %d: %q, want %q", item, got, want(item))
		}
		if at != "" {
			times[at] = true
		}
		if decisions != 1 || plan != 0 {
			t.Fatalf("the campaign counts %d decisions, plan %d; want 1, 0", decisions, plan)
		}
	}
	res.Close()
	if n != 40000 || len(times) != 1 {
		t.Errorf("%d items, decided at %d times; want 40000, 1", n, len(times))
	}
	var staged int
	raw.QueryRow(`SELECT count(*) FROM review_import_rows`).Scan(&staged)
	t.Logf("%d staged rows left by imports killed before their commit", staged)
	mustCustos(t, db, "audit", "verify")
}
