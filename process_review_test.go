package custos_test

import (
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/audit"
)

// TestReviewCloseSurvivesSIGKILL kills real `access review close`
// processes of a 40,000-item campaign at each point a close can be
// interrupted (before its audited transaction commits, once the campaign
// is "closing", after each batch of revocations), runs the close again
// until it finishes, and checks that the result is the one close: every
// grant of a revoke decision revoked once, by the first close's operator,
// at its time, with its reason; every other grant untouched; one entry
// naming every account and grant revoked; the log intact. While the
// campaign is "closing", a decision is refused (exit 5).
func TestReviewCloseSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("kills processes for several seconds")
	}
	dir := t.TempDir()
	db := storeFor(t)
	raw := grantsStore(t, db)
	mustCustos(t, db, "access", "review", "start", "q", "--due", "2099-01-01")

	// Items 1, 4, 7, … revoke; 2, 5, 8, … keep; the rest undecided (and
	// revoked by --undecided revoke). Grant 1 (item 1) is revoked by hand first.
	sheet := decideThirds(t, db, filepath.Join(dir, "sheet.csv"))
	mustCustos(t, db, "access", "review", "import", "q", sheet)
	mustCustos(t, db, "access", "revoke", "u00000", "res0", "--reason", "by hand", "--yes")
	wantRevoked := func(item int) bool { return (item-1)%3 != 1 && item != 1 }

	type state struct {
		state string
		done  int64
	}
	read := func() state {
		var s state
		raw.QueryRow(`SELECT state, close_done FROM reviews WHERE name = 'q'`).Scan(&s.state, &s.done)
		return s
	}
	var grantsBefore string
	raw.QueryRow(`SELECT count(*) FILTER (WHERE revoked_at != '') || '/' || count(*) FROM grants`).Scan(&grantsBefore)

	closeq := []string{"access", "review", "close", "q", "--undecided", "revoke", "--yes"}
	decided := false
	early, between := killUntilDone(t, db, bulkRun{
		args: closeq, before: "open", busy: "closing", finished: "closed",
		read: func() (string, int64) { s := read(); return s.state, s.done },
		untouched: func() {
			var g string
			raw.QueryRow(`SELECT count(*) FILTER (WHERE revoked_at != '') || '/' || count(*) FROM grants`).Scan(&g)
			if g != grantsBefore {
				t.Fatalf("a close killed before its commit left grants revoked/all %s, not %s", g, grantsBefore)
			}
		},
		meanwhile: func() {
			// Meanwhile the items are frozen.
			_, errOut, code := custos(t, db, nil, "access", "review", "decide", "q", "40000", "--keep", "--reason", "late")
			if code != 5 || !strings.Contains(errOut, "the access review q is being closed") {
				t.Fatalf("a decision on a closing campaign: exit %d: %s", code, errOut)
			}
			decided = true
		},
	})
	if early < 2 || between < 3 || !decided {
		t.Fatalf("%d kills landed before the commit and %d between batches; want 2 and 3", early, between)
	}
	if read().state != "closed" {
		out := mustCustos(t, db, closeq...)
		if !strings.Contains(out, "Closed q: 13333 kept, 26667 revoked (1 already revoked meanwhile), 13333 undecided.") {
			t.Errorf("the last close said: %s", out)
		}
	}
	if s := read(); s.state != "closed" || s.done != 40000 {
		t.Fatalf("after the last close: %+v", s)
	}
	if _, errOut, code := custos(t, db, nil, closeq...); code != 5 || !strings.Contains(errOut, "the access review q is closed") {
		t.Errorf("a close of the closed campaign: exit %d: %s", code, errOut)
	}

	// Each grant revoked exactly as the one close that finished says.
	var closedAt string
	raw.QueryRow(`SELECT closed_at FROM reviews WHERE name = 'q'`).Scan(&closedAt)
	res, err := raw.Query(`SELECT i.id - r.base, g.id, g.revoked_at, g.revoked_by, g.revoke_reason FROM reviews r JOIN review_items i ON i.review_id = r.id
		JOIN grants g ON g.id = i.grant_id ORDER BY i.id`)
	if err != nil {
		t.Fatal(err)
	}
	var revoked int
	for res.Next() {
		var item, grant int
		var at, by, why string
		res.Scan(&item, &grant, &at, &by, &why)
		switch {
		case item == 1:
			if why != "by hand" {
				t.Errorf("grant 1, revoked by hand, now says %q", why)
			}
		case wantRevoked(item):
			revoked++
			want := fmt.Sprintf("access review q, item %d: left %d (decided by ana)", item, item)
			if (item-1)%3 == 2 {
				want = fmt.Sprintf("access review q, item %d: undecided at close", item)
			}
			if at != closedAt || by != "ana" || why != want {
				t.Errorf("item %d: grant %d revoked at %q by %q: %q; want at %s: %q", item, grant, at, by, why, closedAt, want)
			}
		case at != "":
			t.Errorf("item %d, kept: grant %d revoked at %s: %s", item, grant, at, why)
		}
	}
	res.Close()
	if revoked != 26666 {
		t.Errorf("%d grants revoked by the close, want 26,666", revoked)
	}
	// The close's first entry names the set by count and SHA-256; the
	// batches' entries, of whichever run did them, name each grant the
	// close revoked once, in item order, and so make up that set.
	var sets []string
	var named []string
	list, err := raw.Query(`SELECT objects FROM audit_log WHERE command = 'access review close' AND outcome = 'ok' ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	for list.Next() {
		var objects string
		list.Scan(&objects)
		for _, o := range audit.DecodeList(objects) {
			switch {
			case strings.HasPrefix(o, "grant:"):
				named = append(named, o)
			case strings.HasPrefix(o, "revoke-set:"):
				sets = append(sets, o)
			}
		}
	}
	list.Close()
	h := sha256.New()
	for _, g := range named {
		h.Write([]byte(g + "\n"))
	}
	if set := fmt.Sprintf("revoke-set:%d:sha256:%x", len(named), h.Sum(nil)); len(named) != 26666 || len(sets) != 1 || sets[0] != set {
		t.Errorf("the close's entries name %d grants and the sets %q; want 26,666 making up one set %s", len(named), sets, set)
	}
	if out := mustCustos(t, db, "audit", "verify"); !strings.Contains(out, "intact") {
		t.Fatal(out)
	}
}

// grantsStore initialises a store with 4,000 accounts of 10 grants each
// (grant ids 1 to 40,000, account u00000 holding 1–10), inserted
// directly, and returns a plain connection to it.
func grantsStore(t *testing.T, db string) *sql.DB {
	t.Helper()
	const users, perUser = 4000, 10
	mustCustos(t, db, "init")
	raw := rawDB(t, db)
	now := audit.FormatTime(time.Now())
	tx, err := raw.Begin()
	if err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := tx.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	for r := range perUser {
		exec(`INSERT INTO resources (name, classification, owner, roles, privileged, created_at, created_by) VALUES ($1, 'internal', 'ana', 'read', '', $2, 'ana')`,
			fmt.Sprintf("res%d", r), now)
	}
	for u := range users {
		user := fmt.Sprintf("u%05d", u)
		exec(`INSERT INTO accounts (username, name, employee_id, department, position, type, clearance, state, reason,
			requested_by, requested_at, updated_at) VALUES ($1, $1, $1, 'Ops', 'p', 'employee', 'internal', 'active', 'x', 'ana', $2, $2)`, user, now)
		for r := range perUser {
			exec(`INSERT INTO grants (id, username, resource, role, reason, until, granted_by, granted_at, revoked_at)
				VALUES ($1, $2, $3, 'read', 'x', '', 'ana', $4, '')`, u*perUser+r+1, user, fmt.Sprintf("res%d", r), now)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestReviewStartSurvivesSIGKILL kills real `access review start`
// processes over 40,000 grants before their audited transaction commits,
// once the campaign is "starting" and after each batch of the snapshot,
// runs the start again until the campaign is open, and checks that it
// holds exactly the items of a campaign started without interruption.
// While it is "starting", its items cannot be exported or decided and
// another campaign cannot start (exit 5).
func TestReviewStartSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("kills processes for several seconds")
	}
	db := storeFor(t)
	raw := grantsStore(t, db)
	type state struct {
		state       string
		done, items int64
	}
	read := func() state {
		var s state
		raw.QueryRow(`SELECT state, start_done, items FROM reviews WHERE name = 'q'`).Scan(&s.state, &s.done, &s.items)
		return s
	}
	start := []string{"access", "review", "start", "q", "--due", "2099-01-01"}
	refused := false
	early, between := killUntilDone(t, db, bulkRun{
		args: start, before: "", busy: "starting", finished: "open",
		read: func() (string, int64) { s := read(); return s.state, s.done },
		untouched: func() {
			var n int
			raw.QueryRow(`SELECT count(*) FROM review_items`).Scan(&n)
			if n != 0 {
				t.Fatalf("a start killed before its commit left %d items", n)
			}
		},
		meanwhile: func() {
			for _, args := range [][]string{
				{"access", "review", "export", "q", "-o", "csv"},
				{"access", "review", "decide", "q", "1", "--keep", "--reason", "early"},
				{"access", "review", "close", "q", "--undecided", "keep", "--yes"},
				{"access", "review", "start", "other"},
			} {
				_, errOut, code := custos(t, db, nil, args...)
				if code != 5 || !strings.Contains(errOut, "the access review q is being started") {
					t.Fatalf("%s while starting: exit %d: %s", strings.Join(args, " "), code, errOut)
				}
			}
			refused = true
		},
	})
	if early < 2 || between < 3 || !refused {
		t.Fatalf("%d kills landed before the commit and %d between batches; want 2 and 3", early, between)
	}
	if s := read(); s.state != "open" || s.done != 40000 || s.items != 40000 {
		t.Fatalf("after the last start: %+v", s)
	}
	mustCustos(t, db, "access", "review", "start", "ref", "--due", "2099-01-01")
	got := mustCustos(t, db, "access", "review", "export", "q", "-o", "csv")
	want := mustCustos(t, db, "access", "review", "export", "ref", "-o", "csv")
	if strings.ReplaceAll(want, "ref,", "q,") != got || strings.Count(got, "\n") != 40001 {
		t.Errorf("the interrupted start's items (%d lines) differ from an uninterrupted one's (%d)", strings.Count(got, "\n"), strings.Count(want, "\n"))
	}
	if _, errOut, code := custos(t, db, nil, start...); code != 5 || !strings.Contains(errOut, "already exists") {
		t.Errorf("a start of the open campaign: exit %d: %s", code, errOut)
	}
	if out := mustCustos(t, db, "audit", "verify"); !strings.Contains(out, "intact") {
		t.Fatal(out)
	}
}

// bulkRun is a bulk command that commits its audited transaction, which
// moves its object from state before to busy, then works in batches, each
// moving a cursor, until the state is finished; a re-run finishes it.
type bulkRun struct {
	args                   []string
	before, busy, finished string
	// read is the state and the cursor, read from the store.
	read func() (state string, done int64)
	// untouched checks that a run killed before its commit changed
	// nothing; meanwhile, once, what other commands see while busy.
	untouched, meanwhile func()
}

// killUntilDone runs b.args again and again, killing each run at a
// marker, until the work is finished: twice as soon as the process has
// started, then once the state has left before (the audited commit),
// then after each batch (the cursor moved). It returns how many kills
// landed before the commit and how many between batches, and logs each.
func killUntilDone(t *testing.T, db string, b bulkRun) (early, between int) {
	t.Helper()
	var busy, missed, started int
	checked := false
	for i := 0; i < 40; i++ {
		wasState, wasDone := b.read()
		if wasState == b.finished {
			break
		}
		var marker string
		var ready func() bool
		switch {
		case wasState == b.before && started < 2:
			started++
			marker, ready = "the process has started", func() bool { return true }
		case wasState == b.before:
			marker, ready = "the campaign is "+b.busy, func() bool { s, _ := b.read(); return s != b.before }
		default:
			marker, ready = "a batch has committed", func() bool { s, d := b.read(); return d > wasDone || s == b.finished }
		}
		p := startCustos(t, db, b.args...)
		p.stdin.Close()
		landed := p.killWhen(ready)
		state, done := b.read()
		switch {
		case !landed:
			missed++
			t.Logf("kill %d, when %s: too late, the run ended: %v; %s", i, marker, p.err, strings.TrimSpace(p.stderr.String()))
		case state == b.before:
			early++
			b.untouched()
			t.Logf("kill %d, when %s: landed before the commit; nothing changed", i, marker)
		case state == b.busy && done == 0:
			busy++
			t.Logf("kill %d, when %s: landed once the campaign was %s", i, marker, b.busy)
		case state == b.busy:
			between++
			t.Logf("kill %d, when %s: landed part-way, %d of 40000 done", i, marker, done)
		default:
			t.Logf("kill %d, when %s: landed after the run finished", i, marker)
		}
		if state == b.busy && !checked {
			b.meanwhile()
			checked = true
		}
	}
	t.Logf("kills: %d before the commit, %d once %s, %d between batches, %d too late", early, busy, b.busy, between, missed)
	return early, between
}

// decideThirds exports campaign q's sheet and writes it to path with
// items 1, 4, 7, … decided revoke ("left N"), 2, 5, 8, … keep ("needed")
// and the rest left blank, and returns path.
func decideThirds(t *testing.T, db, path string) string {
	t.Helper()
	out := mustCustos(t, db, "access", "review", "export", "q", "-o", "csv")
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for i, row := range rows[1:] {
		switch i % 3 {
		case 0:
			row[col["decision"]], row[col["reason"]] = "revoke", fmt.Sprintf("left %d", i+1)
		case 1:
			row[col["decision"]], row[col["reason"]] = "keep", "needed"
		}
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
