package store

import (
	"time"

	"github.com/custos-dev/custos/internal/audit"
)

// formatTime is the one stored form of a time: UTC, fixed width, with
// nanoseconds (audit.TimeFormat, the form of audit entry times), so that
// text order is time order on every engine and in every column — ORDER BY
// and range comparisons on stored times depend on it. RFC 3339 with
// trailing zeros trimmed is not enough: "…:00.123Z" sorts before
// "…:00.1Z". The zero time is stored as "", meaning "not yet" (a revoked_at
// or closed_at still to come).
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return audit.FormatTime(t)
}

// parseTime reads a stored time; "" is the zero time. It also reads the
// RFC 3339 form that stores written before schema 9 used.
func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}
