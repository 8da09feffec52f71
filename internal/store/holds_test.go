package store

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/records"
)

// notHeld, the SQL a purge and a listing filter with, lets through exactly
// the records no active hold covers (records.Hold.Covers), whichever kinds
// of hold are active, with released holds of every kind beside them.
func TestNotHeldAgreesWithCovers(t *testing.T) {
	s := MustOpen(t)
	ctx := context.Background()
	day := func(y, m int) time.Time { return time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC) }
	catalogue := []records.Record{
		{Class: "voice", Subject: "acme", CreatedAt: day(2019, 1)},
		{Class: "voice", Subject: "globex", CreatedAt: day(2020, 1)},
		{Class: "text", CreatedAt: day(2021, 1)},
		{Class: "mail", Subject: "acme", CreatedAt: day(2022, 1)},
		{Class: "voice", CreatedAt: day(2023, 6)},
		{Class: "fax", Subject: "x", CreatedAt: day(2024, 6)},
	}
	write := func(what string, fn func(Tx) error) {
		t.Helper()
		if err := s.Invoke(ctx, inv(what, "ana"), Spec{Write: true}, fn); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	write("records import", func(tx Tx) error {
		ins, err := tx.Records().NewRecordInserter()
		if err != nil {
			return err
		}
		for i := range catalogue {
			if err := ins.Add(&catalogue[i], false); err != nil {
				return err
			}
		}
		_, err = ins.Close()
		return err
	})
	// Released holds of every kind, each of which would cover record 6.
	write("records hold", func(tx Tx) error {
		for _, h := range []records.Hold{
			{Name: "old-class", Kind: records.HoldClass, Value: "fax"},
			{Name: "old-subject", Kind: records.HoldSubject, Value: "x"},
			{Name: "old-records", Kind: records.HoldRecords, Records: []int64{6}},
			{Name: "old-range", Kind: records.HoldRange, From: day(2024, 1), To: day(2025, 1)},
		} {
			h.Reason = "closed matter"
			if err := tx.Records().AddHold(&h); err != nil {
				return err
			}
			if _, err := tx.Records().ReleaseHold(h.Name, "closed"); err != nil {
				return err
			}
		}
		return nil
	})
	kinds := []records.Hold{
		{Kind: records.HoldClass, Value: "text"},
		{Kind: records.HoldSubject, Value: "acme"},
		{Kind: records.HoldRecords, Records: []int64{2}},
		{Kind: records.HoldRange, From: day(2023, 1), To: day(2024, 1)},
	}
	for mask := range 1 << len(kinds) {
		var names []string
		write("records hold", func(tx Tx) error {
			for i, h := range kinds {
				if mask&(1<<i) == 0 {
					continue
				}
				h.Name, h.Reason = fmt.Sprintf("h%d-%d", mask, i), "matter"
				names = append(names, h.Name)
				if err := tx.Records().AddHold(&h); err != nil {
					return err
				}
			}
			return nil
		})
		err := s.Invoke(ctx, inv("records list", "ana"), Spec{}, func(tx Tx) error {
			holds, err := tx.Records().Holds(false)
			if err != nil {
				return err
			}
			var want []int64
			for i := range catalogue {
				r := &catalogue[i]
				if !slices.ContainsFunc(holds, func(h records.Hold) bool { return h.Covers(r) }) {
					want = append(want, r.ID)
				}
			}
			var got []int64
			rows, err := tx.(*txn).tx.Query(`SELECT r.id FROM records r WHERE ` + notHeld(holds) + ` ORDER BY r.id`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id int64
				rows.Scan(&id)
				got = append(got, id)
			}
			if !slices.Equal(got, want) {
				t.Errorf("holds %v active: SQL lets through %v, Covers %v", names, got, want)
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		write("records release", func(tx Tx) error {
			for _, n := range names {
				if _, err := tx.Records().ReleaseHold(n, "done"); err != nil {
					return err
				}
			}
			return nil
		})
	}
}
