package access

import (
	"strconv"
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
	// Overrides is the decision an admin's override replaced ("keep by
	// olga: runs payroll"), or "".
	Overrides string
}

// ReviewerAdmins is the reviewer of an item whose resource has no owner
// among the operators and whose department has no manager: every admin.
// A role rather than one admin's name, so that no admin is singled out and
// the item never waits for someone who may leave; `review export --reviewer
// role:admin` is the admins' sheet.
const ReviewerAdmins = "role:admin"

// SheetRow is one row of an imported review sheet: what it says about the
// item it decides, checked against the item before anything is applied.
type SheetRow struct {
	// Where names the row in messages: "q4.csv line 3".
	Where    string
	Campaign string
	Item     int64
	Username string
	Resource string
	Role     string
	Decision string
	Reason   string
}

// MatchRow refuses a row that does not describe it exactly: a sheet of
// another campaign, or a row whose item number now points at another
// grant, must never decide the wrong grant.
func MatchRow(it *Item, r SheetRow) error {
	if err := MatchCampaign(it.Campaign, r); err != nil {
		return err
	}
	if r.Username != it.Username || r.Resource != it.Resource || r.Role != it.Role {
		return errs.Invalidf("%s: item %d of %s is %s %s:%s, but the row says %s %s:%s", r.Where, it.Item, it.Campaign,
			it.Username, it.Resource, it.Role, r.Username, r.Resource, r.Role)
	}
	return nil
}

// MatchCampaign refuses a row of another campaign's sheet.
func MatchCampaign(campaign string, r SheetRow) error {
	if r.Campaign != campaign {
		return errs.Invalidf("%s: the row is for campaign %s, not %s", r.Where, r.Campaign, campaign)
	}
	return nil
}

// DecisionCheck is the outcome of CheckDecision.
type DecisionCheck struct {
	// Changed is false when the decision is already recorded.
	Changed bool
	// Overrides describes the decision an override replaces, or "".
	Overrides string
}

// CheckDecision decides whether op may record decision on an item, on
// behalf of decider (op itself, or the item's reviewer when an admin
// imports their sheet). Only the item's reviewer or an admin may decide.
// The same decision again changes nothing. A different one is a conflict
// unless op is who recorded the current one (a reviewer changing their
// mind), for every operator, admins included: an admin's import never
// silently replaces a reviewer's decision. An admin who means to replaces
// it with override, and the replaced decision is kept in Overrides.
func CheckDecision(it *Item, op *operator.Operator, decider, decision string, override bool) (DecisionCheck, error) {
	var res DecisionCheck
	if decision != Keep && decision != Revoke {
		return res, errs.Invalidf("decision %q: use keep or revoke", decision)
	}
	if override && !op.Has(operator.Admin) {
		return res, errs.Deniedf("only an admin may override a review decision")
	}
	if op.Name != it.Reviewer && !op.Has(operator.Admin) {
		reviewer := it.Reviewer
		if reviewer == ReviewerAdmins || reviewer == "" {
			reviewer = "an admin"
		}
		return res, errs.Deniedf("item %d of %s is for %s to decide, not %s", it.Item, it.Campaign, reviewer, op.Name)
	}
	recordedBy := it.DecidedBy
	if it.ImportedBy != "" {
		recordedBy = it.ImportedBy
	}
	switch {
	case it.Decision == "":
		res.Changed = true
	case it.Decision == decision:
	case recordedBy == op.Name && it.DecidedBy == decider, it.DecidedBy == op.Name && decider == op.Name:
		res.Changed = true
	case override:
		res.Changed = true
		res.Overrides = it.Decision + " by " + it.DecidedBy
		if it.Reason != "" {
			res.Overrides += ": " + it.Reason
		}
	default:
		return res, errs.Conflictf("item %d of %s was already decided %s by %s", it.Item, it.Campaign, it.Decision, it.DecidedBy).
			WithHint("an admin who means to replace it runs: custos access review decide %s %d --%s --override --reason TEXT", it.Campaign, it.Item, decision)
	}
	return res, nil
}

// DefaultDue is the due date of a campaign started at now without one:
// days (the policy review.due_days, as stored) later, as a date. A value
// the policy would not accept is an integrity error naming the key, never
// a campaign due today.
func DefaultDue(now time.Time, days string) (string, error) {
	d, err := strconv.Atoi(days)
	if err != nil || d < 1 || d > 365 {
		return "", errs.Integrityf("policy %s is %q, not a number of days from 1 to 365", KeyReviewDueDays, days)
	}
	return now.AddDate(0, 0, d).Format(time.DateOnly), nil
}
