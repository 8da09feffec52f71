package request

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/custos-dev/custos/internal/access"
	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/operator"
	"github.com/custos-dev/custos/internal/policy"
)

// KindAccess is a request for access: the application-and-change form.
const KindAccess = "access"

// The stages an access request may need.
const (
	StageDepartment = "department" // a manager of the account's department
	StageOwner      = "owner"      // the resource's owner
	StageIT         = "it"         // IT
)

// Policy keys of access requests.
const (
	KeyAccessStages = "access.approval_stages"
	KeyDirectGrant  = "access.direct_grant"
)

func init() {
	policy.Register(policy.Key{Name: KeyAccessStages, Default: "department,owner",
		Doc: "The stages an access request needs, in order: department (a manager of the account's department), owner (the resource's owner), it (default department,owner).",
		Normalize: func(s string) (string, error) {
			st, err := ParseAccessStages(s)
			return strings.Join(st, ","), err
		}})
	policy.Register(policy.Key{Name: KeyDirectGrant, Default: "it,admin",
		Doc: "The roles that may still grant access directly with access grant, without a request: a comma list of roles, or none (default it,admin).",
		Normalize: func(s string) (string, error) {
			r, err := ParseDirectGrant(s)
			if err != nil {
				return "", err
			}
			if len(r) == 0 {
				return "none", nil
			}
			names := make([]string, len(r))
			for i, x := range r {
				names[i] = string(x)
			}
			return strings.Join(names, ","), nil
		}})
}

// ParseAccessStages parses access.approval_stages.
func ParseAccessStages(s string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(s, ",") {
		p = strings.ToLower(strings.TrimSpace(p))
		switch {
		case p == "":
		case p != StageDepartment && p != StageOwner && p != StageIT:
			return nil, errs.Invalidf("unknown access approval stage %q: use department, owner and/or it", p)
		case !slices.Contains(out, p):
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, errs.Invalidf("at least one approval stage is required")
	}
	return out, nil
}

// ParseDirectGrant parses access.direct_grant: the roles that may grant
// without a request; none for nobody.
func ParseDirectGrant(s string) ([]operator.Role, error) {
	if strings.EqualFold(strings.TrimSpace(s), "none") {
		return nil, nil
	}
	roles, err := operator.ParseRoles(strings.Split(s, ","))
	if err != nil {
		return nil, err
	}
	return roles, nil
}

// CheckDirectGrant decides whether op may grant access directly under the
// access.direct_grant policy value v.
func CheckDirectGrant(op *operator.Operator, v string) error {
	roles, err := ParseDirectGrant(v)
	if err != nil {
		return err
	}
	if op.HasAny(roles...) {
		return nil
	}
	return errs.Deniedf("policy %s is %s: %s may not grant access directly", KeyDirectGrant, v, op.Name).
		WithHint("ask for it instead: custos access request USERNAME RESOURCE --role ROLE --reason TEXT")
}

// AccessChange is the payload of an access request: the grant asked for.
type AccessChange struct {
	Username string `json:"username"`
	Resource string `json:"resource"`
	Role     string `json:"role"`
	Until    string `json:"until,omitempty"`
	Reason   string `json:"reason"`
}

// Payload is the canonical form of the change: its JSON, fields in order.
func (c AccessChange) Payload() string {
	b, _ := json.Marshal(c)
	return string(b)
}

// ParseAccessChange reads a payload back.
func ParseAccessChange(payload string) (AccessChange, error) {
	var c AccessChange
	err := json.Unmarshal([]byte(payload), &c)
	return c, err
}

// AccessEligible is who may give each stage of an access request for the
// account a on the resource r: admins any; a manager of the account's
// department (or with none) the department stage; the resource's owner
// the owner stage; IT the it stage.
func AccessEligible(op *operator.Operator, a *account.Account, r *access.Resource) func(stage string) error {
	return func(stage string) error {
		if op.Has(operator.Admin) {
			return nil
		}
		switch stage {
		case StageDepartment:
			if op.Has(operator.Manager) && (op.Department == "" || operator.SameDepartment(op.Department, a.Department)) {
				return nil
			}
			return errs.Deniedf("%s may not give the department stage for %s, of %s: it needs a manager of that department or an admin", op.Name, a.Username, a.Department)
		case StageOwner:
			if op.Name == r.Owner {
				return nil
			}
			return errs.Deniedf("%s may not give the owner stage for %s: it needs its owner, %s, or an admin", op.Name, r.Name, r.Owner)
		case StageIT:
			if op.Has(operator.IT) {
				return nil
			}
			return errs.Deniedf("%s may not give the it stage: it needs the role it or admin", op.Name)
		}
		return errs.Deniedf("%s may not give the %s stage", op.Name, stage)
	}
}
