package account

import (
	"crypto/rand"
	"io"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/operator"
	"github.com/custos-dev/custos/internal/policy"
)

// Policy keys owned by accounts.
const (
	KeyUsernamePattern = "account.username_pattern"
	KeyApprovalStages  = "account.approval_stages"
	KeyPasswordLength  = "password.min_length"
	KeyPasswordRequire = "password.require"
)

// The approval stages.
const (
	StageDepartment = "department"
	StageIT         = "it"
)

func init() {
	policy.Register(policy.Key{Name: KeyUsernamePattern, Default: `^[a-z][a-z0-9._-]{1,31}$`,
		Doc: "The regular expression every new username must match (RE2 syntax; anchored at both ends).",
		Normalize: func(s string) (string, error) {
			_, err := NewNaming(s)
			return anchor(s), err
		}})
	policy.Register(policy.Key{Name: KeyApprovalStages, Default: "department,it",
		Doc: "The approval stages an account request needs, given by different operators: department,it (default), it or department.",
		Normalize: func(s string) (string, error) {
			stages, err := ParseStages(s)
			return strings.Join(stages, ","), err
		}})
	policy.Register(policy.Key{Name: KeyPasswordLength, Default: "12",
		Doc: "The minimum length of an initial password (8 to 128).",
		Normalize: func(s string) (string, error) {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || n < 8 || n > 128 {
				return "", errs.Invalidf("%q is not a number from 8 to 128", s)
			}
			return strconv.Itoa(n), nil
		}})
	policy.Register(policy.Key{Name: KeyPasswordRequire, Default: "upper,lower,digit,symbol",
		Doc: "The character classes an initial password must contain: a comma list of upper, lower, digit, symbol.",
		Normalize: func(s string) (string, error) {
			p, err := ParsePasswordPolicy("12", s)
			if err != nil {
				return "", err
			}
			return strings.Join(p.Require, ","), nil
		}})
}

// Naming is the username rule.
type Naming struct{ re *regexp.Regexp }

func anchor(p string) string {
	p = strings.TrimSpace(p)
	if !strings.HasPrefix(p, "^") {
		p = "^" + p
	}
	if !strings.HasSuffix(p, "$") {
		p += "$"
	}
	return p
}

// NewNaming compiles a username pattern, anchored at both ends. It is
// compiled when an account is requested, never at start-up.
func NewNaming(pattern string) (*Naming, error) {
	re, err := regexp.Compile(anchor(pattern))
	if err != nil {
		return nil, errs.Invalidf("%q is not a valid regular expression: %v", pattern, err)
	}
	return &Naming{re: re}, nil
}

// Check refuses a username that does not match the rule.
func (n *Naming) Check(username string) error {
	if username == "" {
		return errs.Invalidf("a USERNAME is required")
	}
	if !n.re.MatchString(username) {
		return errs.Invalidf("username %q does not match the naming policy %s", username, n.re.String()).
			WithHint("see `custos policy show %s`", KeyUsernamePattern)
	}
	return nil
}

// ParseStages parses the approval-stages policy value.
func ParseStages(s string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(s, ",") {
		p = strings.ToLower(strings.TrimSpace(p))
		switch {
		case p == "":
		case p != StageDepartment && p != StageIT:
			return nil, errs.Invalidf("unknown approval stage %q: use department and/or it", p)
		case !slices.Contains(out, p):
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, errs.Invalidf("at least one approval stage is required")
	}
	slices.Sort(out) // "department" before "it"
	return out, nil
}

// ApprovalCheck is the outcome of CheckApproval.
type ApprovalCheck struct {
	// Already is true when op already gave this stage: nothing to change.
	Already bool
	// Last is true when this approval completes the stages.
	Last bool
	// Proxy is true when the approval is given through --as.
	Proxy bool
}

// CheckApproval decides whether op, run by the real operator real ("" when
// it is op itself), may give stage to a, given the stages the policy
// requires, the approvals already recorded and the approval.proxy rule:
//   - the requester may not approve their own request, and one person may
//     not give two stages (CheckDuties, which counts real operators under
//     ProxyDeny);
//   - the department stage is for admins and managers, a manager with a
//     department only for requests of that department;
//   - the IT stage is for admins and IT.
func CheckApproval(op *operator.Operator, real string, a *Account, stage string, stages []string, given []Approval, rule Proxy) (ApprovalCheck, error) {
	var res ApprovalCheck
	if !slices.Contains(stages, stage) {
		return res, errs.Invalidf("stage %s is not an approval stage of this organisation (policy %s: %s)", stage, KeyApprovalStages, strings.Join(stages, ",")).WithField("stage")
	}
	if _, err := Transition(a.State, ActionApproveStage); err != nil {
		return res, err
	}
	for _, g := range given {
		if g.Stage == stage {
			if g.Operator == op.Name {
				res.Already = true
				return res, nil
			}
			return res, errs.Conflictf("the %s stage of %s was already approved by %s", stage, a.Username, g.Operator)
		}
	}
	stagesGiven := make([]StageGiven, len(given))
	for i, g := range given {
		stagesGiven[i] = StageGiven{Stage: g.Stage, By: g.Party()}
	}
	proxy, err := CheckDuties(rule, a.RequesterParty(), stagesGiven, Party{Operator: op.Name, Real: real}, a.Username)
	if err != nil {
		return res, err
	}
	res.Proxy = proxy
	switch stage {
	case StageDepartment:
		if err := canDecideForDepartment(op, a, "approve the department stage of"); err != nil {
			return res, err
		}
	case StageIT:
		if !op.HasAny(operator.Admin, operator.IT) {
			return res, errs.Deniedf("%s (%s) may not give the IT stage: it needs the role it or admin", op.Name, strings.Join(op.RoleNames(), ","))
		}
	}
	// By name, not by count: stages given under an earlier policy do not
	// make a request unapprovable, nor one more stage enough.
	res.Last = len(PendingStages(stages, append(slices.Clone(given), Approval{Stage: stage}))) == 0
	return res, nil
}

// canDecideForDepartment admits admins, and managers of the account's
// department (or managers without a department).
func canDecideForDepartment(op *operator.Operator, a *Account, what string) error {
	if op.Has(operator.Admin) {
		return nil
	}
	if !op.Has(operator.Manager) {
		return errs.Deniedf("%s (%s) may not %s %s: it needs the role manager or admin", op.Name, strings.Join(op.RoleNames(), ","), what, a.Username)
	}
	if op.Department != "" && !operator.SameDepartment(op.Department, a.Department) {
		return errs.Deniedf("%s manages %s and may not %s %s, which is in %s", op.Name, op.Department, what, a.Username, a.Department)
	}
	return nil
}

// CheckReject decides whether op may reject a's request: IT, admins, the
// department's managers, and the requester withdrawing their own request.
func CheckReject(op *operator.Operator, a *Account) error {
	if op.HasAny(operator.Admin, operator.IT) || op.Name == a.RequestedBy {
		return nil
	}
	return canDecideForDepartment(op, a, "reject")
}

// PasswordPolicy is what an initial password must satisfy.
type PasswordPolicy struct {
	MinLength int
	// Require lists the classes that must each appear: upper, lower, digit, symbol.
	Require []string
}

var classes = map[string]string{
	"upper":  "ABCDEFGHJKLMNPQRSTUVWXYZ",
	"lower":  "abcdefghijkmnopqrstuvwxyz",
	"digit":  "23456789",
	"symbol": "!#%+-=?@^_~",
}

// ParsePasswordPolicy reads the two password policy values.
func ParsePasswordPolicy(minLength, require string) (PasswordPolicy, error) {
	n, err := strconv.Atoi(minLength)
	if err != nil || n < 8 {
		return PasswordPolicy{}, errs.Invalidf("invalid %s %q", KeyPasswordLength, minLength)
	}
	p := PasswordPolicy{MinLength: n}
	for _, c := range strings.Split(require, ",") {
		c = strings.ToLower(strings.TrimSpace(c))
		if c == "" {
			continue
		}
		if _, ok := classes[c]; !ok {
			return PasswordPolicy{}, errs.Invalidf("unknown character class %q: use upper, lower, digit, symbol", c)
		}
		if !slices.Contains(p.Require, c) {
			p.Require = append(p.Require, c)
		}
	}
	return p, nil
}

// Generate returns a random password from r (crypto/rand in custos) that
// satisfies the policy: at least 16 characters or the minimum if longer,
// every required class present, easily confused characters (0O1lI) left
// out, and no characters a shell would mangle.
func (p PasswordPolicy) Generate(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	n := max(p.MinLength, 16)
	var all string
	for _, c := range []string{"upper", "lower", "digit", "symbol"} {
		all += classes[c]
	}
	pw := make([]byte, 0, n)
	for _, c := range p.Require {
		b, err := pick(r, classes[c])
		if err != nil {
			return "", err
		}
		pw = append(pw, b)
	}
	for len(pw) < n {
		b, err := pick(r, all)
		if err != nil {
			return "", err
		}
		pw = append(pw, b)
	}
	// Shuffle so the required characters are not always first.
	for i := len(pw) - 1; i > 0; i-- {
		j, err := rand.Int(r, big.NewInt(int64(i+1)))
		if err != nil {
			return "", err
		}
		pw[i], pw[j.Int64()] = pw[j.Int64()], pw[i]
	}
	return string(pw), p.Check(string(pw))
}

func pick(r io.Reader, from string) (byte, error) {
	i, err := rand.Int(r, big.NewInt(int64(len(from))))
	if err != nil {
		return 0, err
	}
	return from[i.Int64()], nil
}

// Check verifies that pw satisfies the policy.
func (p PasswordPolicy) Check(pw string) error {
	if len(pw) < p.MinLength {
		return errs.Invalidf("password shorter than %d characters", p.MinLength)
	}
	for _, c := range p.Require {
		if !strings.ContainsAny(pw, classes[c]) {
			return errs.Invalidf("password lacks a %s character", c)
		}
	}
	return nil
}
