// Package access holds the rules of who may hold what: resources and their
// roles, least privilege (clearance against classification), separation of
// duties, and the flags and decisions of access reviews. Everything here is
// a pure function of its inputs.
package access

import (
	"slices"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/policy"
)

// Resource is something access is granted to.
type Resource struct {
	Name           string
	Classification account.Level
	// Owner is the operator who reviews the resource's grants.
	Owner string
	Roles []string
	// Privileged lists the roles flagged in every review.
	Privileged []string
	CreatedAt  time.Time
	CreatedBy  string
}

// Grant is one role on one resource held by one account.
type Grant struct {
	ID        int64     `json:"id"`
	Username  string    `json:"username"`
	Resource  string    `json:"resource"`
	Role      string    `json:"role"`
	Reason    string    `json:"reason"`
	Until     string    `json:"until"` // last day, YYYY-MM-DD, or ""
	GrantedBy string    `json:"granted_by"`
	GrantedAt time.Time `json:"granted_at"`
	// RevokedAt is zero while the grant is active.
	RevokedAt    time.Time `json:"revoked_at"`
	RevokedBy    string    `json:"revoked_by"`
	RevokeReason string    `json:"revoke_reason"`
	// RequestID is the access request whose approval made the grant; ""
	// for a direct grant (access grant).
	RequestID string `json:"request_id"`
}

// Via says how a grant was made: "direct", or the request that made it.
func (g Grant) Via() string {
	if g.RequestID == "" {
		return "direct"
	}
	return g.RequestID
}

// Key names the resource and role, as SoD pairs do: "payroll:approve".
func (g Grant) Key() string { return g.Resource + ":" + g.Role }

// Expired reports whether the grant's last day is before today.
func (g Grant) Expired(today string) bool { return g.Until != "" && g.Until < today }

// InForce reports whether the grant gives access now: active, not expired,
// and held by an active account (a frozen account's grants stay recorded
// but are not in force).
func (g Grant) InForce(accountState account.State, today string) bool {
	return g.RevokedAt.IsZero() && !g.Expired(today) && accountState == account.Active
}

// ParseNameList parses a comma list of roles: lower-case names, no
// duplicates, at least one.
func ParseNameList(flag, s string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if !validName(p) {
			return nil, errs.Invalidf("invalid %s entry %q: use lower-case letters, digits, '.', '_' or '-'", flag, p)
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out, nil
}

// ValidateResource checks a resource definition.
func ValidateResource(r *Resource) error {
	if !validName(r.Name) {
		return errs.Invalidf("invalid resource name %q: use 1–64 lower-case letters, digits, '.', '_' or '-'", r.Name)
	}
	if r.Classification.Rank() < 0 {
		return errs.Invalidf("invalid classification %q: use public, internal, confidential or restricted", r.Classification).WithField("classification")
	}
	if len(r.Roles) == 0 {
		return errs.Invalidf("a resource needs roles: the roles it grants, e.g. read,write,admin").WithField("roles")
	}
	for _, p := range r.Privileged {
		if !slices.Contains(r.Roles, p) {
			return errs.Invalidf("privileged role %s is not one of the resource's roles (%s)", p, strings.Join(r.Roles, ",")).WithField("privileged")
		}
	}
	return nil
}

func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i, c := range []byte(s) {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || (i > 0 && (c == '.' || c == '_' || c == '-'))
		if !ok {
			return false
		}
	}
	return true
}

// CheckClearance is least privilege: an account may hold a role on a
// resource only if its clearance is at least the resource's classification.
func CheckClearance(a *account.Account, r *Resource) error {
	if a.Clearance.Rank() < r.Classification.Rank() {
		return errs.Deniedf("%s has clearance %s and may not be granted %s, which is %s: least privilege",
			a.Username, a.Clearance, r.Name, r.Classification)
	}
	return nil
}

// Pair is two resource:role keys that one account may not hold together.
type Pair struct{ A, B string }

// KeySoD is the policy key holding the SoD pairs.
const KeySoD = "sod"

func init() {
	policy.Register(policy.Key{Name: KeySoD, Default: "",
		Doc: "Separation-of-duties pairs one account may not hold together: resource:role,resource:role pairs separated by ';' (e.g. payroll:approve,payroll:pay;crm:admin,audit:read).",
		Normalize: func(s string) (string, error) {
			pairs, err := ParseSoD(s)
			if err != nil {
				return "", err
			}
			parts := make([]string, len(pairs))
			for i, p := range pairs {
				parts[i] = p.A + "," + p.B
			}
			return strings.Join(parts, ";"), nil
		}})
	policy.Register(policy.Key{Name: KeyReviewDueDays, Default: "30",
		Doc:       "Days from the start of an access review to its default due date (1 to 365).",
		Normalize: policy.Count("days", 1, 365)})
}

// ParseSoD parses the sod policy value.
func ParseSoD(s string) ([]Pair, error) {
	var out []Pair
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		a, b, ok := strings.Cut(part, ",")
		a, b = strings.TrimSpace(a), strings.TrimSpace(b)
		if !ok || !validKey(a) || !validKey(b) || a == b {
			return nil, errs.Invalidf("%q is not a pair of two different resource:role keys, e.g. payroll:approve,payroll:pay", part)
		}
		out = append(out, Pair{A: a, B: b})
	}
	return out, nil
}

func validKey(k string) bool {
	r, role, ok := strings.Cut(k, ":")
	return ok && validName(r) && validName(role)
}

// SoDConflict returns the held key that adding key would conflict with.
func SoDConflict(pairs []Pair, held []string, key string) (string, bool) {
	for _, p := range pairs {
		other := ""
		switch key {
		case p.A:
			other = p.B
		case p.B:
			other = p.A
		default:
			continue
		}
		if slices.Contains(held, other) {
			return other, true
		}
	}
	return "", false
}

// The review flags.
const (
	FlagInactiveAccount   = "inactive-account"
	FlagExpired           = "expired"
	FlagClearanceMismatch = "clearance-mismatch"
	FlagSoDConflict       = "sod-conflict"
	FlagPrivileged        = "privileged"
)

// Flags lists every review flag.
var Flags = []string{FlagInactiveAccount, FlagExpired, FlagClearanceMismatch, FlagSoDConflict, FlagPrivileged}

// ReviewFlags says what deserves a reviewer's attention about one grant,
// given its account, its resource and every key the account holds.
func ReviewFlags(g Grant, a *account.Account, r *Resource, held []string, pairs []Pair, today string) []string {
	var flags []string
	if a.State != account.Active || a.InactiveSince != "" {
		flags = append(flags, FlagInactiveAccount)
	}
	if g.Expired(today) {
		flags = append(flags, FlagExpired)
	}
	if a.Clearance.Rank() < r.Classification.Rank() {
		flags = append(flags, FlagClearanceMismatch)
	}
	others := slices.DeleteFunc(slices.Clone(held), func(k string) bool { return k == g.Key() })
	if _, conflict := SoDConflict(pairs, others, g.Key()); conflict {
		flags = append(flags, FlagSoDConflict)
	}
	if slices.Contains(r.Privileged, g.Role) {
		flags = append(flags, FlagPrivileged)
	}
	return flags
}

// Reviewer picks who reviews a grant: the resource's owner while they are
// an operator, else a manager of the account's department, else every
// admin (ReviewerAdmins). It is never empty, so no item falls between
// the reviewers' sheets.
func Reviewer(r *Resource, a *account.Account, isOperator func(string) bool, departmentManager func(string) string) string {
	if r.Owner != "" && isOperator(r.Owner) {
		return r.Owner
	}
	if m := departmentManager(a.Department); m != "" {
		return m
	}
	return ReviewerAdmins
}

// Decisions a reviewer can make.
const (
	Keep   = "keep"
	Revoke = "revoke"
)

// KeyReviewDueDays is the default time a review campaign runs.
const KeyReviewDueDays = "review.due_days"
