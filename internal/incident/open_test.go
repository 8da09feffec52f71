package incident

import (
	"bytes"
	"fmt"
	"github.com/custos-dev/custos/internal/testutil/golden"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/errs"
)

// The opening plan for each kind of incident against a mix of named
// accounts: which are frozen, whether a waived freeze is recorded, and the
// deadline; with the invariants that only active accounts are frozen and
// the deadline is detection plus the reporting window.
func TestOpenPlan(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	pol := Policy{ReportWithin: 24 * time.Hour, AutoFreeze: []string{"credential-leak", "unauthorized-access"}, Disclosure: []string{"regulator"}}
	named := []*account.Account{
		{Username: "zoe", State: account.Active},
		{Username: "kai", State: account.Frozen},
		{Username: "ivan", State: account.Active},
		{Username: "old", State: account.Revoked},
		{Username: "new", State: account.Approved},
	}
	tests := []struct {
		name     string
		typ      string
		noFreeze bool
		detected time.Time
		named    []*account.Account
	}{
		{"auto-freeze type", "credential-leak", false, now.Add(-3 * time.Hour), named},
		{"auto-freeze type, opener waives it", "unauthorized-access", true, now, named},
		{"other type", "data-leak", false, now.Add(-72 * time.Hour), named},
		{"other type, no-freeze changes nothing", "malware", true, now, named},
		{"auto-freeze type, no accounts", "credential-leak", false, now, nil},
		{"detected in the future", "credential-leak", false, now.Add(time.Second), named},
	}
	var b bytes.Buffer
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, tt := range tests {
		inc := Incident{Type: tt.typ, NoFreeze: tt.noFreeze, DetectedAt: tt.detected}
		p, err := OpenPlan(inc, pol, tt.named, now)
		if err != nil {
			fmt.Fprintf(w, "%s\t%s: %s\n", tt.name, errs.CodeOf(err).Outcome(), err)
			continue
		}
		if !p.Deadline.Equal(tt.detected.Add(pol.ReportWithin)) {
			t.Errorf("%s: deadline %s", tt.name, p.Deadline)
		}
		for _, u := range p.Freeze {
			for _, a := range tt.named {
				if a.Username == u && a.State != account.Active {
					t.Errorf("%s: freezes %s, which is %s", tt.name, u, a.State)
				}
			}
		}
		fmt.Fprintf(w, "%s\tdeadline %s\tfreeze [%s]\twaived %t\n", tt.name, p.Deadline.Format(time.RFC3339), strings.Join(p.Freeze, " "), p.FreezeWaived)
	}
	w.Flush()
	golden.Check(t, "openplan.golden", b.Bytes())
}
