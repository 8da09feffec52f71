package store

import (
	"testing"
	"time"
)

// Deletion batches grow while they run short of the target and shrink when
// one overruns it, within bounds.
func TestNextSpan(t *testing.T) {
	for _, tt := range []struct {
		span int64
		took time.Duration
		want int64
	}{
		{4000, 5 * time.Millisecond, 8000},
		{4000, batchTarget * 3 / 4, 4000},
		{4000, 90 * time.Millisecond, 2000},
		{minDeleteSpan, time.Second, minDeleteSpan},
		{maxDeleteSpan, time.Millisecond, maxDeleteSpan},
	} {
		if got := nextSpan(tt.span, tt.took); got != tt.want {
			t.Errorf("nextSpan(%d, %v) = %d, want %d", tt.span, tt.took, got, tt.want)
		}
	}
}
