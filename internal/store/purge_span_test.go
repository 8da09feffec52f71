package store

import (
	"testing"
	"time"
)

// Batches aim at batchTarget: the part of a batch beyond its fixed cost
// scales with the span, moved at most twofold, within bounds.
func TestNextSpan(t *testing.T) {
	ms := time.Millisecond
	for _, tt := range []struct {
		span        int64
		took, fixed time.Duration
		want        int64
	}{
		{4000, 5 * ms, 0, 8000},
		{4000, batchTarget, 0, 4000},
		{4000, 30 * ms, 0, 5333},
		{4000, 50 * ms, 0, 3200},
		{4000, 90 * ms, 0, 2000},
		// A fixed cost of 20 ms: a batch of 30 ms has 10 ms of work and
		// room for 20, so the next is twice the span, where the rule
		// that doubled only under 20 ms kept it.
		{4000, 30 * ms, 20 * ms, 8000},
		{4000, 45 * ms, 20 * ms, 3200},
		// A batch barely over its fixed cost grows twofold.
		{4000, 20 * ms, 20 * ms, 8000},
		// A fixed cost at or over the target: as small as allowed.
		{4000, 60 * ms, 50 * ms, 2000},
		// A fixed cost above what the batch took is the batch itself.
		{4000, 10 * ms, 30 * ms, 8000},
		{minDeleteSpan, time.Second, 0, minDeleteSpan},
		{maxDeleteSpan, time.Millisecond, 0, maxDeleteSpan},
	} {
		if got := nextSpan(tt.span, tt.took, tt.fixed); got != tt.want {
			t.Errorf("nextSpan(%d, %v, %v) = %d, want %d", tt.span, tt.took, tt.fixed, got, tt.want)
		}
	}
}

// On a machine where every batch has the same fixed cost and its work
// swings by tens of per cent either way, the span stays about where the
// target puts it instead of drifting down.
func TestNextSpanHoldsUnderNoise(t *testing.T) {
	const fixed, perUnit = 15 * time.Millisecond, 5 * time.Microsecond // 5,000 units fit in the target
	swing := []float64{1.5, 0.8, 1.3, 0.7, 1.6, 1.0, 0.9, 1.4}
	span := int64(4000)
	for i := range 200 {
		took := fixed + time.Duration(float64(span)*swing[i%len(swing)])*perUnit
		span = nextSpan(span, took, fixed)
	}
	if span < 2500 || span > 10000 {
		t.Errorf("after 200 noisy batches the span is %d, want about 5,000", span)
	}
	// The old rule (halve over the target, double only under half of it)
	// on the same batches ends at its floor.
	old := func(span int64, took time.Duration) int64 {
		switch {
		case took > batchTarget:
			return max(span/2, minDeleteSpan)
		case took < batchTarget/2:
			return min(span*2, maxDeleteSpan)
		}
		return span
	}
	span = 4000
	for i := range 200 {
		span = old(span, fixed+time.Duration(float64(span)*swing[i%len(swing)])*perUnit)
	}
	t.Logf("the old rule ends at a span of %d", span)
}
