package iostreams

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// The text beside a bar gives the counts in their unit, the rate and the
// time left; a spinner (no total) gives the count and the rate.
func TestProgressText(t *testing.T) {
	start := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	now := start.Add(10 * time.Second)
	clock := func() time.Time { return now }
	for _, c := range []struct {
		unit           string
		known          bool
		current, total int64
		want           string
	}{
		{"records", true, 4194209, 10000000, "  4,194,209 / 10,000,000 records  419,420 records/s  ETA 14s"},
		{"records", true, 10000000, 10000000, "  10,000,000 / 10,000,000 records  1,000,000 records/s"},
		{Bytes, true, 4 << 20, 40 << 20, "  4.0 MiB / 40.0 MiB  409.6 KiB/s  ETA 1m30s"},
		{Bytes, false, 100 << 20, 0, "  100.0 MiB  10.0 MiB/s"},
		{"grants", false, 100000, 0, "  100,000 grants  10,000 grants/s"},
	} {
		b := &bar{now: clock, unit: c.unit, known: c.known, start: start}
		if got := b.describe(decor.Statistics{Current: c.current, Total: c.total}); got != c.want {
			t.Errorf("%+v: %q", c, got)
		}
	}
}

// Drawn on a terminal: each phase's name, a bar or a spinner, and every
// line removed at the end.
func TestProgressDraws(t *testing.T) {
	var out bytes.Buffer
	b := newBar(&out, "archiving", "records", time.Now, mpb.WithAutoRefresh(), mpb.WithRefreshRate(10*time.Millisecond))
	b.Set(500, 0)
	time.Sleep(50 * time.Millisecond)
	b.Phase("verifying", "records", 1000)
	b.Set(400, 1000)
	time.Sleep(50 * time.Millisecond)
	b.Phase("deleting", "records", 1000)
	b.Set(1000, 1000)
	b.Done()
	got := out.String()
	for _, want := range []string{"archiving", "500 records", "verifying", "400 / 1,000 records", "deleting"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in %q", want, got)
		}
	}
}

// Off a terminal nothing is drawn, whatever is reported.
func TestNoProgressOffATerminal(t *testing.T) {
	s, _, _, errOut := Test()
	p := s.StartProgressIn("verifying", "entries")
	p.Set(1, 2)
	p.Phase("x", "y", 3)
	p.Done()
	if errOut.Len() != 0 {
		t.Fatalf("%q", errOut)
	}
}
