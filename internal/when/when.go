// Package when parses the dates and durations custos accepts on the command
// line: dates as YYYY-MM-DD or RFC 3339, durations as 90d, 12w, 6m, 3y, 24h
// or ISO 8601 (P3Y, P1Y6M, PT12H). Months and years are calendar
// arithmetic: one month after January 31 is the last day of February.
package when

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseTime parses YYYY-MM-DD (midnight in loc) or RFC 3339.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if len(s) == len("2006-01-02") {
		if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
			return t, nil
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date: use YYYY-MM-DD or RFC 3339 (2026-01-31T09:00:00Z)", s)
}

// ParseTimeOrAgo parses a date as ParseTime does, or a duration meaning that
// long before now ("7d" is seven days ago).
func ParseTimeOrAgo(s string, now time.Time, loc *time.Location) (time.Time, error) {
	if t, err := ParseTime(s, loc); err == nil {
		return t, nil
	}
	if d, err := ParseDuration(s); err == nil {
		return d.Before(now), nil
	}
	return time.Time{}, fmt.Errorf("%q is neither a date (YYYY-MM-DD, RFC 3339) nor a duration (7d, 24h, P1M)", s)
}

// Duration is a calendar duration: years, months and days are added on the
// calendar; Clock is an exact span added after them.
type Duration struct {
	Years, Months, Days int
	Clock               time.Duration
}

// IsZero reports whether d adds nothing.
func (d Duration) IsZero() bool { return d == Duration{} }

// After returns t moved forward by d. Months are clamped to the last day of
// the target month instead of overflowing into the next one.
func (d Duration) After(t time.Time) time.Time {
	return addMonths(t, d.Years*12+d.Months).AddDate(0, 0, d.Days).Add(d.Clock)
}

// Before returns t moved back by d.
func (d Duration) Before(t time.Time) time.Time {
	return addMonths(t, -(d.Years*12+d.Months)).AddDate(0, 0, -d.Days).Add(-d.Clock)
}

func addMonths(t time.Time, n int) time.Time {
	if n == 0 {
		return t
	}
	y, m, day := t.Date()
	first := time.Date(y, m+time.Month(n), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	last := first.AddDate(0, 1, -1).Day()
	if day > last {
		day = last
	}
	return first.AddDate(0, 0, day-1)
}

// String renders d in the short form ParseDuration reads back.
func (d Duration) String() string {
	if d.IsZero() {
		return "0d"
	}
	var b strings.Builder
	for _, p := range []struct {
		n    int
		unit string
	}{{d.Years, "y"}, {d.Months, "m"}, {d.Days, "d"}} {
		if p.n != 0 {
			b.WriteString(strconv.Itoa(p.n) + p.unit)
		}
	}
	if d.Clock != 0 {
		if h := d.Clock / time.Hour; d.Clock == h*time.Hour {
			b.WriteString(strconv.FormatInt(int64(h), 10) + "h")
		} else {
			b.WriteString(d.Clock.String())
		}
	}
	return b.String()
}

// maxAmount bounds every number so arithmetic never overflows.
const maxAmount = 100000

// ParseDuration parses the short form (one or more of N followed by y, m
// (months), w, d or h, e.g. "3y", "1y6m", "24h") or ISO 8601 ("P3Y",
// "P1Y6M2W", "PT36H"). Negative and zero durations are refused.
func ParseDuration(s string) (Duration, error) {
	in := strings.TrimSpace(s)
	var d Duration
	var err error
	if strings.HasPrefix(in, "P") || strings.HasPrefix(in, "p") {
		d, err = parseISO(strings.ToUpper(in[1:]))
	} else {
		d, err = parseShort(in)
	}
	if err != nil {
		return Duration{}, fmt.Errorf("%q is not a duration: use 90d, 12w, 6m, 3y, 24h or ISO 8601 (P3Y)", s)
	}
	if d.IsZero() {
		return Duration{}, fmt.Errorf("%q is not a duration: it must be longer than zero", s)
	}
	return d, nil
}

func parseShort(s string) (Duration, error) {
	var d Duration
	if s == "" {
		return d, fmt.Errorf("empty")
	}
	err := eachPart(s, "ymwdh", false, func(n int, unit byte) { d.add(n, unit) })
	return d, err
}

func parseISO(s string) (Duration, error) {
	var d Duration
	if s == "" || s == "T" {
		return d, fmt.Errorf("empty")
	}
	date, clock, hasT := strings.Cut(s, "T")
	if hasT && clock == "" {
		return d, fmt.Errorf("empty time part")
	}
	err := eachPart(date, "YMWD", true, func(n int, unit byte) { d.add(n, unit+'a'-'A') })
	if err != nil {
		return d, err
	}
	err = eachPart(clock, "HMS", true, func(n int, unit byte) {
		switch unit {
		case 'H':
			d.Clock += time.Duration(n) * time.Hour
		case 'M':
			d.Clock += time.Duration(n) * time.Minute
		case 'S':
			d.Clock += time.Duration(n) * time.Second
		}
	})
	return d, err
}

// add adds n of a date unit (y, m, w, d) or hours (h).
func (d *Duration) add(n int, unit byte) {
	switch unit {
	case 'y':
		d.Years = n
	case 'm':
		d.Months = n
	case 'w':
		d.Days += 7 * n
	case 'd':
		d.Days += n
	case 'h':
		d.Clock += time.Duration(n) * time.Hour
	}
}

// eachPart walks parts such as "1y6m" calling fn for each; every unit is one
// of units and appears at most once, in the order of units when ordered.
func eachPart(s, units string, ordered bool, fn func(int, byte)) error {
	pos := 0
	seen := ""
	for s != "" {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 || i == len(s) || i > 6 {
			return fmt.Errorf("bad")
		}
		n, _ := strconv.Atoi(s[:i])
		if n > maxAmount {
			return fmt.Errorf("too large")
		}
		unit := s[i]
		k := strings.IndexByte(units[pos:], unit)
		if k < 0 || strings.IndexByte(seen, unit) >= 0 {
			return fmt.Errorf("unknown, repeated or misplaced unit")
		}
		if ordered {
			pos += k + 1
		}
		seen += string(unit)
		fn(n, unit)
		s = s[i+1:]
	}
	return nil
}

// ShorterThan reports whether d ends before o from some starting day: a
// period given in days or hours against one in months or years is shorter
// from some days and longer from others (365d against 1y across a leap
// day, 11m30d against 1y after a 30-day month), and a period that is
// shorter from any day lets something go sooner. Every day of a four-year
// cycle is tried, which covers every length of month, leap years and the
// clamping of month ends.
func (d Duration) ShorterThan(o Duration) bool {
	t := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for range 4*365 + 1 {
		if d.After(t).Before(o.After(t)) {
			return true
		}
		t = t.AddDate(0, 0, 1)
	}
	return false
}
