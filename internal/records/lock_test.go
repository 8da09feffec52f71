package records

import (
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/when"
)

// A locked schedule is a minimum: shorter periods are refused (4), the
// same or longer allowed; an unlocked one refuses nothing.
func TestCheckRetainLocked(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	three, _ := when.ParseDuration("3y")
	s := Schedule{Class: "voice", Retain: three, LockedAt: now.Add(-time.Hour), LockedRetain: three, LockedBy: "REQ-2026-0002"}
	for _, c := range []struct {
		d       string
		refused bool
	}{{"3y", false}, {"36m", false}, {"5y", false}, {"1096d", false}, {"1095d", true}, {"35m", true}, {"1d", true}} {
		d, err := when.ParseDuration(c.d)
		if err != nil {
			t.Fatal(err)
		}
		err = s.CheckRetain(d)
		if (err != nil) != c.refused || (err != nil && errs.CodeOf(err) != errs.Denied) {
			t.Errorf("locked 3y, retain %s: %v, want refused %v (exit 4)", c.d, err, c.refused)
		}
		unlocked := s
		unlocked.LockedAt = time.Time{}
		if err := unlocked.CheckRetain(d); err != nil {
			t.Errorf("unlocked, retain %s: %v", c.d, err)
		}
	}
	// Lengthened since the lock: back down to the locked minimum is allowed.
	five, _ := when.ParseDuration("5y")
	longer := s
	longer.Retain = five
	if err := longer.CheckRetain(three); err != nil {
		t.Errorf("locked at 3y, now 5y, back to 3y: %v", err)
	}
}
