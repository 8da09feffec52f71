package report

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/custos-dev/custos/internal/testutil/golden"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// sample is a fixed store of a small organisation in 2026-Q4, with one
// incident a year earlier for the trend.
func sample() *Facts {
	e := func(seq int64, when, cmd string, args []string, objs ...string) Entry {
		return Entry{Seq: seq, At: at(when), Operator: "ines", Command: cmd, Args: args, Objects: objs, Hash: fmt.Sprintf("%064d", seq)}
	}
	return &Facts{
		Head: Head{Seq: 60, Hash: strings.Repeat("ab", 32)},
		Now:  at("2026-12-20T09:00:00Z"),
		// A transfer carried out, a leaver carried out on the day, one a
		// day and a half late, one still live past the date, and a leave
		// still to come.
		Checkpoints: []Checkpoint{
			{Size: 55, At: at("2026-12-18T09:00:00Z"), Seq: 56},
			{Size: 30, At: at("2026-11-01T09:00:00Z"), Seq: 31, Witnesses: []string{"witness.example.org"}},
		},
		People: []ScheduledChange{
			{Username: "kai", Kind: "transfer", OnDate: at("2026-11-10T00:00:00Z"), State: "done", DoneAt: at("2026-11-10T00:05:00Z"), Seqs: []int64{41, 42}},
			{Username: "zoe", Kind: "leave", OnDate: at("2026-11-15T00:00:00Z"), State: "done", DoneAt: at("2026-11-15T00:05:00Z"), Seqs: []int64{43}},
			{Username: "eve", Kind: "leave", OnDate: at("2026-11-16T00:00:00Z"), State: "done", DoneAt: at("2026-11-17T12:00:00Z"), Seqs: []int64{44, 45}},
			{Username: "bob", Kind: "leave", OnDate: at("2026-12-01T00:00:00Z"), State: "scheduled", Seqs: []int64{46}},
			{Username: "amy", Kind: "leave", OnDate: at("2026-12-31T00:00:00Z"), State: "scheduled", Seqs: []int64{47}},
		},
		Entries: []Entry{
			e(10, "2026-10-02T09:00:00Z", "account request", []string{"zoe", "--name", "Zoë"}, "account:zoe"),
			e(11, "2026-10-02T09:05:00Z", "account request", []string{"kai"}, "account:kai"),
			e(12, "2026-10-03T10:00:00Z", "account activate", []string{"zoe", "--agreement-ref", "A1"}, "account:zoe"),
			e(13, "2026-11-04T10:00:00Z", "account activate", []string{"kai", "--agreement-ref=A2"}, "account:kai"),
			e(14, "2026-11-05T10:00:00Z", "access grant", []string{"zoe", "crm", "--role", "read"}, "account:zoe", "resource:crm"),
			e(15, "2026-11-06T10:00:00Z", "request approve", []string{"REQ-2026-0001"}, "request:REQ-2026-0001", "account:kai", "resource:payroll", "grant:2"),
			e(16, "2026-11-07T10:00:00Z", "request approve", []string{"REQ-2026-0002", "--stage", "department"}, "request:REQ-2026-0002"),
			e(17, "2026-11-20T10:00:00Z", "account freeze", []string{"kai", "--reason", "leak"}, "account:kai"),
			e(18, "2026-11-21T10:00:00Z", "account expire", []string{"--dry-run"}, "account:lee"),
			e(19, "2026-12-01T10:00:00Z", "account expire", nil, "account:lee", "account:max"),
			e(20, "2026-12-02T10:00:00Z", "account activate", []string{"kai", "--reason", "cleared"}, "account:kai"),
			e(21, "2026-12-03T10:00:00Z", "access revoke", []string{"zoe", "crm"}, "account:zoe", "resource:crm"),
			e(22, "2026-12-04T10:00:00Z", "account revoke", []string{"max", "--reason", "left"}, "account:max"),
			e(23, "2026-12-05T10:00:00Z", "account reject", []string{"bob", "--reason", "duplicate"}, "account:bob"),
		},
		Accounts: []Account{
			{Username: "bob", Type: "employee", State: "rejected", Seq: 23},
			{Username: "kai", Type: "employee", State: "active", Seq: 20},
			{Username: "lee", Type: "contractor", State: "frozen", Until: "2026-11-30", Seq: 19},
			{Username: "max", Type: "temporary", State: "revoked", Until: "2026-11-30", Seq: 22},
			{Username: "pat", Type: "intern", State: "active", Until: "2026-12-15", Seq: 5},
			{Username: "zoe", Type: "employee", State: "active", Seq: 21},
			{Username: "bulk1", Type: "employee", State: "active"},
		},
		Reviews: []Review{
			{Name: "2026-Q4", State: "closed", Due: "2026-12-15", StartedAt: at("2026-12-01T08:00:00Z"), ClosedAt: at("2026-12-10T08:00:00Z"),
				Items: 4, Kept: 3, Revoked: 1, SoD: 1, SoDKept: 0, Clearance: 1, ClearanceKept: 1, Seqs: []int64{30, 31, 32}},
			{Name: "payroll-dec", State: "open", Due: "2026-12-18", StartedAt: at("2026-12-05T08:00:00Z"),
				Items: 5, Kept: 1, Revoked: 0, SoD: 2, SoDKept: 2, Seqs: []int64{33, 34}},
		},
		Schedules: []Schedule{
			{Class: "text", Retain: "5y", Seqs: []int64{3}},
			{Class: "voice", Retain: "3y", Locked: true, Seqs: []int64{4, 35}},
		},
		Purges: []Purge{
			{ID: 1, State: "done", StartedAt: at("2026-12-08T01:00:00Z"), FinishedAt: at("2026-12-08T01:05:00Z"), Class: "voice", Count: 120, Deleted: 118,
				ArchiveSHA256: strings.Repeat("c0", 32), RequestID: "REQ-2026-0003", Approvers: []string{"olivia (officer)"}, Seqs: []int64{36, 37, 40}},
			{ID: 2, State: "done", StartedAt: at("2026-09-28T01:00:00Z"), FinishedAt: at("2026-09-28T01:05:00Z"), Count: 5, Deleted: 5,
				ArchiveSHA256: strings.Repeat("d0", 32), Seqs: []int64{2}},
		},
		Holds: []Hold{
			{Name: "litigation-7", Kind: "subject", CreatedAt: at("2026-10-10T10:00:00Z"), Seqs: []int64{41}},
			{Name: "old", Kind: "class", CreatedAt: at("2026-01-10T10:00:00Z"), ReleasedAt: at("2026-11-10T10:00:00Z"), Seqs: []int64{1, 42, 43}},
		},
		Lookups: []Lookup{
			{ID: "REQ-2026-0004", CreatedAt: at("2026-11-11T10:00:00Z"), State: "approved", External: true, Seqs: []int64{44, 45, 46}},
			{ID: "REQ-2026-0005", CreatedAt: at("2026-11-12T10:00:00Z"), State: "pending", Seqs: []int64{47}},
		},
		Incidents: []Incident{
			{ID: "INC-2026-0001", Type: "credential-leak", Severity: "high", State: "closed", DetectedAt: at("2026-11-19T22:00:00Z"),
				Deadline: at("2026-11-20T22:00:00Z"), ReportedAt: at("2026-11-20T08:00:00Z"), Notifications: 2, ClosedAt: at("2026-12-02T10:00:00Z"),
				Frozen: 1, Restored: 1, OpenSeq: 50, Seqs: []int64{50, 51, 52, 53}, NotifySeqs: []int64{51, 52}, CloseSeq: 53},
			{ID: "INC-2026-0002", Type: "data-leak", Severity: "critical", State: "open", DetectedAt: at("2026-12-01T10:00:00Z"),
				Deadline: at("2026-12-02T10:00:00Z"), ReportedAt: at("2026-12-03T10:00:00Z"), Notifications: 1, OpenSeq: 54, Seqs: []int64{54, 55}, NotifySeqs: []int64{55}},
			{ID: "INC-2026-0003", Type: "malware", Severity: "low", State: "open", DetectedAt: at("2026-12-19T10:00:00Z"),
				Deadline: at("2026-12-20T10:00:00Z"), OpenSeq: 56, Seqs: []int64{56}},
			{ID: "INC-2025-0007", Type: "lost-device", Severity: "medium", State: "closed", DetectedAt: at("2025-10-15T10:00:00Z"),
				Deadline: at("2025-10-16T10:00:00Z"), ReportedAt: at("2025-10-17T10:00:00Z"), Notifications: 1, OpenSeq: 1, Seqs: []int64{1}},
			{ID: "INC-2025-0009", Type: "other", Severity: "low", State: "open", DetectedAt: at("2025-06-01T10:00:00Z"),
				Deadline: at("2025-06-02T10:00:00Z"), OpenSeq: 2, Seqs: []int64{2}},
		},
		Verify: Verification{OK: true, Entries: 60},
		// The last directory reconciliation, on 2026-12-19 (entry 57).
		Drift: &Drift{At: at("2026-12-19T08:00:00Z"), Seq: 57, Kinds: map[string]int64{"enabled-not-live": 1, "inactive": 2, "not-in-directory": 1}},
		// Grants whose last day fell in Q4 (one given directly, one on
		// an approved request), and one in Q3.
		Expired: []ExpiredGrant{{ID: 1, Until: "2026-08-31", Seq: 8}, {ID: 2, Until: "2026-11-30", Seq: 15}, {ID: 3, Until: "2026-12-10", Seq: 14}},
		States:  sampleStates(q4, at("2026-12-20T09:00:00Z")),
	}
}

var q4, _ = Quarter("2026-Q4")

// sampleStates are the sample's recorded state changes, as the store
// would read them for period p. The custos that records them was
// installed on 2026-10-03, just before entry 12: zoe's and kai's
// requests (10, 11) predate it; lee, max, pat, bob and bulk1 are older
// still, and pat and bulk1 have not changed since.
func sampleStates(p Period, now time.Time) *StateLog {
	sl := &StateLog{FirstSeq: 12, FirstAt: at("2026-10-03T10:00:00Z"), Points: StatePoints(p, now),
		Changes: map[string][]StateChange{
			"zoe": {{"zoe", "approved", "active", 12}},
			"kai": {{"kai", "requested", "active", 13}, {"kai", "active", "frozen", 17}, {"kai", "frozen", "active", 20}},
			"lee": {{"lee", "active", "frozen", 19}},
			"max": {{"max", "active", "frozen", 19}, {"max", "frozen", "revoked", 22}},
			"bob": {{"bob", "requested", "rejected", 23}},
		}}
	// Entries 1 to 9 fell on the 15th of January to September 2026,
	// 10 to 23 as in sample().Entries, 24 to 60 from 6 to 19 December.
	for _, pt := range sl.Points {
		var seq int64
		switch {
		case pt.Year() < 2026:
		case pt.Before(at("2026-10-02T09:00:00Z")):
			seq = int64(pt.Month()) - 1 // every point is on the 1st
		case !pt.After(at("2026-11-01T00:00:00Z")):
			seq = 12
		case !pt.After(at("2026-12-01T00:00:00Z")):
			seq = 18
		default:
			seq = 60
		}
		sl.PointSeqs = append(sl.PointSeqs, seq)
	}
	return sl
}

// summary is the golden form of a report: every figure with its value
// and entries, every table row, every chart's data, and what is missing.
func summary(r *Report) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s · %s to %s · against %d\n", r.Title, r.Period.From.Format(time.DateOnly), r.Period.To.Format(time.DateOnly), r.Head.Seq)
	for _, s := range r.Sections {
		fmt.Fprintf(&b, "\n## %s\n", s.Title)
		for _, m := range s.Missing {
			fmt.Fprintf(&b, "missing: %s\n", m)
		}
		for _, f := range s.Figures {
			v := fmt.Sprint(f.Value)
			if f.Of > 0 {
				v += fmt.Sprintf("/%d", f.Of)
			}
			fmt.Fprintf(&b, "%-30s %6s  %v\n", f.Key, v, f.Seqs)
		}
		for _, t := range s.Tables {
			fmt.Fprintf(&b, "table %s: %s\n", t.Key, strings.Join(t.Columns, " | "))
			for _, row := range t.Rows {
				fmt.Fprintf(&b, "  %s  %v\n", strings.Join(row.Cells, " | "), row.Seqs)
			}
		}
		for _, c := range s.Charts {
			fmt.Fprintf(&b, "chart %s: %s\n", c.Key, c.Alt)
		}
	}
	return b.Bytes()
}

// A report verified from a signed checkpoint says what it verified, and
// no more.
func TestIntegritySinceCheckpointGolden(t *testing.T) {
	for name, cp := range map[string]*Checkpoint{
		// A note the auditor gave as a file (--since).
		"since_checkpoint_2026q4.txt": {Origin: "custos.example.org/audit", Size: 55, Witnesses: []string{"witness.example.org"}},
		// The latest note the store keeps (--vkey alone), made by entry
		// 56: the row is traced to it.
		"since_stored_checkpoint_2026q4.txt": {Origin: "custos.example.org/audit", Size: 55, Witnesses: []string{}, Stored: true, At: at("2026-12-18T09:00:00Z"), Seq: 56},
	} {
		f := sample()
		f.Verify = Verification{OK: true, Entries: 5, Since: cp}
		r := Build(f, q4, "aurora")
		var integ Report
		integ.Title, integ.Period, integ.Head, integ.Sections = r.Title, r.Period, r.Head, r.Sections[len(r.Sections)-1:]
		golden.Check(t, name, summary(&integ))
		checkInvariants(t, r)
	}
}

func TestBuildGolden(t *testing.T) {
	q4, _ := Quarter("2026-Q4")
	q2, _ := Quarter("2026-Q2")
	q3, _ := Quarter("2026-Q3")
	tests := []struct {
		name string
		p    Period
	}{
		{"sample_2026q4", q4},
		// Nothing happened in Q2: every figure zero, every chart with
		// nothing to draw, and still the snapshots and the integrity.
		{"empty_2026q2", q2},
		// Q3 has a purge but no incident.
		{"no_incidents_2026q3", q3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := sample()
			f.States = sampleStates(tt.p, f.Now)
			r := Build(f, tt.p, "aurora")
			golden.Check(t, tt.name+".txt", summary(r))
			checkInvariants(t, r)
		})
	}
}

// checkInvariants: every traced entry is at most the head, and every
// number the HTML links has its entry listed.
func checkInvariants(t *testing.T, r *Report) {
	t.Helper()
	for _, s := range r.Seqs() {
		if s < 1 || s > r.Head.Seq {
			t.Errorf("traced entry %d outside 1..%d", s, r.Head.Seq)
		}
	}
	for _, s := range r.Sections {
		for _, c := range s.Charts {
			for _, sr := range c.Series {
				if len(sr.Values) != len(c.Categories) {
					t.Errorf("chart %s series %s: %d values for %d categories", c.Key, sr.Name, len(sr.Values), len(c.Categories))
				}
			}
			if c.Alt == "" {
				t.Errorf("chart %s has no text alternative", c.Key)
			}
		}
	}
}

func TestFiguresAreTraced(t *testing.T) {
	q4, _ := Quarter("2026-Q4")
	r := Build(sample(), q4, "aurora")
	get := func(key string) Figure {
		for _, s := range r.Sections {
			for _, f := range s.Figures {
				if f.Key == key {
					return f
				}
			}
		}
		t.Fatalf("no figure %s", key)
		return Figure{}
	}
	for key, want := range map[string]struct {
		value int64
		seqs  []int64
	}{
		"accounts.joiners":          {2, []int64{12, 13}},
		"accounts.restored":         {1, []int64{20}},
		"accounts.frozen":           {3, []int64{17, 19}}, // the dry run (18) changed nothing
		"accounts.leavers":          {1, []int64{22}},
		"accounts.past_until":       {1, []int64{5}},
		"access.granted_direct":     {1, []int64{14}},
		"access.granted_approved":   {1, []int64{15}}, // 16 gave a stage, no grant
		"records.purged":            {118, []int64{40}},
		"incidents.detected":        {3, []int64{50, 54, 56}},
		"incidents.deadline_missed": {1, []int64{54}},
		"incidents.disclosures":     {3, []int64{51, 52, 55}},
		"incidents.year_before":     {1, []int64{1}},
	} {
		f := get(key)
		if f.Value != want.value || !slices.Equal(f.Seqs, want.seqs) {
			t.Errorf("%s = %d %v, want %d %v", key, f.Value, f.Seqs, want.value, want.seqs)
		}
	}
}

func TestHTMLValidSelfContainedTraced(t *testing.T) {
	for _, q := range []string{"2026-Q4", "2026-Q2"} {
		t.Run(q, func(t *testing.T) {
			p, _ := Quarter(q)
			f := sample()
			// Q2 has nothing to draw, states included: a store that
			// recorded every state change from its first entry, and
			// no account yet.
			f.States = sampleStates(p, f.Now)
			if q == "2026-Q2" {
				f.Accounts, f.States.FirstSeq, f.States.Changes = nil, 1, nil
			}
			r := Build(f, p, "aurora")
			byseq := map[int64]Entry{60: {Seq: 60, At: f.Now, Command: "report"}}
			for _, e := range f.Entries {
				byseq[e.Seq] = e
			}
			for _, s := range r.Linked() {
				e, ok := byseq[s]
				if !ok {
					e = Entry{Seq: s, At: f.Now, Command: "x"}
				}
				r.Entries = append(r.Entries, e)
			}
			var b bytes.Buffer
			if err := r.HTML(&b); err != nil {
				t.Fatal(err)
			}
			checkPage(t, b.Bytes(), q == "2026-Q4")
		})
	}
}

// checkPage parses page strictly enough to catch unbalanced markup, and
// checks it is self-contained (no scripts, no URLs, no external
// resources), that every internal link has its target, and that every
// chart has marks, a title and a description.
func checkPage(t *testing.T, page []byte, wantCharts bool) {
	t.Helper()
	if bytes.Contains(page, []byte("http:")) || bytes.Contains(page, []byte("https:")) || bytes.Contains(page, []byte("url(")) {
		t.Error("the page names a URL")
	}
	z := html.NewTokenizer(bytes.NewReader(page))
	var stack []string
	ids, hrefs := map[string]bool{}, []string{}
	svgs, marks := 0, 0
	void := map[string]bool{"meta": true, "br": true, "img": true, "link": true, "input": true, "hr": true}
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if err := z.Err(); err.Error() != "EOF" {
				t.Fatal(err)
			}
			break
		}
		tok := z.Token()
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			for _, a := range tok.Attr {
				switch a.Key {
				case "id":
					if ids[a.Val] {
						t.Errorf("duplicate id %q", a.Val)
					}
					ids[a.Val] = true
				case "href":
					if !strings.HasPrefix(a.Val, "#") {
						t.Errorf("link %q leaves the page", a.Val)
					}
					hrefs = append(hrefs, a.Val[1:])
				case "src":
					t.Errorf("external resource %q", a.Val)
				}
			}
			switch tok.Data {
			case "script", "iframe", "object", "embed", "link", "img":
				t.Errorf("<%s> in a self-contained report", tok.Data)
			case "svg":
				svgs++
			case "rect":
				if slices.ContainsFunc(tok.Attr, func(a html.Attribute) bool { return a.Key == "class" && a.Val == "mark" }) {
					marks++
				}
			}
			if tt == html.StartTagToken && !void[tok.Data] {
				stack = append(stack, tok.Data)
			}
		case html.EndTagToken:
			if len(stack) == 0 || stack[len(stack)-1] != tok.Data {
				t.Fatalf("</%s> closes <%s>", tok.Data, strings.Join(stack, "><"))
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) != 0 {
		t.Errorf("unclosed: %v", stack)
	}
	for _, h := range hrefs {
		if !ids[h] {
			t.Errorf("link #%s has no target", h)
		}
	}
	if _, err := html.Parse(bytes.NewReader(page)); err != nil {
		t.Fatal(err)
	}
	if wantCharts && (svgs == 0 || marks == 0) {
		t.Errorf("%d charts with %d marks", svgs, marks)
	}
	if !wantCharts && svgs != 0 {
		t.Errorf("%d charts drawn for a period with nothing to draw", svgs)
	}
}

// Names come from the store: a campaign, hold or incident named like
// markup is shown as text, in the tables and in the charts alike.
func TestHTMLEscapesStoreStrings(t *testing.T) {
	q4, _ := Quarter("2026-Q4")
	f := sample()
	f.Reviews[0].Name = `<script>alert(1)</script>`
	f.Schedules[0].Class = `"><img src=x>`
	r := Build(f, q4, `<b>aurora</b>`)
	var b bytes.Buffer
	if err := r.HTML(&b); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script", "<img", "<b>aurora"} {
		if strings.Contains(b.String(), bad) {
			t.Errorf("the page contains %q unescaped", bad)
		}
	}
	if !strings.Contains(b.String(), "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the campaign's name is missing from the page")
	}
}

// A store that recorded state changes from its first entry: an account
// counts from the entry that made it, and every point is known. An empty
// quarter before any account has all zeros and nothing to draw.
func TestStatesOverPeriodGolden(t *testing.T) {
	q3, _ := Quarter("2026-Q3")
	for _, tt := range []struct {
		name string
		p    Period
	}{{"states_fresh_2026q4", q4}, {"states_fresh_empty_2026q3", q3}} {
		t.Run(tt.name, func(t *testing.T) {
			f := sample()
			f.States = sampleStates(tt.p, f.Now)
			f.States.FirstSeq, f.States.FirstAt = 1, at("2026-01-15T00:00:00Z")
			f.Accounts = []Account{
				{Username: "zoe", Type: "employee", State: "active", Seq: 21},
				{Username: "kai", Type: "employee", State: "frozen", Seq: 17},
				{Username: "bob", Type: "employee", State: "rejected", Seq: 23},
			}
			f.States.Changes = map[string][]StateChange{
				"zoe": {{"zoe", "", "requested", 10}, {"zoe", "requested", "approved", 11}, {"zoe", "approved", "active", 12}},
				"kai": {{"kai", "", "requested", 13}, {"kai", "requested", "approved", 14}, {"kai", "approved", "active", 15}, {"kai", "active", "frozen", 17}},
				"bob": {{"bob", "", "requested", 19}, {"bob", "requested", "rejected", 23}},
			}
			r := Build(f, tt.p, "aurora")
			acc := Report{Title: r.Title, Period: r.Period, Head: r.Head, Sections: r.Sections[:1]}
			acc.Sections[0].Figures = slices.DeleteFunc(slices.Clone(acc.Sections[0].Figures), func(f Figure) bool { return !strings.HasPrefix(f.Key, "accounts.states") })
			acc.Sections[0].Tables = slices.DeleteFunc(slices.Clone(acc.Sections[0].Tables), func(t Table) bool { return !strings.HasPrefix(t.Key, "accounts.states") })
			acc.Sections[0].Charts = slices.DeleteFunc(slices.Clone(acc.Sections[0].Charts), func(c Chart) bool { return !strings.HasPrefix(c.Key, "accounts.states") })
			golden.Check(t, tt.name+".txt", summary(&acc))
			checkInvariants(t, r)
			for _, c := range acc.Sections[0].Charts {
				if drawable(c) != (tt.p == q4) {
					t.Errorf("chart %s drawable = %v", c.Key, drawable(c))
				}
			}
		})
	}
}
