package records

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/testutil/golden"
	"github.com/custos-dev/custos/internal/when"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func schedule(class, d string) Schedule {
	dur, err := when.ParseDuration(d)
	if err != nil {
		panic(err)
	}
	return Schedule{Class: class, Retain: dur}
}

// The retention decision for a table of records, compared with a golden
// file: every reason a record is kept or purged.
func TestDecide(t *testing.T) {
	schedules := map[string]Schedule{
		"voice":      schedule("voice", "3y"),
		"text":       schedule("text", "5y"),
		"multimedia": schedule("multimedia", "1y"),
		"monthly":    schedule("monthly", "1m"),
	}
	holds := []Hold{
		{Name: "acme-dispute", Kind: HoldSubject, Value: "acme"},
		{Name: "audit-2023", Kind: HoldRange, From: day("2023-01-01"), To: day("2023-02-01")},
		{Name: "case-17", Kind: HoldRecords, Records: []int64{7}},
		{Name: "released", Kind: HoldClass, Value: "multimedia", ReleasedAt: day("2026-01-01")},
		{Name: "all-text", Kind: HoldClass, Value: "text"},
	}
	asOf := day("2026-11-23")
	recs := []Record{
		{ID: 1, Class: "voice", CreatedAt: day("2023-11-22")},
		{ID: 2, Class: "voice", CreatedAt: day("2023-11-24")},
		{ID: 3, Class: "voice", CreatedAt: day("2020-05-01"), Subject: "acme"},
		{ID: 4, Class: "voice", CreatedAt: day("2023-01-15")},
		{ID: 5, Class: "text", CreatedAt: day("2010-01-01")},
		{ID: 6, Class: "multimedia", CreatedAt: day("2024-01-01")},
		{ID: 7, Class: "multimedia", CreatedAt: day("2024-01-01")},
		{ID: 8, Class: "fax", CreatedAt: day("1999-01-01")},
		{ID: 9, Class: "monthly", CreatedAt: day("2026-10-23")},
		{ID: 10, Class: "monthly", CreatedAt: day("2026-10-24")},
	}
	var b bytes.Buffer
	for i := range recs {
		r := &recs[i]
		d := Decide(r, schedules, holds, asOf)
		verdict := "keep "
		if d.Purge {
			verdict = "purge"
		}
		fmt.Fprintf(&b, "%2d %-10s %s  %s  %s\n", r.ID, r.Class, r.CreatedAt.Format("2006-01-02"), verdict, d.Reason)
	}
	golden.Check(t, "decide.golden", b.Bytes())
}

// Outside its window, Window agrees with Decide: everything created
// before lo is due, nothing created at or after hi is, for every day of a
// year and creation times every 6 hours around the window, months
// clamping included.
func TestWindowAgreesWithDecide(t *testing.T) {
	for _, d := range []string{"1m", "3m", "1y", "90d", "P1Y1M", "24h", "6m", "2m15d"} {
		s := schedule("c", d)
		for asOf := day("2026-01-01").Add(9 * time.Hour); asOf.Before(day("2027-01-01")); asOf = asOf.Add(24 * time.Hour) {
			lo, hi := s.Window(asOf)
			for created := lo.Add(-72 * time.Hour); created.Before(hi.Add(72 * time.Hour)); created = created.Add(6*time.Hour + time.Nanosecond) {
				if !created.Before(lo) && created.Before(hi) {
					continue // the edge, decided record by record
				}
				r := &Record{Class: "c", CreatedAt: created}
				if purge := Decide(r, map[string]Schedule{"c": s}, nil, asOf).Purge; purge != created.Before(lo) {
					t.Fatalf("%s as of %s: created %s outside the window [%s, %s): Decide says purge=%v", d, asOf, created, lo, hi, purge)
				}
			}
		}
	}
}
