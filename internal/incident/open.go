package incident

import (
	"time"

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/errs"
)

// CheckDetected refuses a detection time after now: an incident cannot be
// detected before it is opened.
func CheckDetected(detected, now time.Time) error {
	if detected.After(now) {
		return errs.Invalidf("the detection time %s is in the future", detected.UTC().Format(time.RFC3339))
	}
	return nil
}

// Plan is what opening an incident does besides recording it.
type Plan struct {
	// Deadline is when the incident must have been reported: its
	// detection time plus the policy's reporting window.
	Deadline time.Time
	// Freeze lists, in the order named, the named accounts to freeze: the
	// active ones, when the policy auto-freezes the incident's type and the
	// opener did not choose NoFreeze. Frozen, revoked and not yet active
	// accounts are named but not touched.
	Freeze []string
	// FreezeWaived is set when the type auto-freezes but the opener chose
	// NoFreeze; the choice is recorded on the incident's timeline.
	FreezeWaived bool
}

// OpenPlan decides, at now, what opening inc under pol does to the
// accounts it names: which are frozen, and the reporting deadline.
func OpenPlan(inc Incident, pol Policy, named []*account.Account, now time.Time) (Plan, error) {
	if err := CheckDetected(inc.DetectedAt, now); err != nil {
		return Plan{}, err
	}
	p := Plan{Deadline: inc.DetectedAt.Add(pol.ReportWithin)}
	auto := pol.Freezes(inc.Type)
	p.FreezeWaived = auto && inc.NoFreeze
	if !auto || inc.NoFreeze {
		return p, nil
	}
	for _, a := range named {
		if a.State == account.Active {
			p.Freeze = append(p.Freeze, a.Username)
		}
	}
	return p, nil
}
