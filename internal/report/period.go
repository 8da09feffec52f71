package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Period is the span a report covers: From inclusive, To exclusive, both
// midnight UTC.
type Period struct {
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
	Label string    `json:"label"`
}

// Contains reports whether t falls in the period.
func (p Period) Contains(t time.Time) bool {
	return !t.IsZero() && !t.Before(p.From) && t.Before(p.To)
}

// YearBefore is the same span a year earlier, for the trend.
func (p Period) YearBefore() Period {
	q := Period{From: p.From.AddDate(-1, 0, 0), To: p.To.AddDate(-1, 0, 0)}
	q.Label = label(q)
	return q
}

// Months are the first days of the calendar months the period touches.
func (p Period) Months() []time.Time {
	var out []time.Time
	for m := time.Date(p.From.Year(), p.From.Month(), 1, 0, 0, 0, 0, time.UTC); m.Before(p.To); m = m.AddDate(0, 1, 0) {
		out = append(out, m)
	}
	return out
}

// Quarter is the calendar quarter named like 2026-Q4.
func Quarter(s string) (Period, error) {
	ys, qs, ok := strings.Cut(strings.ToUpper(s), "-Q")
	y, err1 := strconv.Atoi(ys)
	q, err2 := strconv.Atoi(qs)
	if !ok || len(ys) != 4 || len(qs) != 1 || err1 != nil || err2 != nil || q < 1 || q > 4 {
		return Period{}, fmt.Errorf("quarter %q is not like 2026-Q4", s)
	}
	from := time.Date(y, time.Month(3*(q-1)+1), 1, 0, 0, 0, 0, time.UTC)
	return Period{From: from, To: from.AddDate(0, 3, 0), Label: s}, nil
}

// QuarterOf is the calendar quarter that contains t.
func QuarterOf(t time.Time) Period {
	t = t.UTC()
	p, _ := Quarter(fmt.Sprintf("%04d-Q%d", t.Year(), (int(t.Month())-1)/3+1))
	return p
}

// Dates is the period from one date to another, both days included.
func Dates(from, to string) (Period, error) {
	f, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return Period{}, fmt.Errorf("from date %q is not YYYY-MM-DD", from)
	}
	t, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return Period{}, fmt.Errorf("to date %q is not YYYY-MM-DD", to)
	}
	if t.Before(f) {
		return Period{}, fmt.Errorf("to date %s is before from date %s", to, from)
	}
	p := Period{From: f, To: t.AddDate(0, 0, 1)}
	p.Label = label(p)
	return p, nil
}

// label names a period: its quarter when it is one, else its first and
// last day.
func label(p Period) string {
	if q := QuarterOf(p.From); q.From.Equal(p.From) && q.To.Equal(p.To) {
		return q.Label
	}
	return p.From.Format(time.DateOnly) + " to " + p.To.AddDate(0, 0, -1).Format(time.DateOnly)
}
