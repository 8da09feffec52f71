package access

import (
	"time"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/operator"
)

// Campaign is an access review campaign.
type Campaign struct {
	Name            string
	State           string // open or closed
	Due             string // YYYY-MM-DD
	ScopeResource   string
	ScopeDepartment string
	StartedAt       time.Time
	StartedBy       string
	ClosedAt        time.Time
	ClosedBy        string
	// Undecided is what close did with undecided items: keep or revoke.
	Undecided string
}

// Item is one grant under review.
type Item struct {
	Campaign       string
	Item           int64
	GrantID        int64
	Username       string
	Name           string
	Department     string
	Resource       string
	Role           string
	Classification string
	Until          string
	GrantedAt      time.Time
	Reviewer       string
	Flags          []string
	Decision       string
	Reason         string
	DecidedBy      string
	DecidedAt      time.Time
	// ImportedBy is the admin who imported the decision on the reviewer's behalf.
	ImportedBy string
}

// CheckDecision decides whether op may record decision on an item, on
// behalf of decider (op itself, or the item's reviewer when an admin
// imports their sheet). Only the item's reviewer or an admin may decide.
// The same decision again changes nothing; a different one contradicting
// what someone else decided is a conflict; a decider may change their own.
func CheckDecision(it *Item, op *operator.Operator, decider, decision string) (changed bool, err error) {
	if decision != Keep && decision != Revoke {
		return false, errs.Invalidf("decision %q: use keep or revoke", decision)
	}
	if op.Name != it.Reviewer && !op.Has(operator.Admin) {
		reviewer := it.Reviewer
		if reviewer == "" {
			reviewer = "an admin (no reviewer was found)"
		}
		return false, errs.Deniedf("item %d of %s is for %s to decide, not %s", it.Item, it.Campaign, reviewer, op.Name)
	}
	switch {
	case it.Decision == "":
		return true, nil
	case it.Decision == decision:
		return false, nil
	case it.DecidedBy != decider:
		return false, errs.Conflictf("item %d of %s was already decided %s by %s", it.Item, it.Campaign, it.Decision, it.DecidedBy)
	}
	return true, nil
}
