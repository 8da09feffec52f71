package access

import (
	"slices"
	"strings"

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/policy"
)

// KeyTransferGrants is what becomes of a mover's grants on the transfer
// date.
const KeyTransferGrants = "account.transfer_grants"

// The values of account.transfer_grants.
const (
	// TransferReview puts every grant in an automatic review campaign for
	// the new department's manager.
	TransferReview = "review"
	// TransferRevoke revokes every grant but those the transfer keeps.
	TransferRevoke = "revoke"
	// TransferKeep keeps every grant as it is.
	TransferKeep = "keep"
)

func init() {
	policy.Register(policy.Key{Name: KeyTransferGrants, Default: TransferReview,
		Doc: "What becomes of a mover's grants on the transfer date: review (an automatic review campaign for the new department's manager, due in review.due_days), revoke (all but those named with --keep) or keep (default review).",
		Normalize: func(s string) (string, error) {
			s = strings.ToLower(strings.TrimSpace(s))
			switch s {
			case TransferReview, TransferRevoke, TransferKeep:
				return s, nil
			}
			return "", errs.Invalidf("%q: use review, revoke or keep", s)
		}})
}

// ParseKeep parses the --keep RESOURCE:ROLE values of a transfer.
func ParseKeep(in []string) ([]string, error) {
	var out []string
	for _, k := range in {
		k = strings.TrimSpace(k)
		if !validKey(k) {
			return nil, errs.Invalidf("invalid grant to keep %q: use RESOURCE:ROLE, e.g. crm:read", k).WithField("keep")
		}
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out, nil
}

// GrantPlan is what a transfer does with each active grant of the mover:
// every grant is in exactly one of the three lists, in grant order.
type GrantPlan struct {
	Rule   string
	Review []*Grant
	Revoke []*Grant
	Keep   []*Grant
}

// PlanTransferGrants applies policy account.transfer_grants (rule) to the
// mover's active grants: review puts them all up for review, keep keeps
// them all, revoke revokes all but those whose resource:role is in keep.
// A --keep naming a grant the account does not hold is refused, so a
// typo never revokes what was meant to stay; keep is refused under any
// other rule, where it would mean nothing.
func PlanTransferGrants(held []*Grant, rule string, keep []string) (GrantPlan, error) {
	p := GrantPlan{Rule: rule}
	if len(keep) > 0 && rule != TransferRevoke {
		return p, errs.Invalidf("grants to keep apply only when policy %s is revoke (it is %s)", KeyTransferGrants, rule).WithField("keep")
	}
	for _, k := range keep {
		if !slices.ContainsFunc(held, func(g *Grant) bool { return g.Key() == k }) {
			return p, errs.Invalidf("cannot keep %s: the account holds no such grant", k).WithField("keep")
		}
	}
	for _, g := range held {
		switch {
		case rule == TransferKeep, rule == TransferRevoke && slices.Contains(keep, g.Key()):
			p.Keep = append(p.Keep, g)
		case rule == TransferRevoke:
			p.Revoke = append(p.Revoke, g)
		default:
			p.Review = append(p.Review, g)
		}
	}
	return p, nil
}

// TransferReviewer is who reviews a mover's grants: a manager of the new
// department, else every admin.
func TransferReviewer(manager string) string {
	if manager != "" {
		return manager
	}
	return ReviewerAdmins
}

// ClassificationFlags lists, for a resource raised to a new
// classification, the active grants whose account's clearance is now
// below it: they stay, flagged, for the owner to review or revoke.
func ClassificationFlags(to account.Level, grants []*Grant, clearance func(username string) account.Level) []*Grant {
	var out []*Grant
	for _, g := range grants {
		if clearance(g.Username).Rank() < to.Rank() {
			out = append(out, g)
		}
	}
	return out
}

// ResourceEdit is what `access resource update` changes; nil fields stay.
type ResourceEdit struct {
	Owner          *string
	Classification *string
	Roles          []string
	Privileged     []string
}

// ResourceChange is what a ResourceEdit does.
type ResourceChange struct {
	Resource Resource
	Changes  []account.Change
	// Lower is the lower classification asked for, which is not applied
	// but needs a request (it lets less-cleared accounts in).
	Lower account.Level
	// Flagged are the active grants whose account's clearance is below a
	// raised classification: they stay, for the owner to review.
	Flagged []*Grant
}

// Apply edits r given its active grants and their accounts' clearances.
// The rules: the result must be a valid resource (ValidateResource);
// raising the classification applies and flags the grants now above
// their holder's clearance; lowering it is returned in Lower for a
// request instead; a role still held by an active grant cannot be
// removed (conflict, naming the grant); privileged roles that are no
// longer roles are dropped unless named again.
func (e ResourceEdit) Apply(r Resource, grants []*Grant, clearance func(username string) account.Level) (ResourceChange, error) {
	res := ResourceChange{Resource: r}
	next := &res.Resource
	if e.Owner != nil && *e.Owner != r.Owner {
		res.Changes = append(res.Changes, account.Change{Field: "owner", Before: r.Owner, After: *e.Owner})
		next.Owner = *e.Owner
	}
	if e.Classification != nil {
		to := account.Level(*e.Classification)
		if to.Rank() < 0 {
			return res, errs.Invalidf("invalid classification %q: use public, internal, confidential or restricted", to).WithField("classification")
		}
		switch {
		case to.Rank() > r.Classification.Rank():
			res.Changes = append(res.Changes, account.Change{Field: "classification", Before: string(r.Classification), After: string(to)})
			next.Classification = to
			res.Flagged = ClassificationFlags(to, grants, clearance)
		case to.Rank() < r.Classification.Rank():
			res.Lower = to
		}
	}
	if e.Roles != nil {
		for _, g := range grants {
			if !slices.Contains(e.Roles, g.Role) {
				return res, errs.Conflictf("%s still grants %s to %s (grant %d); revoke it before removing the role", r.Name, g.Role, g.Username, g.ID)
			}
		}
		if !slices.Equal(e.Roles, r.Roles) {
			res.Changes = append(res.Changes, account.Change{Field: "roles", Before: strings.Join(r.Roles, ","), After: strings.Join(e.Roles, ",")})
			next.Roles = e.Roles
		}
		if e.Privileged == nil {
			kept := slices.DeleteFunc(slices.Clone(r.Privileged), func(p string) bool { return !slices.Contains(e.Roles, p) })
			if !slices.Equal(kept, r.Privileged) {
				res.Changes = append(res.Changes, account.Change{Field: "privileged", Before: strings.Join(r.Privileged, ","), After: strings.Join(kept, ",")})
				next.Privileged = kept
			}
		}
	}
	if e.Privileged != nil && !slices.Equal(e.Privileged, r.Privileged) {
		res.Changes = append(res.Changes, account.Change{Field: "privileged", Before: strings.Join(r.Privileged, ","), After: strings.Join(e.Privileged, ",")})
		next.Privileged = e.Privileged
	}
	if err := ValidateResource(next); err != nil {
		return res, err
	}
	return res, nil
}

// CheckRemove decides whether a resource with these active grants may be
// removed: not while grants exist, unless they are revoked with it.
func CheckRemove(r *Resource, grants []*Grant, revokeGrants bool) error {
	if len(grants) > 0 && !revokeGrants {
		return errs.Conflictf("%s still has %d active grant(s) (the first: %s to %s, grant %d)", r.Name, len(grants), grants[0].Role, grants[0].Username, grants[0].ID).
			WithHint("revoke them first, or add --revoke-grants to revoke them with the resource")
	}
	return nil
}
