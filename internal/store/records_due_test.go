package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/records"
	"github.com/custos-dev/custos/internal/when"
)

// oldDueQuery is the due listing as it was before it was bounded by each
// class's retention window (issue 17): every record of every scheduled
// class, each one decided in Go.
func oldDueQuery(f RecordFilter, holds []records.Hold) (string, []any) {
	var where []string
	var args []any
	if f.Class != "" {
		args = append(args, f.Class)
		where = append(where, "r.class = $1")
	}
	where = append(where, notHeld(holds), "r.class IN (SELECT class FROM retention)")
	q := `SELECT ` + prefixed("r.", recordColumns) + ` FROM records r WHERE ` + strings.Join(where, " AND ")
	return q + ` ORDER BY r.class, r.created_at, r.id`, args
}

// The bounded due listing lists, byte for byte, what reading every record
// listed: across month ends, where adding months clamps, around holds of
// every kind, and for classes without a schedule.
func TestDueListingMatchesOldQuery(t *testing.T) {
	s := MustOpen(t)
	ctx := context.Background()
	month := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 30, 0, 0, time.UTC) }
	err := s.Invoke(ctx, inv("setup", "ana"), Spec{Write: true}, func(tx Tx) error {
		for class, retain := range map[string]string{"mail": "1m", "voice": "1y", "chat": "30d", "scan": "1y1m", "video": "2w"} {
			d, err := when.ParseDuration(retain)
			if err != nil {
				return err
			}
			if _, err := tx.Records().SetRetention(class, d, ""); err != nil {
				return err
			}
		}
		ins, err := tx.Records().NewRecordInserter()
		if err != nil {
			return err
		}
		classes := []string{"mail", "voice", "chat", "scan", "video", "loose"} // loose has no schedule
		n := 0
		add := func(at time.Time) error {
			n++
			return ins.Add(&records.Record{Class: classes[n%len(classes)], CreatedAt: at, Subject: fmt.Sprintf("s%d", n%7)}, false)
		}
		// Month ends and starts around the as-of dates below, in 2024
		// (a leap year), 2025 and 2026, at several times of day.
		for _, y := range []int{2024, 2025, 2026} {
			for _, m := range []time.Month{1, 2, 3, 11, 12} {
				for _, d := range []int{1, 2, 27, 28, 29, 30, 31} {
					for _, h := range []int{0, 11, 12, 23} {
						if err := add(month(y, m, d, h)); err != nil {
							return err
						}
					}
				}
			}
		}
		// And a spread over the years, twice at the same instant.
		for i := range 400 {
			at := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * 151 * time.Hour)
			if err := add(at); err != nil {
				return err
			}
			if err := add(at); err != nil {
				return err
			}
		}
		_, err = ins.Close()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	hold(t, s, "subj", "s3")
	err = s.Invoke(ctx, inv("records hold", "ana"), Spec{Write: true}, func(tx Tx) error {
		for _, h := range []records.Hold{
			{Name: "cls", Reason: "x", Kind: records.HoldClass, Value: "video"},
			{Name: "ids", Reason: "x", Kind: records.HoldRecords, Records: []int64{5, 17, 400, 401, 402}},
			{Name: "rng", Reason: "x", Kind: records.HoldRange, From: month(2025, 1, 28, 0), To: month(2025, 2, 2, 0)},
		} {
			if err := tx.Records().AddHold(&h); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	release(t, s, "cls")

	listed := 0
	for _, asOf := range []time.Time{month(2026, 2, 28, 12), month(2026, 3, 1, 0), month(2026, 3, 3, 11), month(2025, 3, 31, 23),
		month(2026, 12, 31, 12), month(2024, 2, 29, 11), time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)} {
		for _, class := range []string{"", "mail", "voice", "chat", "scan", "video", "loose", "none"} {
			f := RecordFilter{Class: class, Due: true, AsOf: asOf}
			var want, got strings.Builder
			err := s.View(ctx, inv("records list", "ana"), Spec{}, func(tx Tx) error {
				schedules, holds, err := tx.(*txn).rules()
				if err != nil {
					return err
				}
				q, args := oldDueQuery(f, holds)
				rows, err := tx.(*txn).tx.QueryContext(ctx, q, args...)
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					r, err := scanRecord(rows)
					if err != nil {
						return err
					}
					if d := records.Decide(r, schedules, holds, asOf); d.Purge {
						fmt.Fprintf(&want, "%+v %s\n", *r, d.Reason)
					}
				}
				if err := rows.Err(); err != nil {
					return err
				}
				return tx.Records().ListRecords(f, func(r *records.Record, d records.Decision) error {
					fmt.Fprintf(&got, "%+v %s\n", *r, d.Reason)
					return nil
				})
			})
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Fatalf("as of %s, class %q:\n got:\n%s\nwant:\n%s", asOf, class, got.String(), want.String())
			}
			listed += strings.Count(want.String(), "\n")
			// With a limit, the first records of the same listing: the
			// statement's LIMIT counts rows Decide may leave out (near a
			// window's end, where clamped months are not in creation
			// order), so the listing reads on after them. Limits about
			// the whole listing's length reach the window's end.
			n := strings.Count(want.String(), "\n")
			for _, limit := range []int{1, 2, 7, n - 2, n - 1, n, n + 1} {
				if limit <= 0 {
					continue
				}
				var got strings.Builder
				g := f
				g.Limit = limit
				err := s.View(ctx, inv("records list", "ana"), Spec{}, func(tx Tx) error {
					return tx.Records().ListRecords(g, func(r *records.Record, d records.Decision) error {
						fmt.Fprintf(&got, "%+v %s\n", *r, d.Reason)
						return nil
					})
				})
				if err != nil {
					t.Fatal(err)
				}
				if want := firstLines(want.String(), limit); got.String() != want {
					t.Fatalf("as of %s, class %q, limit %d:\n got:\n%s\nwant:\n%s", asOf, class, limit, got.String(), want)
				}
			}
		}
	}
	if listed < 1000 {
		t.Fatalf("only %d due records listed: the catalogue tests too little", listed)
	}
}

// firstLines is the first n lines of s, or all of them.
func firstLines(s string, n int) string {
	i := 0
	for ; n > 0 && i < len(s); n-- {
		j := strings.IndexByte(s[i:], '\n')
		if j < 0 {
			return s
		}
		i += j + 1
	}
	return s[:i]
}
