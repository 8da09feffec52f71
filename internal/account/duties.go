package account

import (
	"fmt"
	"slices"
	"strings"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/policy"
)

// KeyApprovalProxy says whether approvals given through --as count as the
// operator acted as (allow) or as the person at the terminal too (deny).
const KeyApprovalProxy = "approval.proxy"

// Proxy is the value of the policy approval.proxy.
type Proxy string

// The values of approval.proxy.
const (
	// ProxyDeny counts the real operator as well as the effective one, so
	// that --as never lets one person push a request through alone.
	ProxyDeny Proxy = "deny"
	// ProxyAllow counts only effective operators: an administrator enters
	// paper forms that others signed. Such approvals are marked proxy.
	ProxyAllow Proxy = "allow"
)

func init() {
	policy.Register(policy.Key{Name: KeyApprovalProxy, Default: string(ProxyDeny),
		Doc: "Whether separation of duties lets --as stand for another person: deny (default: the real operator counts too, so one person gives at most one part of a request) or allow (only the operator acted as counts; approvals given through --as are marked proxy).",
		Normalize: func(s string) (string, error) {
			p, err := ParseProxy(s)
			return string(p), err
		}})
}

// ParseProxy parses the approval.proxy policy value.
func ParseProxy(s string) (Proxy, error) {
	switch p := Proxy(strings.ToLower(strings.TrimSpace(s))); p {
	case ProxyDeny, ProxyAllow:
		return p, nil
	}
	return "", errs.Invalidf("%q is not deny or allow", s)
}

// Party is who did one part of a request: the effective operator it is
// recorded under and the real operator who ran the command. Real is empty
// when it is not known (records older than the rule), and then counts as
// Operator.
type Party struct {
	Operator string
	Real     string
}

// Proxy reports whether the part was done through --as by someone else.
func (p Party) Proxy() bool { return p.Real != "" && p.Real != p.Operator }

// String names the party for messages: "ana", or "ana as maria".
func (p Party) String() string {
	if p.Proxy() {
		return p.Real + " as " + p.Operator
	}
	return p.Operator
}

// people are the persons the rule counts for p.
func (p Party) people(rule Proxy) []string {
	if rule == ProxyAllow || !p.Proxy() {
		return []string{p.Operator}
	}
	return []string{p.Operator, p.Real}
}

func (p Party) shares(q Party, rule Proxy) bool {
	for _, x := range p.people(rule) {
		if slices.Contains(q.people(rule), x) {
			return true
		}
	}
	return false
}

// StageGiven is one approval stage already given to a request.
type StageGiven struct {
	Stage string
	By    Party
}

// CheckDuties is separation of duties for one approval of any request:
// the requester may not approve it, and one person gives at most one stage.
// Under ProxyDeny a party is both its effective and its real operator, so
// an admin's --as neither hides that they asked nor lets them give two
// stages under two names; under ProxyAllow only effective operators count.
// It returns whether the approval is a proxy one (given through --as), which
// the caller records whatever the rule. object names the request in
// messages ("zoe").
func CheckDuties(rule Proxy, requester Party, given []StageGiven, by Party, object string) (proxy bool, err error) {
	if rule != ProxyAllow {
		rule = ProxyDeny // an unknown value must never loosen the rule
	}
	// The effective operators first, so a refusal that holds under either
	// setting says so plainly; then the real ones, under deny only.
	why := "separation of duties"
	for _, r := range []Proxy{ProxyAllow, rule} {
		if r == ProxyDeny {
			why = fmt.Sprintf("separation of duties counts the real operator too (policy %s is %s)", KeyApprovalProxy, r)
		}
		if by.shares(requester, r) {
			if (!by.Proxy() && !requester.Proxy()) || by.String() == requester.String() {
				return false, errs.Deniedf("%s requested %s and cannot approve it: %s", by, object, why)
			}
			return false, errs.Deniedf("%s requested %s and %s cannot approve it: %s", requester, object, by, why)
		}
		for _, g := range given {
			if !g.By.shares(by, r) {
				continue
			}
			if !by.Proxy() && !g.By.Proxy() {
				return false, errs.Deniedf("%s already gave the %s stage of %s; one operator cannot give both stages", by, g.Stage, object)
			}
			return false, errs.Deniedf("%s already gave the %s stage of %s and %s cannot give another: one person gives at most one stage; %s",
				g.By, g.Stage, object, by, why)
		}
	}
	return by.Proxy(), nil
}
