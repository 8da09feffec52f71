package store

import (
	"context"
	"crypto/sha256"
	"fmt"
	"github.com/custos-dev/custos/bench/seed"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/access"
	"github.com/custos-dev/custos/internal/audit"
	"github.com/custos-dev/custos/internal/operator"
)

// seedGrants gives the store accounts × perAccount active grants over 100
// resources (see bench/seed).
func seedGrants(b *testing.B, s *sqlStore, accounts, perAccount int) {
	b.Helper()
	seedStore(b, s, seed.Scale{Accounts: accounts, GrantsPerAccount: perAccount})
}

// peakHeap samples the live heap every 5 ms until stopped.
func peakHeap() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return func() uint64 { close(done); return peak.Load() }
}

// BenchmarkReviewStart snapshots every grant of a store into a review:
//
//	go test -run XXX -bench ReviewStart -benchtime 1x ./internal/store
//
// It reports grants per second and the peak live heap, at two sizes, to
// show that memory stays flat as the grants grow tenfold.
func BenchmarkReviewStart(b *testing.B) {
	for _, size := range []struct{ accounts, per int }{{10_000, 10}, {100_000, 10}} {
		b.Run(fmt.Sprintf("grants=%d", size.accounts*size.per), func(b *testing.B) {
			s := mustOpenB(b)
			seedGrants(b, s, size.accounts, size.per)
			b.ResetTimer()
			for i := range b.N {
				runtime.GC()
				resetPeakRSS()
				stop := peakHeap()
				start := time.Now()
				var n int64
				err := s.Invoke(context.Background(), inv("access review start", "ana"), Spec{Write: true, Roles: []operator.Role{operator.Admin}},
					func(tx Tx) (err error) {
						n, err = tx.Access().StartReview(&access.Campaign{Name: fmt.Sprintf("bench-%d", i), Due: "2099-01-01"}, nil)
						return err
					})
				if err != nil {
					b.Fatal(err)
				}
				elapsed := time.Since(start)
				peak := stop()
				if n != int64(size.accounts*size.per) {
					b.Fatalf("%d items", n)
				}
				b.ReportMetric(float64(n)/elapsed.Seconds(), "grants/s")
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
				if rss := peakRSS(); rss > 0 {
					b.ReportMetric(float64(rss)/(1<<20), "peak-rss-MB")
				}
			}
		})
	}
}

// resetPeakRSS resets the process's peak resident set (Linux), so that
// peakRSS measures only what follows, SQLite's own memory included.
func resetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS reads VmHWM, the peak resident set since the last reset.
func peakRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb uint64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), &kb)
			return kb << 10
		}
	}
	return 0
}

func mustOpenB(b *testing.B) *sqlStore {
	b.Helper()
	s, _, err := createSQL(context.Background(), b.TempDir()+"/custos.db", Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	err = s.Invoke(context.Background(), inv("init", "ana"), Spec{Write: true, Bootstrap: true}, func(tx Tx) error {
		_, err := tx.Operators().AddOperator(&operator.Operator{Name: "ana", Roles: []operator.Role{operator.Admin}, CreatedBy: "ana"})
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// seedAudit appends n entries with a valid chain (see bench/seed).
func seedAudit(b *testing.B, s *sqlStore, n int) {
	b.Helper()
	seedStore(b, s, seed.Scale{AuditEntries: n})
}

// BenchmarkAuditVerify re-computes the chain of a log of a million
// entries and reports entries per second, beside the rate at which
// SHA-256 alone hashes the same canonical bytes:
//
//	go test -run XXX -bench AuditVerify -benchtime 1x ./internal/store
func BenchmarkAuditVerify(b *testing.B) {
	const n = 1_000_000
	s := mustOpenB(b)
	seedAudit(b, s, n)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		var v *audit.Verifier
		err := s.Invoke(context.Background(), inv("audit verify", "ana"), Spec{}, func(tx Tx) (err error) {
			v, err = tx.Audit().VerifyAudit(nil, 0, nil)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		elapsed := time.Since(start)
		b.ReportMetric(float64(v.Count)/elapsed.Seconds(), "entries/s")
	}
	b.StopTimer()
	// The floor: SHA-256 over the same canonical encodings, no database.
	var entries []audit.Entry
	s.Invoke(context.Background(), inv("audit log", "ana"), Spec{}, func(tx Tx) error {
		return tx.Audit().AuditLog(AuditFilter{Limit: 100_000}, func(e *audit.Entry) error { entries = append(entries, *e); return nil })
	})
	start := time.Now()
	var buf []byte
	for i := range entries {
		buf = entries[i].AppendCanonical(buf[:0])
		sha256.Sum256(buf)
	}
	b.ReportMetric(float64(len(entries))/time.Since(start).Seconds(), "sha256-only-entries/s")
}
