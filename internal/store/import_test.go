package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/records"
)

func importRows(n int, subject string) func(Tx, func(*records.Record) error) error {
	return func(_ Tx, add func(*records.Record) error) error {
		for i := range n {
			r := &records.Record{Class: "voice", CreatedAt: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second),
				Subject: fmt.Sprintf("%s-%d", subject, i)}
			if err := add(r); err != nil {
				return err
			}
		}
		return nil
	}
}

// An import interrupted part-way is finished by the next one: run again
// with the same rows it is not imported twice, and an import of other
// rows finishes it first. Every record is there exactly once, each import
// under the ids it reserved, and one entry per invocation.
func TestInterruptedImportIsFinishedNotRepeated(t *testing.T) {
	s := MustOpen(t)
	ctx := context.Background()
	const n = 5000
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	res, err := s.RunImport(cctx, inv("records import", "ana"), Spec{Write: true}, ImportRequest{
		Source: "a.csv", Rows: importRows(n, "a"),
		Progress: func(done, total int64) { cancel() },
	})
	if errs.CodeOf(err) != errs.Interrupted || res == nil || !res.Recorded {
		t.Fatalf("interrupted import: %v %+v", err, res)
	}
	count := func(q string, args ...any) int64 {
		var c int64
		if err := s.db.QueryRow(q, args...).Scan(&c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	loaded := count(`SELECT count(*) FROM records`)
	if loaded == 0 || loaded >= n || count(`SELECT loaded FROM imports WHERE id = 1`) != loaded {
		t.Fatalf("after the interrupt: %d records loaded", loaded)
	}

	var notices []string
	res, err = s.RunImport(ctx, inv("records import", "ana"), Spec{Write: true}, ImportRequest{
		Source: "a.csv", Rows: importRows(n, "a"),
		Notice: func(format string, args ...any) { notices = append(notices, fmt.Sprintf(format, args...)) },
	})
	if err != nil || !res.Resumed || res.Imported != n || len(notices) != 1 {
		t.Fatalf("same rows again: %v %+v %q", err, res, notices)
	}
	if c := count(`SELECT count(*) FROM records`); c != n {
		t.Fatalf("%d records, want %d", c, n)
	}

	// Interrupted again, then other rows: the first is finished, then
	// the other imported.
	cctx, cancel = context.WithCancel(ctx)
	s.RunImport(cctx, inv("records import", "ana"), Spec{Write: true}, ImportRequest{
		Source: "b.csv", Rows: importRows(n, "b"), Progress: func(done, total int64) { cancel() },
	})
	res, err = s.RunImport(ctx, inv("records import", "ana"), Spec{Write: true}, ImportRequest{Source: "c.csv", Rows: importRows(10, "c")})
	if err != nil || res.Resumed || res.Imported != 10 || len(res.Finished) != 1 {
		t.Fatalf("other rows: %v %+v", err, res)
	}
	if c := count(`SELECT count(*) FROM records`); c != 2*n+10 {
		t.Fatalf("%d records, want %d", c, 2*n+10)
	}
	if c := count(`SELECT count(*) FROM imports WHERE state = 'done'`); c != 3 {
		t.Fatalf("%d imports done", c)
	}
	// Ids: 1 … 2n+10, each import's records where it reserved them.
	if lo, hi := count(`SELECT min(id) FROM records`), count(`SELECT max(id) FROM records`); lo != 1 || hi != 2*n+10 {
		t.Fatalf("ids %d … %d", lo, hi)
	}
	if c := count(`SELECT count(*) FROM records r JOIN imports i ON r.id BETWEEN i.first_id AND i.first_id + i.count - 1
		WHERE r.subject LIKE substr(i.source, 1, 1) || '-%'`); c != 2*n+10 {
		t.Fatalf("%d records in their import's id range, want %d", c, 2*n+10)
	}
	// One entry per invocation: init, four imports.
	if c := count(`SELECT count(*) FROM audit_log WHERE command = 'records import'`); c != 4 {
		t.Fatalf("%d import entries, want 4", c)
	}
}

// A bad row refuses the import before anything is recorded or staged.
func TestImportWithABadRowChangesNothing(t *testing.T) {
	s := MustOpen(t)
	bad := func(_ Tx, add func(*records.Record) error) error {
		if err := importRows(100, "x")(nil, add); err != nil {
			return err
		}
		return errs.Invalidf("line 101: created: not a time")
	}
	_, err := s.RunImport(context.Background(), inv("records import", "ana"), Spec{Write: true}, ImportRequest{Source: "x.csv", Rows: bad})
	if errs.CodeOf(err) != errs.Invalid {
		t.Fatal(err)
	}
	var recs, imps int
	s.db.QueryRow(`SELECT count(*) FROM records`).Scan(&recs)
	s.db.QueryRow(`SELECT count(*) FROM imports`).Scan(&imps)
	if recs != 0 || imps != 0 {
		t.Fatalf("%d records, %d imports", recs, imps)
	}
}
