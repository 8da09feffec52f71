package access

import (
	"bytes"
	"fmt"
	"github.com/custos-dev/custos/internal/testutil/golden"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/errs"
)

// The grant checks, one case a row, each built so that several checks
// would fail and only the first in the documented order decides: role →
// active → idempotent → clearance → SoD.
func TestCheckGrant(t *testing.T) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	payroll := &Resource{Name: "payroll", Classification: account.Confidential, Roles: []string{"approve", "pay", "read"}}
	pairs := []Pair{{A: "payroll:approve", B: "payroll:pay"}}
	pay := &Grant{ID: 7, Username: "zoe", Resource: "payroll", Role: "pay"}
	approve := &Grant{ID: 8, Username: "zoe", Resource: "payroll", Role: "approve"}
	acct := func(s account.State, c account.Level) *account.Account {
		return &account.Account{Username: "zoe", State: s, Clearance: c}
	}
	tests := []struct {
		name string
		a    *account.Account
		role string
		held []*Grant
	}{
		{"granted", acct(account.Active, account.Confidential), "read", nil},
		{"granted beside a pair's other half on another role", acct(account.Active, account.Confidential), "read", []*Grant{pay}},
		{"no such role, inactive, low clearance, SoD", acct(account.Frozen, account.Public), "admin", []*Grant{pay}},
		{"inactive, already held, low clearance", acct(account.Frozen, account.Public), "pay", []*Grant{pay}},
		{"requested account", acct(account.Requested, account.Confidential), "read", nil},
		{"already held, low clearance, SoD", acct(account.Active, account.Public), "approve", []*Grant{pay, approve}},
		{"low clearance and SoD", acct(account.Active, account.Internal), "approve", []*Grant{pay}},
		{"SoD", acct(account.Active, account.Restricted), "approve", []*Grant{pay}},
		{"SoD, the other direction", acct(account.Active, account.Restricted), "pay", []*Grant{approve}},
	}
	var b bytes.Buffer
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, tt := range tests {
		g, changed, err := CheckGrant(tt.a, payroll, tt.held, pairs, GrantRequest{Role: tt.role, Reason: "duty", By: "ines"}, now)
		var got string
		switch {
		case err != nil:
			if g != nil || changed {
				t.Errorf("%s: a refusal returned a grant", tt.name)
			}
			got = fmt.Sprintf("%s: %s", errs.CodeOf(err).Outcome(), err)
		case !changed:
			got = fmt.Sprintf("unchanged: grant %d", g.ID)
		default:
			if !g.GrantedAt.Equal(now) || g.GrantedBy != "ines" || g.ID != 0 {
				t.Errorf("%s: new grant %+v", tt.name, g)
			}
			got = "granted " + g.Key()
		}
		fmt.Fprintf(w, "%s\t%s %s\t%s\n", tt.name, tt.a.State, tt.a.Clearance, got)
	}
	w.Flush()
	golden.Check(t, "checkgrant.golden", b.Bytes())
}
