package store

import (
	"context"
	"fmt"
	"github.com/custos-dev/custos/bench/seed"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/audit"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/testutil/pgtest"
)

// verifyWith runs audit verify with segments of size entries and returns
// the number of entries found intact and the error.
func verifyWith(t *testing.T, s *sqlStore, size int64) (int64, error) {
	t.Helper()
	defer func(old int64) { verifySegment = old }(verifySegment)
	verifySegment = size
	var count int64
	var calls int
	err := s.Invoke(context.Background(), inv("audit verify", "ana"), Spec{}, func(tx Tx) error {
		v, err := tx.Audit().VerifyAudit(nil, 0, func(done, total int64) { calls++ })
		count = v.Count
		return err
	})
	if err == nil && calls == 0 {
		t.Error("progress was never reported")
	}
	return count, err
}

// tamper edits the store as someone with the file and the sqlite3 shell
// could: the append-only triggers dropped first.
func tamper(t *testing.T, s *sqlStore, stmts ...string) {
	t.Helper()
	if pgtest.Enabled() {
		tamperQuietly(t, s, stmts...)
		return
	}
	for _, q := range append([]string{`PRAGMA foreign_keys = OFF`, `DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`}, stmts...) {
		if _, err := s.db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// The log is checked in parallel segments; whatever their size, an intact
// log verifies entry by entry and each kind of tampering is found at the
// entry where it starts, including at the seams between segments.
func TestVerifyInParallelSegments(t *testing.T) {
	setup := func(t *testing.T) *sqlStore {
		s := MustOpen(t)
		seedStore(t, s, seed.Scale{AuditEntries: 20})
		return s
	}
	s := setup(t)
	want := int64(len(entries(t, s)))
	for _, size := range []int64{1, 2, 3, 7, 1 << 16} {
		// Each verification adds its own entry, checked by the next one.
		n, err := verifyWith(t, s, size)
		if err != nil || n != want {
			t.Fatalf("segments of %d: %d entries, %v", size, n, err)
		}
		want++
	}

	tests := []struct {
		name  string
		stmts []string
		want  string
	}{
		{"edited at a seam", []string{`UPDATE audit_log SET host = 'x' WHERE seq = 7`}, "entry 7: its contents do not match"},
		{"deleted across a seam", []string{`DELETE FROM audit_log WHERE seq BETWEEN 5 AND 9`}, "entry 5: entries 5 to 9 are missing"},
		{"reordered across a seam", []string{
			`UPDATE audit_log SET seq = -6 WHERE seq = 6`,
			`UPDATE audit_log SET seq = 6 WHERE seq = 7`,
			`UPDATE audit_log SET seq = 7 WHERE seq = -6`,
		}, "entry 6: it does not follow entry 5"},
		{"a value of the wrong type", sqliteOnly(`UPDATE audit_log SET pid = 'abc' WHERE seq = 12`), "entry 12: its contents do not match"},
		{"an entry numbered 0", []string{`INSERT INTO audit_log SELECT 0, at, real_operator, operator, host, pid, command, args, outcome, exit_code, error, objects, prev_hash, hash FROM audit_log WHERE seq = 1`},
			"entry 1: sequence number 0 is out of order"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.stmts == nil {
				t.Skip("PostgreSQL's columns are typed")
			}
			s := setup(t)
			tamper(t, s, tt.stmts...)
			for _, size := range []int64{1, 3, 6, 1 << 16} {
				_, err := verifyWith(t, s, size)
				if errs.CodeOf(err) != errs.Integrity || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("segments of %d: got %v, want %q", size, err, tt.want)
				}
			}
		})
	}
}

// An entry appended by a host whose clock is behind verifies (the chain is
// intact) and is named, with its host, on either engine.
func TestVerifyNamesEntriesTimedBeforeEarlierOnes(t *testing.T) {
	s := MustOpen(t)
	ctx := context.Background()
	tx, err := s.beginWrite(ctx, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for i, at := range []string{"2099-01-01T10:00:00.000000000Z", "2099-01-01T09:40:00.000000000Z", "2099-01-01T10:01:00.000000000Z"} {
		e := &audit.Entry{At: at, RealOperator: "ana", Operator: "ana", Host: fmt.Sprintf("h%d", i), PID: 1,
			Command: "operator list", Args: "[]", Outcome: "ok", Objects: "[]"}
		if err := insertEntry(ctx, tx, e, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	var v *audit.Verifier
	err = s.Invoke(ctx, inv("audit verify", "ana"), Spec{}, func(tx Tx) error {
		v, err = tx.Audit().VerifyAudit(nil, time.Minute, nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Skews) != 1 || v.Skews[0].Host != "h1" || v.Skews[0].Behind != 20*time.Minute {
		t.Fatalf("skews %+v", v.Skews)
	}
}

// custos starts on one processor (package procs); audit verify takes every
// processor the process may use before it sizes its workers.
func TestVerifyTakesEveryProcessor(t *testing.T) {
	runtime.SetDefaultGOMAXPROCS()
	all := runtime.GOMAXPROCS(0)
	s := MustOpen(t)
	runtime.GOMAXPROCS(1)
	t.Cleanup(runtime.SetDefaultGOMAXPROCS)
	if _, err := verifyWith(t, s, 1); err != nil {
		t.Fatal(err)
	}
	if got := runtime.GOMAXPROCS(0); got != all {
		t.Fatalf("audit verify ran with GOMAXPROCS %d, want %d", got, all)
	}
}
