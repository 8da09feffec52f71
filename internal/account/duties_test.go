package account

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/testutil/golden"
)

// dutyParties are the ways the four people of the account story can act:
// ana is the admin, the only one who may use --as.
var dutyParties = []Party{
	{Operator: "ana"}, {Operator: "ivan"}, {Operator: "maria"}, {Operator: "ines"},
	{Operator: "ivan", Real: "ana"}, {Operator: "maria", Real: "ana"}, {Operator: "ines", Real: "ana"},
}

func dutyOutcome(proxy bool, err error) string {
	switch {
	case err != nil:
		return "denied: " + err.Error()
	case proxy:
		return "ok, proxy"
	}
	return "ok"
}

// Every --as combination of requester, first and second stage under both
// settings of approval.proxy. Invariants beside the golden file: deny never
// admits what allow refuses; a refusal is always exit 4; an approval is
// proxy exactly when given through --as; under deny no real or effective
// name appears twice among the requester and the stages admitted.
func TestCheckDuties(t *testing.T) {
	var b bytes.Buffer
	requesters := []Party{{Operator: "ivan"}, {Operator: "ivan", Real: "ana"}, {Operator: "ana"}}
	for _, rule := range []Proxy{ProxyDeny, ProxyAllow} {
		for _, req := range requesters {
			for _, first := range dutyParties {
				p1, err1 := CheckDuties(rule, req, nil, first, "zoe")
				check(t, rule, req, nil, first, p1, err1)
				fmt.Fprintf(&b, "%s | requested by %s | department by %s: %s\n", rule, req, first, dutyOutcome(p1, err1))
				if err1 != nil {
					continue
				}
				given := []StageGiven{{Stage: StageDepartment, By: first}}
				for _, second := range dutyParties {
					p2, err2 := CheckDuties(rule, req, given, second, "zoe")
					check(t, rule, req, given, second, p2, err2)
					fmt.Fprintf(&b, "%s | requested by %s | department by %s | it by %s: %s\n", rule, req, first, second, dutyOutcome(p2, err2))
				}
			}
		}
	}
	golden.Check(t, "duties.golden", b.Bytes())
}

func check(t *testing.T, rule Proxy, req Party, given []StageGiven, by Party, proxy bool, err error) {
	t.Helper()
	if err != nil {
		if errs.CodeOf(err) != errs.Denied {
			t.Errorf("%v: %v is not a denial", by, err)
		}
		return
	}
	if proxy != (by.Real != "" && by.Real != by.Operator) {
		t.Errorf("%v: proxy = %v", by, proxy)
	}
	if rule == ProxyDeny {
		if _, err := CheckDuties(ProxyAllow, req, given, by, "zoe"); err != nil {
			t.Errorf("%v admitted under deny but refused under allow: %v", by, err)
		}
		seen := map[string]bool{}
		for _, p := range append([]Party{req, by}, func() (ps []Party) {
			for _, g := range given {
				ps = append(ps, g.By)
			}
			return
		}()...) {
			names := map[string]bool{p.Operator: true, p.Real: p.Real != ""}
			for n, ok := range names {
				if ok && seen[n] {
					t.Errorf("deny admitted %s twice (requester %v, given %v, by %v)", n, req, given, by)
				}
				if ok {
					seen[n] = true
				}
			}
		}
	}
}

// An unknown rule value is treated as deny, never as allow.
func TestCheckDutiesUnknownRuleIsDeny(t *testing.T) {
	_, err := CheckDuties("", Party{Operator: "ivan", Real: "ana"}, nil, Party{Operator: "ana"}, "zoe")
	if errs.CodeOf(err) != errs.Denied {
		t.Fatalf("got %v, want a denial", err)
	}
}

func TestParseProxy(t *testing.T) {
	for in, want := range map[string]Proxy{"deny": ProxyDeny, " Allow ": ProxyAllow} {
		if got, err := ParseProxy(in); err != nil || got != want {
			t.Errorf("ParseProxy(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseProxy("sometimes"); errs.CodeOf(err) != errs.Invalid {
		t.Errorf("ParseProxy(sometimes) = %v, want invalid", err)
	}
}
