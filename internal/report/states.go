package report

import (
	"fmt"
	"time"
)

// StateChange is one account state change recorded in the log: the
// object state:USERNAME:FROM:TO of entry Seq (From "" when the entry
// made the account).
type StateChange struct {
	Username string
	From, To string
	Seq      int64
}

// StateLog is what the chart of account states over the period is
// computed from.
type StateLog struct {
	// FirstSeq is the first entry that can record state changes: entries
	// before it were written by a custos that did not record them.
	FirstSeq int64
	// FirstAt is that entry's time; zero while it is not written yet.
	FirstAt time.Time
	// Points are the instants charted (StatePoints) and PointSeqs the
	// last entry before each (0: none).
	Points    []time.Time
	PointSeqs []int64
	// Changes are, per account and in order, the changes that tell its
	// state at the points: the last one at or before the first point,
	// every later one up to the last point, and the first one after it.
	Changes map[string][]StateChange
}

// StatePoints are the instants the chart of account states shows: the
// start of the period and the end of each of its months, none later than
// now (the end of a period still running is now).
func StatePoints(p Period, now time.Time) []time.Time {
	end := earlier(p.To, now)
	out := []time.Time{p.From}
	for _, m := range p.Months() {
		next := m.AddDate(0, 1, 0)
		if next.After(end) {
			break
		}
		out = append(out, next)
	}
	if last := out[len(out)-1]; end.After(last) {
		out = append(out, end)
	}
	return out
}

// unknown is the state of an account at an instant the log does not
// tell.
const unknown = "unknown"

// stateAt is the state of account a just after entry seq, from the
// recorded changes, and the entry that tells it (0 for none): the last
// change up to seq; or, when every entry after seq records its changes,
// the state the first later change left ("" when it made the account:
// it did not exist yet), or the state now if it has not changed since.
// Before the first recording entry it is unknown, unless the account was
// made later.
func stateAt(a Account, changes []StateChange, seq, firstSeq int64) (string, int64) {
	var later *StateChange
	for i := len(changes) - 1; i >= 0; i-- {
		c := &changes[i]
		if c.Seq <= seq {
			return c.To, c.Seq
		}
		later = c
	}
	covered := firstSeq > 0 && seq+1 >= firstSeq
	switch {
	case later != nil && later.From == "":
		return "", later.Seq
	case !covered:
		return unknown, 0
	case later != nil:
		return later.From, later.Seq
	default:
		return a.State, a.Seq
	}
}

// statesOverPeriod is the table and chart of accounts by state at each
// point, and the figure saying from which entry the log records state
// changes.
func statesOverPeriod(f *Facts) (Figure, Table, Chart, string) {
	sl := f.States
	states := append(append([]string{}, accountStates...), unknown)
	t := Table{Key: "accounts.states_over_period", Title: "Accounts by state at the start of the period and at each month's end",
		Columns: append([]string{"at"}, states...)}
	c := Chart{Key: "accounts.states_over_period", Title: "Account states over the period", Unit: "accounts", Stacked: true}
	live := []struct {
		name   string
		states []string
	}{{"active", []string{"active"}}, {"frozen", []string{"frozen"}}, {"requested or approved", []string{"requested", "approved"}}, {"unknown", []string{unknown}}}
	series := make([][]float64, len(live))
	uncovered := false
	for i, pt := range sl.Points {
		seq := sl.PointSeqs[i]
		n := map[string]int64{}
		var seqs []int64
		for _, a := range f.Accounts {
			st, by := stateAt(a, sl.Changes[a.Username], seq, sl.FirstSeq)
			if st == "" {
				continue
			}
			if st == unknown {
				uncovered = true
			}
			n[st]++
			if by > 0 {
				seqs = append(seqs, by)
			}
		}
		label, cat := pt.UTC().Format("2006-01-02 15:04")+" (start)", "start"
		if i > 0 {
			label, cat = "end of "+pt.Add(-time.Nanosecond).UTC().Format(time.DateOnly), "end "+pt.Add(-time.Nanosecond).UTC().Format("Jan 2")
			if pt.Hour() != 0 || pt.Minute() != 0 || pt.Second() != 0 || pt.Nanosecond() != 0 {
				label, cat = pt.UTC().Format("2006-01-02 15:04")+" (now)", "now"
			}
		}
		row := Row{Cells: []string{label}, Seqs: append(seqs, seq)}
		for _, s := range states {
			row.Cells = append(row.Cells, fmt.Sprint(n[s]))
		}
		t.Rows = append(t.Rows, row)
		c.Categories = append(c.Categories, cat)
		for j, l := range live {
			v := 0.0
			for _, s := range l.states {
				v += float64(n[s])
			}
			series[j] = append(series[j], v)
		}
	}
	for j, l := range live {
		c.Series = append(c.Series, Series{Name: l.name, Values: series[j]})
	}
	c.Alt = alt(c)
	from := Figure{Key: "accounts.states_recorded_from", Label: "State changes are recorded from this audit entry on (entries before it were written by a custos that did not record them)", Value: sl.FirstSeq}
	if !sl.FirstAt.IsZero() {
		from.Label = fmt.Sprintf("State changes are recorded from audit entry %d (%s) on; entries before it were written by a custos that did not record them", sl.FirstSeq, stamp(sl.FirstAt))
		from.Seqs = []int64{sl.FirstSeq}
		if sl.FirstSeq == 1 {
			from.Label = "State changes are recorded from the first audit entry on: every change is known"
		}
	}
	missing := ""
	if uncovered {
		missing = fmt.Sprintf("Account states before audit entry %d: entries written before it do not record state changes, so an account whose state at a point they would have to tell is counted as unknown, not guessed.", sl.FirstSeq)
	}
	return from, t, c, missing
}
