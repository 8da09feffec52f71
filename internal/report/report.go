// Package report computes custos's compliance report from the facts the
// store reads (Facts) and renders it as one self-contained HTML page or as
// JSON. Every figure carries the audit sequence numbers it was computed
// from, so a reader can check any number against the log. Build is pure:
// the same facts and period give the same report.
package report

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Report is the computed report.
type Report struct {
	Title       string    `json:"title"`
	Period      Period    `json:"period"`
	GeneratedAt time.Time `json:"generated_at"`
	GeneratedBy string    `json:"generated_by"`
	// Head is the audit entry the report was computed against: every
	// traced sequence number is at most Head.Seq.
	Head     Head      `json:"computed_against"`
	Sections []Section `json:"sections"`
	// Entries are the traced audit entries the HTML lists, in order.
	Entries []Entry `json:"-"`
}

// Section is one part of the report.
type Section struct {
	Key     string   `json:"key"`
	Title   string   `json:"title"`
	Figures []Figure `json:"figures"`
	Tables  []Table  `json:"tables"`
	Charts  []Chart  `json:"charts"`
	// Missing says what this section cannot report because custos does
	// not keep the data yet.
	Missing []string `json:"missing"`
}

// Figure is one number and the audit entries it counts.
type Figure struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Value int64  `json:"value"`
	// Of is the whole Value is a part of (a rate), or 0.
	Of int64 `json:"of,omitempty"`
	// Goal is the share Value/Of should reach, in percent, or 0.
	Goal int     `json:"goal_percent,omitempty"`
	Seqs []int64 `json:"seqs"`
}

// Table is a list of rows, each traced.
type Table struct {
	Key     string   `json:"key"`
	Title   string   `json:"title"`
	Columns []string `json:"columns"`
	Rows    []Row    `json:"rows"`
}

// Row is one table row and the entries behind it.
type Row struct {
	Cells []string `json:"cells"`
	Seqs  []int64  `json:"seqs"`
}

// Chart is the data of one chart; the HTML draws it as SVG.
type Chart struct {
	Key   string `json:"key"`
	Title string `json:"title"`
	// Alt describes the chart in words, for readers who cannot see it.
	Alt        string   `json:"alt"`
	Unit       string   `json:"unit"`
	Categories []string `json:"categories"`
	Series     []Series `json:"series"`
	// Stacked draws the series on top of each other instead of side by
	// side.
	Stacked bool `json:"stacked"`
	// Limit is a line to compare with (a deadline, a goal), 0 for none.
	Limit      float64 `json:"limit,omitempty"`
	LimitLabel string  `json:"limit_label,omitempty"`
}

// Series is one named row of values, one per category.
type Series struct {
	Name   string    `json:"name"`
	Values []float64 `json:"values"`
}

// Severities and account states in the order the report lists them.
var (
	severities    = []string{"critical", "high", "medium", "low"}
	incidentTypes = []string{"credential-leak", "unauthorized-access", "data-leak", "tampering", "malware", "lost-device", "other"}
	accountStates = []string{"requested", "approved", "active", "frozen", "revoked", "rejected"}
	accountTypes  = []string{"employee", "contractor", "intern", "temporary"}
	// driftKinds are account.Drift* in the order reconcile lists them.
	driftKinds = []string{"enabled-not-live", "disabled-but-active", "password-changed", "inactive", "not-in-directory"}
)

// Build computes the report of period p from f. by is the operator
// asking.
func Build(f *Facts, p Period, by string) *Report {
	r := &Report{
		Title:       "Compliance report " + p.Label,
		Period:      p,
		GeneratedAt: f.Now.UTC(),
		GeneratedBy: by,
		Head:        f.Head,
	}
	counts := f.Counts
	if counts == nil {
		counts = NewCounts(p)
		for _, e := range f.Entries {
			counts.Add(e)
		}
	}
	r.Sections = []Section{
		accounts(f, p, counts),
		accessSection(f, p, counts),
		recordsSection(f, p),
		incidents(f, p),
		training(f),
		integrity(f),
	}
	for i := range r.Sections {
		s := &r.Sections[i]
		for _, l := range []*[]Figure{&s.Figures} {
			for j := range *l {
				(*l)[j].Seqs = norm((*l)[j].Seqs)
			}
		}
		for j := range s.Tables {
			for k := range s.Tables[j].Rows {
				s.Tables[j].Rows[k].Seqs = norm(s.Tables[j].Rows[k].Seqs)
			}
		}
		if s.Figures == nil {
			s.Figures = []Figure{}
		}
		if s.Tables == nil {
			s.Tables = []Table{}
		}
		if s.Charts == nil {
			s.Charts = []Chart{}
		}
		if s.Missing == nil {
			s.Missing = []string{}
		}
	}
	return r
}

// norm sorts seqs, drops zeros (objects with no entry) and repeats, and
// never returns nil, so JSON says [] rather than null.
func norm(seqs []int64) []int64 {
	out := slices.DeleteFunc(slices.Clone(seqs), func(s int64) bool { return s <= 0 })
	slices.Sort(out)
	out = slices.Compact(out)
	if out == nil {
		out = []int64{}
	}
	return out
}

// Seqs lists every sequence number the report traces, once, in order.
func (r *Report) Seqs() []int64 {
	var all []int64
	for _, s := range r.Sections {
		for _, f := range s.Figures {
			all = append(all, f.Seqs...)
		}
		for _, t := range s.Tables {
			for _, row := range t.Rows {
				all = append(all, row.Seqs...)
			}
		}
	}
	return norm(all)
}

// tally accumulates a figure as entries are classified.
type tally struct {
	n    int64
	seqs []int64
}

// add counts n for the entry seq; an entry that adds nothing is not
// traced.
func (t *tally) add(n int64, seq int64) {
	if n == 0 {
		return
	}
	t.n += n
	t.seqs = append(t.seqs, seq)
}

func (t *tally) figure(key, label string) Figure {
	return Figure{Key: key, Label: label, Value: t.n, Seqs: t.seqs}
}

func hasArg(args []string, flag string) bool {
	return slices.ContainsFunc(args, func(a string) bool { return a == flag || strings.HasPrefix(a, flag+"=") })
}

func objects(e Entry, prefix string) int64 {
	var n int64
	for _, o := range e.Objects {
		if strings.HasPrefix(o, prefix) {
			n++
		}
	}
	return n
}

// Counts classifies the period's counted entries one at a time, as the
// store reads them, so that a quarter of millions of entries is tallied
// without being held.
type Counts struct {
	p        Period
	months   []time.Time
	perMonth map[string][]float64

	requested, joiners, restored, frozen, leavers, rejected tally
	direct, approved, revoked                               tally
}

// NewCounts starts the counts of period p.
func NewCounts(p Period) *Counts {
	months := p.Months()
	return &Counts{p: p, months: months, perMonth: map[string][]float64{
		"joiners": make([]float64, len(months)), "frozen": make([]float64, len(months)), "leavers": make([]float64, len(months))}}
}

// Add counts one successful entry of a Counted command.
func (c *Counts) Add(e Entry) {
	if hasArg(e.Args, "--dry-run") || !c.p.Contains(e.At) {
		return // changed nothing, or not in the period
	}
	bump := func(series string, n int64) {
		for i := len(c.months) - 1; i >= 0; i-- {
			if !e.At.Before(c.months[i]) {
				c.perMonth[series][i] += float64(n)
				return
			}
		}
	}
	n := objects(e, "account:")
	switch e.Command {
	case "account request":
		c.requested.add(n, e.Seq)
	case "account reject":
		c.rejected.add(n, e.Seq)
	case "account activate":
		if hasArg(e.Args, "--agreement-ref") {
			c.joiners.add(n, e.Seq)
			bump("joiners", n)
		} else {
			c.restored.add(n, e.Seq)
		}
	case "account freeze", "account expire":
		if n > 0 {
			c.frozen.add(n, e.Seq)
			bump("frozen", n)
		}
	case "account revoke":
		c.leavers.add(n, e.Seq)
		bump("leavers", n)
	case "access grant":
		c.direct.add(1, e.Seq)
	case "request approve":
		if n := objects(e, "grant:"); n > 0 {
			c.approved.add(n, e.Seq)
		}
	case "access revoke":
		c.revoked.add(1, e.Seq)
	}
}

func accounts(f *Facts, p Period, cn *Counts) Section {
	s := Section{Key: "accounts", Title: "Accounts"}
	requested, joiners, restored, frozen, leavers, rejected := cn.requested, cn.joiners, cn.restored, cn.frozen, cn.leavers, cn.rejected
	months, perMonth := cn.months, cn.perMonth
	s.Figures = append(s.Figures,
		requested.figure("accounts.requested", "Accounts requested"),
		joiners.figure("accounts.joiners", "Joiners (accounts activated after signing the usage agreement)"),
		leavers.figure("accounts.leavers", "Leavers (accounts revoked)"),
		frozen.figure("accounts.frozen", "Accounts frozen (by hand or at their end date)"),
		restored.figure("accounts.restored", "Accounts re-activated"),
		rejected.figure("accounts.rejected", "Account requests rejected"),
	)
	byState := map[string]*tally{}
	byType := map[string]*tally{}
	var pastUntil tally
	asOf := earlier(p.To, f.Now).UTC().Format(time.DateOnly)
	for _, a := range f.Accounts {
		if byState[a.State] == nil {
			byState[a.State] = &tally{}
		}
		byState[a.State].add(1, a.Seq)
		live := a.State != "revoked" && a.State != "rejected"
		if live {
			if byType[a.Type] == nil {
				byType[a.Type] = &tally{}
			}
			byType[a.Type].add(1, a.Seq)
		}
		if a.State == "active" && a.Type != "employee" && a.Until != "" && a.Until < asOf {
			pastUntil.add(1, a.Seq)
		}
	}
	s.Figures = append(s.Figures, pastUntil.figure("accounts.past_until", "Temporary accounts still active past their end date"))
	st := Table{Key: "accounts.by_state", Title: "Accounts by state now", Columns: []string{"state", "accounts"}}
	for _, k := range accountStates {
		t := byState[k]
		if t == nil {
			t = &tally{}
		}
		st.Rows = append(st.Rows, Row{Cells: []string{k, fmt.Sprint(t.n)}, Seqs: t.seqs})
	}
	tt := Table{Key: "accounts.by_type", Title: "Live accounts by type now", Columns: []string{"type", "accounts"}}
	for _, k := range accountTypes {
		t := byType[k]
		if t == nil {
			t = &tally{}
		}
		tt.Rows = append(tt.Rows, Row{Cells: []string{k, fmt.Sprint(t.n)}, Seqs: t.seqs})
	}
	s.Tables = append(s.Tables, st, tt)
	cats := make([]string, len(months))
	for i, m := range months {
		cats[i] = m.Format("Jan 2006")
	}
	c := Chart{Key: "accounts.per_month", Title: "Joiners, freezes and leavers per month", Unit: "accounts", Categories: cats,
		Series: []Series{{"joiners", perMonth["joiners"]}, {"frozen", perMonth["frozen"]}, {"leavers", perMonth["leavers"]}}}
	c.Alt = alt(c)
	s.Charts = append(s.Charts, c)
	s.Missing = []string{"Drift found by the last directory reconciliation: the log records no account reconcile --directory yet."}
	if f.Drift != nil {
		s.Missing = nil
		var total int64
		dt := Table{Key: "accounts.drift", Title: "Drift found by the last directory reconciliation (" + f.Drift.At.UTC().Format(time.DateOnly) + ")", Columns: []string{"kind", "accounts"}}
		for _, k := range driftKinds {
			total += f.Drift.Kinds[k]
			dt.Rows = append(dt.Rows, Row{Cells: []string{k, fmt.Sprint(f.Drift.Kinds[k])}, Seqs: []int64{f.Drift.Seq}})
		}
		s.Figures = append(s.Figures, Figure{Key: "accounts.drift", Label: "Drift found by the last directory reconciliation", Value: total, Seqs: []int64{f.Drift.Seq}})
		s.Tables = append(s.Tables, dt)
	}
	movers, late := moversAndLateLeavers(f, p)
	s.Figures = append(s.Figures, movers, late)
	if f.States == nil {
		s.Missing = append(s.Missing, "Account states over the period: this store does not record account state changes.")
		return s
	}
	from, t, sc, missing := statesOverPeriod(f)
	s.Figures = append(s.Figures, from)
	s.Tables = append(s.Tables, t)
	s.Charts = append(s.Charts, sc)
	if missing != "" {
		s.Missing = append(s.Missing, missing)
	}
	return s
}

// moversAndLateLeavers counts the transfers carried out in the period,
// and the leavers whose leave date fell in it and whose account was still
// live more than 24 hours later (carried out late, or not yet).
func moversAndLateLeavers(f *Facts, p Period) (Figure, Figure) {
	movers := Figure{Key: "accounts.movers", Label: "Movers: department transfers carried out"}
	late := Figure{Key: "accounts.late_leavers", Label: "Leavers still live more than 24 h after their leave date"}
	for _, c := range f.People {
		switch {
		case c.Kind == "transfer" && c.State == "done" && !c.DoneAt.Before(p.From) && c.DoneAt.Before(p.To):
			movers.Value++
			movers.Seqs = append(movers.Seqs, c.Seqs...)
		case c.Kind == "leave" && !c.OnDate.Before(p.From) && c.OnDate.Before(p.To):
			deadline := c.OnDate.Add(24 * time.Hour)
			if (c.State == "done" && c.DoneAt.After(deadline)) || (c.State == "scheduled" && f.Now.After(deadline)) {
				late.Value++
				late.Seqs = append(late.Seqs, c.Seqs...)
			}
		}
	}
	return movers, late
}

func accessSection(f *Facts, p Period, cn *Counts) Section {
	s := Section{Key: "access", Title: "Access"}
	direct, approved, revoked := cn.direct, cn.approved, cn.revoked
	s.Figures = append(s.Figures,
		approved.figure("access.granted_approved", "Grants applied on an approved access request"),
		direct.figure("access.granted_direct", "Grants given directly"),
		revoked.figure("access.revoked", "Grants revoked by hand"),
	)
	var expired tally
	for _, g := range f.Expired {
		if day, err := time.Parse(time.DateOnly, g.Until); err == nil && p.Contains(day) {
			expired.add(1, g.Seq)
		}
	}
	s.Figures = append(s.Figures, expired.figure("access.expired", "Grants that expired (their last day fell in the period, not revoked before)"))
	t := Table{Key: "access.reviews", Title: "Access review campaigns", Columns: []string{"campaign", "due", "items", "decided", "kept", "revoked", "undecided", "closed", "on time"}}
	var sod, sodKept, clr, clrKept tally
	c := Chart{Key: "access.review_completion", Title: "Review completion per campaign", Unit: "% decided", Limit: 100, LimitLabel: "goal 100%"}
	done := Series{Name: "decided"}
	for _, rv := range f.Reviews {
		if !rv.StartedAt.Before(p.To) || (!rv.ClosedAt.IsZero() && rv.ClosedAt.Before(p.From)) {
			continue // not open at any time in the period
		}
		decided := rv.Kept + rv.Revoked
		closed, onTime := "open", "-"
		if !rv.ClosedAt.IsZero() {
			closed = rv.ClosedAt.Format(time.DateOnly)
		}
		due, _ := time.Parse(time.DateOnly, rv.Due)
		end := rv.ClosedAt
		if end.IsZero() {
			end = earlier(f.Now, p.To)
		}
		switch {
		case rv.Due == "":
		case !end.After(due.AddDate(0, 0, 1)) && !rv.ClosedAt.IsZero():
			onTime = "yes"
		case end.After(due.AddDate(0, 0, 1)):
			onTime = "late"
		}
		t.Rows = append(t.Rows, Row{Cells: []string{rv.Name, rv.Due, fmt.Sprint(rv.Items), fmt.Sprint(decided), fmt.Sprint(rv.Kept), fmt.Sprint(rv.Revoked), fmt.Sprint(rv.Items - decided), closed, onTime}, Seqs: rv.Seqs})
		last := int64(0)
		if len(rv.Seqs) > 0 {
			last = rv.Seqs[len(rv.Seqs)-1]
		}
		sod.add(rv.SoD, last)
		sodKept.add(rv.SoDKept, last)
		clr.add(rv.Clearance, last)
		clrKept.add(rv.ClearanceKept, last)
		c.Categories = append(c.Categories, rv.Name)
		pct := 100.0
		if rv.Items > 0 {
			pct = float64(100*decided) / float64(rv.Items)
		}
		done.Values = append(done.Values, pct)
	}
	s.Tables = append(s.Tables, t)
	s.Figures = append(s.Figures,
		sod.figure("access.sod_flagged", "Separation-of-duties conflicts flagged by these reviews"),
		sodKept.figure("access.sod_open", "… of which kept or undecided (still open)"),
		clr.figure("access.clearance_flagged", "Clearance mismatches flagged by these reviews"),
		clrKept.figure("access.clearance_open", "… of which kept or undecided (still open)"),
	)
	c.Series = []Series{done}
	c.Alt = alt(c)
	s.Charts = append(s.Charts, c)
	return s
}

func recordsSection(f *Facts, p Period) Section {
	s := Section{Key: "records", Title: "Records"}
	sch := Table{Key: "records.schedules", Title: "Retention schedules in force", Columns: []string{"class", "retain", "locked"}}
	var locks tally
	for _, x := range f.Schedules {
		locked := "no"
		if x.Locked {
			locked = "yes"
			locks.add(1, last(x.Seqs))
		}
		sch.Rows = append(sch.Rows, Row{Cells: []string{x.Class, x.Retain, locked}, Seqs: x.Seqs})
	}
	pt := Table{Key: "records.purges", Title: "Purges", Columns: []string{"purge", "finished", "class", "records", "archive SHA-256", "plan", "approved by"}}
	var purged tally
	for _, x := range f.Purges {
		if !p.Contains(x.FinishedAt) {
			continue
		}
		class := x.Class
		if class == "" {
			class = "all"
		}
		by := strings.Join(x.Approvers, ", ")
		if x.RequestID == "" {
			by = "(direct purge, no plan)"
		}
		pt.Rows = append(pt.Rows, Row{Cells: []string{fmt.Sprint(x.ID), x.FinishedAt.Format(time.DateOnly), class, fmt.Sprint(x.Deleted), x.ArchiveSHA256, x.RequestID, by}, Seqs: x.Seqs})
		purged.add(x.Deleted, last(x.Seqs))
	}
	var placed, released, inForce tally
	for _, h := range f.Holds {
		if p.Contains(h.CreatedAt) {
			placed.add(1, first(h.Seqs))
		}
		if p.Contains(h.ReleasedAt) {
			released.add(1, last(h.Seqs))
		}
		if h.CreatedAt.Before(p.To) && (h.ReleasedAt.IsZero() || !h.ReleasedAt.Before(p.To)) {
			inForce.add(1, first(h.Seqs))
		}
	}
	var asked, approved, external tally
	for _, l := range f.Lookups {
		if !p.Contains(l.CreatedAt) {
			continue
		}
		asked.add(1, first(l.Seqs))
		if l.State == "approved" || l.State == "applied" {
			approved.add(1, last(l.Seqs))
		}
		if l.External {
			external.add(1, first(l.Seqs))
		}
	}
	s.Figures = append(s.Figures,
		Figure{Key: "records.schedules", Label: "Retention schedules in force", Value: int64(len(f.Schedules)), Seqs: rowSeqs(sch)},
		locks.figure("records.locks", "Retention periods locked as minimums"),
		purged.figure("records.purged", "Records purged"),
		placed.figure("records.holds_placed", "Legal holds placed"),
		released.figure("records.holds_released", "Legal holds released"),
		inForce.figure("records.holds_in_force", "Legal holds in force at the end of the period"),
		asked.figure("records.lookups", "Record look-ups requested"),
		approved.figure("records.lookups_approved", "… approved"),
		external.figure("records.lookups_external", "… for an external authority"),
	)
	s.Tables = append(s.Tables, sch, pt)
	return s
}

func incidents(f *Facts, p Period) Section {
	s := Section{Key: "incidents", Title: "Incidents"}
	prev := p.YearBefore()
	months := p.Months()
	perMonth := map[string][]float64{}
	for _, sv := range severities {
		perMonth[sv] = make([]float64, len(months))
	}
	bySev, byType, prevSev := map[string]*tally{}, map[string]*tally{}, map[string]*tally{}
	get := func(m map[string]*tally, k string) *tally {
		if m[k] == nil {
			m[k] = &tally{}
		}
		return m[k]
	}
	var total, prevTotal, met, missed, pending, disclosures, frozen, restored, open tally
	rt := Table{Key: "incidents.reporting", Title: "Detection to report", Columns: []string{"incident", "type", "severity", "detected", "reported", "hours", "deadline"}}
	tc := Chart{Key: "incidents.report_times", Title: "Hours from detection to report", Unit: "hours"}
	hours := Series{Name: "hours to report"}
	limit := 0.0
	for _, in := range f.Incidents {
		if in.State != "closed" {
			open.add(1, in.OpenSeq)
		}
		if prev.Contains(in.DetectedAt) {
			prevTotal.add(1, in.OpenSeq)
			get(prevSev, in.Severity).add(1, in.OpenSeq)
		}
		if !p.Contains(in.DetectedAt) {
			continue
		}
		total.add(1, in.OpenSeq)
		get(bySev, in.Severity).add(1, in.OpenSeq)
		get(byType, in.Type).add(1, in.OpenSeq)
		for i := len(months) - 1; i >= 0; i-- {
			if !in.DetectedAt.Before(months[i]) {
				perMonth[in.Severity][i]++
				break
			}
		}
		if in.Notifications > 0 {
			disclosures.n += in.Notifications
			disclosures.seqs = append(disclosures.seqs, in.NotifySeqs...)
		}
		if in.Frozen > 0 {
			frozen.add(in.Frozen, in.OpenSeq)
		}
		if in.Restored > 0 {
			restored.add(in.Restored, in.CloseSeq)
		}
		reported, h, verdict := "not yet", "", ""
		allowed := in.Deadline.Sub(in.DetectedAt).Hours()
		limit = max(limit, allowed)
		switch {
		case in.ReportedAt.IsZero() && f.Now.After(in.Deadline):
			missed.add(1, in.OpenSeq)
			verdict = "missed (not reported)"
		case in.ReportedAt.IsZero():
			pending.add(1, in.OpenSeq)
			verdict = "pending"
		case in.ReportedAt.After(in.Deadline):
			missed.add(1, in.OpenSeq)
			verdict = "missed"
		default:
			met.add(1, in.OpenSeq)
			verdict = "met"
		}
		if !in.ReportedAt.IsZero() {
			reported = in.ReportedAt.Format("2006-01-02 15:04")
			d := in.ReportedAt.Sub(in.DetectedAt).Hours()
			h = fmt.Sprintf("%.1f", d)
			tc.Categories = append(tc.Categories, in.ID)
			hours.Values = append(hours.Values, d)
		}
		rt.Rows = append(rt.Rows, Row{Cells: []string{in.ID, in.Type, in.Severity, in.DetectedAt.Format("2006-01-02 15:04"), reported, h, fmt.Sprintf("%s (%.0f h)", verdict, allowed)}, Seqs: in.Seqs})
	}
	s.Figures = append(s.Figures,
		total.figure("incidents.detected", "Incidents detected"),
		met.figure("incidents.reported_in_time", "Reported within the deadline"),
		missed.figure("incidents.deadline_missed", "Deadline missed"),
		pending.figure("incidents.report_pending", "Not yet reported, deadline not yet passed"),
		disclosures.figure("incidents.disclosures", "Disclosures made (regulator, customers, management)"),
		frozen.figure("incidents.accounts_frozen", "Accounts frozen by these incidents"),
		restored.figure("incidents.accounts_restored", "Accounts restored at close"),
		open.figure("incidents.open", "Incidents open now (any period)"),
		prevTotal.figure("incidents.year_before", "Incidents detected in "+prev.Label+" (a year earlier)"),
	)
	sev := Table{Key: "incidents.by_severity", Title: "By severity, against a year earlier", Columns: []string{"severity", p.Label, prev.Label}}
	for _, k := range severities {
		a, b := get(bySev, k), get(prevSev, k)
		sev.Rows = append(sev.Rows, Row{Cells: []string{k, fmt.Sprint(a.n), fmt.Sprint(b.n)}, Seqs: append(slices.Clone(a.seqs), b.seqs...)})
	}
	typ := Table{Key: "incidents.by_type", Title: "By type", Columns: []string{"type", "incidents"}}
	for _, k := range incidentTypes {
		a := get(byType, k)
		typ.Rows = append(typ.Rows, Row{Cells: []string{k, fmt.Sprint(a.n)}, Seqs: a.seqs})
	}
	s.Tables = append(s.Tables, sev, typ, rt)
	cats := make([]string, len(months))
	for i, m := range months {
		cats[i] = m.Format("Jan 2006")
	}
	mc := Chart{Key: "incidents.per_month", Title: "Incidents per month by severity", Unit: "incidents", Categories: cats, Stacked: true}
	for _, k := range severities {
		mc.Series = append(mc.Series, Series{Name: k, Values: perMonth[k]})
	}
	mc.Alt = alt(mc)
	tc.Series = []Series{hours}
	if limit > 0 {
		tc.Limit, tc.LimitLabel = limit, fmt.Sprintf("deadline %.0f h", limit)
	}
	tc.Alt = alt(tc)
	s.Charts = append(s.Charts, mc, tc)
	return s
}

func training(f *Facts) Section {
	s := Section{Key: "training", Title: "Training"}
	if f.Training == nil {
		s.Missing = []string{"Training coverage and pass rate per department (goals: 100% coverage, 90% pass rate): no course is registered (custos training add)."}
		return s
	}
	c := Chart{Key: "training.coverage", Title: "Training coverage per department", Unit: "% of staff", Limit: 100, LimitLabel: "goal 100%"}
	cov := Series{Name: "coverage"}
	for _, d := range f.Training {
		s.Figures = append(s.Figures,
			Figure{Key: "training.coverage." + d.Department, Label: "Coverage, " + d.Department, Value: d.Trained, Of: d.Staff, Goal: 100, Seqs: d.Seqs},
			Figure{Key: "training.pass." + d.Department, Label: "Pass rate, " + d.Department, Value: d.Passed, Of: d.Trained, Goal: 90, Seqs: d.Seqs})
		c.Categories = append(c.Categories, d.Department)
		pct := 0.0
		if d.Staff > 0 {
			pct = float64(100*d.Trained) / float64(d.Staff)
		}
		cov.Values = append(cov.Values, pct)
	}
	c.Series = []Series{cov}
	c.Alt = alt(c)
	s.Charts = []Chart{c}
	return s
}

func integrity(f *Facts) Section {
	s := Section{Key: "integrity", Title: "Integrity of the audit log"}
	ok := int64(0)
	if f.Verify.OK {
		ok = 1
	}
	verified, entries, verdict := "Chain verified at report time (1 intact, 0 broken)", "Entries verified", "intact"
	if cp := f.Verify.Since; cp != nil {
		// What was checked, and no more: the entries up to the checkpoint
		// were verified when the checkpoint was, not now.
		which := fmt.Sprintf("the signed checkpoint of %d entries", cp.Size)
		if cp.Stored {
			which = fmt.Sprintf("the latest signed checkpoint kept in the store (%d entries, made %s)", cp.Size, stamp(cp.At))
		}
		verified = fmt.Sprintf("Log verified at report time since %s: its signature against the verifier key given, the Merkle tree root at %d matching the signed root, and the entries after it chained on to the root now (1 intact, 0 broken)", which, cp.Size)
		entries = fmt.Sprintf("Entries chained after the checkpoint (entries 1 to %d were not re-read: run custos audit verify for a full check)", cp.Size)
		verdict = fmt.Sprintf("intact since the checkpoint of %d entries", cp.Size)
	}
	s.Figures = append(s.Figures,
		Figure{Key: "integrity.verified", Label: verified, Value: ok, Seqs: []int64{f.Head.Seq}},
		Figure{Key: "integrity.entries", Label: entries, Value: f.Verify.Entries, Seqs: []int64{f.Head.Seq}},
	)
	t := Table{Key: "integrity.head", Title: "Computed against", Columns: []string{"entry", "hash", "verification"}}
	if !f.Verify.OK {
		verdict = "BROKEN: " + f.Verify.Error
	}
	t.Rows = []Row{{Cells: []string{fmt.Sprint(f.Head.Seq), f.Head.Hash, verdict}, Seqs: []int64{f.Head.Seq}}}
	s.Tables = append(s.Tables, t)
	if cp := f.Verify.Since; cp != nil {
		w := strings.Join(cp.Witnesses, ", ")
		if w == "" {
			w = "none checked (--witness KEY)"
		}
		source, seqs := "a file the auditor gave (--since)", []int64{cp.Size}
		if cp.Stored {
			source = "the latest kept in the store, made " + stamp(cp.At)
			seqs = append(seqs, cp.Seq)
		}
		s.Tables = append(s.Tables, Table{Key: "integrity.since", Title: "Signed checkpoint verified from", Columns: []string{"log", "size", "witnesses checked", "checkpoint"},
			Rows: []Row{{Cells: []string{cp.Origin, fmt.Sprint(cp.Size), w, source}, Seqs: seqs}}})
	}
	if len(f.Checkpoints) == 0 {
		s.Missing = []string{"The latest signed checkpoint and the checkpoints' ages: the log records no signed checkpoint; take one with CUSTOS_AUDIT_SIGNING_KEY=FILE custos audit checkpoint (docs/audit-log.md)."}
		return s
	}
	s.Missing = []string{"The witnesses of each checkpoint: they cosign the note outside custos; check them with custos audit verify --checkpoint FILE --vkey KEY --witness KEY."}
	latest := f.Checkpoints[0]
	s.Figures = append(s.Figures, Figure{Key: "integrity.checkpoint_age", Label: "Age of the latest signed checkpoint (days)",
		Value: int64(f.Now.Sub(latest.At).Hours() / 24), Seqs: []int64{latest.Seq}})
	ct := Table{Key: "integrity.checkpoints", Title: "Signed checkpoints (newest first)", Columns: []string{"size", "signed", "age (days)", "witnesses"}}
	for _, c := range f.Checkpoints {
		w := strings.Join(c.Witnesses, ", ")
		if w == "" {
			w = "see the cosigned note"
		}
		ct.Rows = append(ct.Rows, Row{Cells: []string{fmt.Sprint(c.Size), c.At.Format(time.DateOnly), fmt.Sprintf("%.0f", f.Now.Sub(c.At).Hours()/24), w}, Seqs: []int64{c.Seq}})
	}
	s.Tables = append(s.Tables, ct)
	return s
}

func first(s []int64) int64 {
	if len(s) == 0 {
		return 0
	}
	return slices.Min(s)
}

func last(s []int64) int64 {
	if len(s) == 0 {
		return 0
	}
	return slices.Max(s)
}

func rowSeqs(t Table) []int64 {
	var out []int64
	for _, r := range t.Rows {
		out = append(out, r.Seqs...)
	}
	return out
}

// alt describes a chart's data in a sentence per series.
func alt(c Chart) string {
	if len(c.Categories) == 0 {
		return c.Title + ": nothing to draw in this period."
	}
	var b strings.Builder
	b.WriteString(c.Title + ". ")
	for _, s := range c.Series {
		parts := make([]string, len(c.Categories))
		for i, cat := range c.Categories {
			parts[i] = fmt.Sprintf("%s %s", cat, trim(s.Values[i]))
		}
		fmt.Fprintf(&b, "%s (%s): %s. ", s.Name, c.Unit, strings.Join(parts, ", "))
	}
	if c.Limit > 0 {
		fmt.Fprintf(&b, "Line at %s.", c.LimitLabel)
	}
	return strings.TrimSpace(b.String())
}

// trim prints a value without a needless fraction.
func trim(v float64) string {
	if v == float64(int64(v)) {
		return fmt.Sprint(int64(v))
	}
	return fmt.Sprintf("%.1f", v)
}

// earlier is the earlier of two times.
func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
