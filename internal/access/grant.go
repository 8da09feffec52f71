package access

import (
	"slices"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/errs"
)

// GrantRequest asks for one role on one resource.
type GrantRequest struct {
	Role   string
	Reason string
	// Until is the grant's last day (YYYY-MM-DD), or "" for none.
	Until string
	// By is the operator granting it.
	By string
}

// CheckGrant decides whether a may be granted req on r at now, given the
// account's active grants (held) and the separation-of-duties pairs. The
// checks run in this order, and the first that fails decides:
//
//  1. role: the resource must have the role (invalid, exit 2);
//  2. active: only an active account is granted access (conflict, exit 5);
//  3. idempotent: an identical active grant is returned with changed
//     false, and nothing else is checked;
//  4. clearance: least privilege, CheckClearance (denied, exit 4);
//  5. SoD: no held grant may pair with the new one (denied, exit 4).
//
// On success it returns the new grant, without its id, with changed true.
func CheckGrant(a *account.Account, r *Resource, held []*Grant, pairs []Pair, req GrantRequest, now time.Time) (g *Grant, changed bool, err error) {
	if !slices.Contains(r.Roles, req.Role) {
		return nil, false, errs.Invalidf("%s has no role %q; its roles are %s", r.Name, req.Role, strings.Join(r.Roles, ", "))
	}
	if a.State != account.Active {
		return nil, false, errs.Conflictf("%s is %s; access is granted only to active accounts", a.Username, a.State)
	}
	key := r.Name + ":" + req.Role
	keys := make([]string, 0, len(held))
	for _, h := range held {
		if h.Key() == key {
			return h, false, nil
		}
		keys = append(keys, h.Key())
	}
	if err := CheckClearance(a, r); err != nil {
		return nil, false, err
	}
	if other, conflict := SoDConflict(pairs, keys, key); conflict {
		var id int64
		for _, h := range held {
			if h.Key() == other {
				id = h.ID
			}
		}
		return nil, false, errs.Deniedf("%s holds %s (grant %d), which may not be held together with %s: separation of duties (policy sod)", a.Username, other, id, key)
	}
	return &Grant{Username: a.Username, Resource: r.Name, Role: req.Role, Reason: req.Reason, Until: req.Until,
		GrantedBy: req.By, GrantedAt: now}, true, nil
}

// CheckExtend decides whether the active grant g, granted again with the
// last day until, changes: a different last day (later or earlier) is a
// change of g, recorded with its before and after; the same one, or none,
// changes nothing. An end date in the past is refused, and the account's
// clearance is checked again (the resource may have been raised since).
func CheckExtend(a *account.Account, r *Resource, g *Grant, until, today string) (*account.Change, error) {
	if until == "" || until == g.Until {
		return nil, nil
	}
	if until < today {
		return nil, errs.Invalidf("the end date %s is in the past", until).WithField("until")
	}
	if err := CheckClearance(a, r); err != nil {
		return nil, err
	}
	return &account.Change{Field: "until", Before: g.Until, After: until}, nil
}
