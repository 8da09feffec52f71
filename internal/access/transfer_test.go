package access

import (
	"bytes"
	"fmt"
	"testing"
	"text/tabwriter"

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/testutil/golden"
)

func keys(gs []*Grant) []string {
	out := []string{}
	for _, g := range gs {
		out = append(out, g.Key())
	}
	return out
}

func outcomeOf(err error, what string) string {
	if err != nil {
		return fmt.Sprintf("%s: %s", errs.CodeOf(err).Outcome(), err)
	}
	return what
}

// The transfer plan for each policy and --keep: every grant lands in
// exactly one list.
func TestPlanTransferGrants(t *testing.T) {
	held := []*Grant{{ID: 1, Resource: "crm", Role: "read"}, {ID: 2, Resource: "crm", Role: "admin"}, {ID: 3, Resource: "payroll", Role: "view"}}
	var b bytes.Buffer
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, rule := range []string{TransferReview, TransferRevoke, TransferKeep} {
		for _, keep := range [][]string{nil, {"crm:read"}, {"crm:read", "payroll:view"}, {"wiki:read"}} {
			p, err := PlanTransferGrants(held, rule, keep)
			if err == nil && len(p.Review)+len(p.Revoke)+len(p.Keep) != len(held) {
				t.Errorf("%s %v: %d+%d+%d grants planned, want %d", rule, keep, len(p.Review), len(p.Revoke), len(p.Keep), len(held))
			}
			fmt.Fprintf(w, "%s\tkeep=%v\t%s\n", rule, keep, outcomeOf(err, fmt.Sprintf("review=%v revoke=%v keep=%v", keys(p.Review), keys(p.Revoke), keys(p.Keep))))
		}
	}
	_, err := ParseKeep([]string{"crm:read", "crm"})
	fmt.Fprintf(w, "parse\tcrm:read,crm\t%s\n", outcomeOf(err, ""))
	w.Flush()
	golden.Check(t, "transfer.golden", b.Bytes())
}

// Resource edits: owner, raised and lowered classification, roles still
// granted, privileged roles that follow the roles.
func TestResourceEdit(t *testing.T) {
	r := Resource{Name: "crm", Classification: account.Internal, Owner: "maria", Roles: []string{"read", "write", "admin"}, Privileged: []string{"admin"}}
	grants := []*Grant{{ID: 1, Username: "kai", Resource: "crm", Role: "read"}, {ID: 2, Username: "zoe", Resource: "crm", Role: "write"}}
	clearance := func(u string) account.Level {
		if u == "zoe" {
			return account.Restricted
		}
		return account.Internal
	}
	s := func(v string) *string { return &v }
	var b bytes.Buffer
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, c := range []struct {
		name string
		e    ResourceEdit
	}{
		{"owner", ResourceEdit{Owner: s("olga")}},
		{"same owner", ResourceEdit{Owner: s("maria")}},
		{"raise", ResourceEdit{Classification: s("restricted")}},
		{"lower", ResourceEdit{Classification: s("public")}},
		{"bad class", ResourceEdit{Classification: s("secret")}},
		{"add role", ResourceEdit{Roles: []string{"read", "write", "admin", "export"}}},
		{"drop granted role", ResourceEdit{Roles: []string{"write", "admin"}}},
		{"drop privileged role", ResourceEdit{Roles: []string{"read", "write"}}},
		{"privileged not a role", ResourceEdit{Privileged: []string{"export"}}},
		{"no roles", ResourceEdit{Roles: []string{}}},
	} {
		res, err := c.e.Apply(r, grants, clearance)
		fmt.Fprintf(w, "%s\t%s\n", c.name, outcomeOf(err, fmt.Sprintf("%v lower=%q flagged=%v", res.Changes, res.Lower, keys(res.Flagged))))
	}
	fmt.Fprintf(w, "remove with grants\t%s\n", outcomeOf(CheckRemove(&r, grants, false), "ok"))
	fmt.Fprintf(w, "remove revoking\t%s\n", outcomeOf(CheckRemove(&r, grants, true), "ok"))
	fmt.Fprintf(w, "remove unused\t%s\n", outcomeOf(CheckRemove(&r, nil, false), "ok"))
	a := &account.Account{Username: "kai", Clearance: account.Internal}
	g := &Grant{ID: 1, Until: "2026-12-31"}
	for _, until := range []string{"", "2026-12-31", "2027-06-30", "2026-12-01", "2026-01-01"} {
		c, err := CheckExtend(a, &r, g, until, "2026-11-30")
		fmt.Fprintf(w, "extend\t%q\t%s\n", until, outcomeOf(err, fmt.Sprintf("%v", c)))
	}
	restricted := r
	restricted.Classification = account.Restricted
	c, err := CheckExtend(a, &restricted, g, "2027-06-30", "2026-11-30")
	fmt.Fprintf(w, "extend above clearance\t\t%s\n", outcomeOf(err, fmt.Sprintf("%v", c)))
	w.Flush()
	golden.Check(t, "resource_edit.golden", b.Bytes())
}
