package account

import (
	"bytes"
	"fmt"
	"github.com/custos-dev/custos/internal/testutil/golden"
	"slices"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/custos-dev/custos/internal/errs"
)

var (
	then = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	now  = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
)

// fixture is an account in state s that has been through an earlier
// activation and freeze, so that what a rule keeps and what it changes
// both show.
func fixture(s State) Account {
	return Account{Username: "zoe", State: s, AgreementRef: "AUP-OLD", Incident: "INC-2026-0001",
		StateReason: "earlier", UpdatedAt: then, Until: "2026-06-30"}
}

func outcome(before, after Account, what string, err error) string {
	if err != nil {
		if after != before {
			return fmt.Sprintf("%s but changed the account", err)
		}
		return fmt.Sprintf("%s: %s", errs.CodeOf(err).Outcome(), err)
	}
	if after == before {
		return what + " (nothing changed)"
	}
	updated := "kept"
	if after.UpdatedAt.Equal(now) {
		updated = "now"
	}
	return fmt.Sprintf("%s → %s ref=%s must_change=%t incident=%q reason=%q updated=%s",
		what, after.State, after.AgreementRef, after.MustChangePassword, after.Incident, after.StateReason, updated)
}

// Activation and re-activation for every state and every combination of
// the two inputs: which is done, the reason rule, and what the account
// keeps.
func TestActivate(t *testing.T) {
	var b bytes.Buffer
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	inputs := []struct{ ref, reason string }{{"", ""}, {"AUP-NEW", ""}, {"", "back from leave"}, {"AUP-NEW", "back from leave"}}
	for _, s := range States {
		for _, in := range inputs {
			before := fixture(s)
			after, action, err := Activate(before, in.ref, in.reason, now)
			if err == nil && !slices.Contains([]Action{ActionActivate, ActionReactivate}, action) {
				t.Errorf("%s: action %q", s, action)
			}
			fmt.Fprintf(w, "%s\tref=%q reason=%q\t%s\n", s, in.ref, in.reason, outcome(before, after, string(action), err))
		}
	}
	w.Flush()
	golden.Check(t, "activate.golden", b.Bytes())
}

// Freezing, expiring, rejecting, revoking and restoring from every state:
// repeating a change that is in effect changes nothing.
func TestApply(t *testing.T) {
	var b bytes.Buffer
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, s := range States {
		before := fixture(s)
		before.Incident = ""
		ops := []struct {
			name string
			do   func() (Account, bool, error)
		}{
			{"freeze", func() (Account, bool, error) { return Freeze(before, "lost laptop", "INC-2026-0002", now) }},
			{"expire", func() (Account, bool, error) { return Expire(before, now) }},
			{"reject", func() (Account, bool, error) { return Apply(before, ActionReject, "no budget", now) }},
			{"revoke", func() (Account, bool, error) { return Apply(before, ActionRevoke, "left", now) }},
			{"approve-last", func() (Account, bool, error) { return Apply(before, ActionApproveLast, "", now) }},
			{"restore", func() (Account, bool, error) {
				a, err := Restore(fixture(s), "INC-2026-0001", now)
				return a, err == nil, err
			}},
		}
		for _, op := range ops {
			after, changed, err := op.do()
			in := before
			if op.name == "restore" {
				in = fixture(s)
			}
			if changed != (err == nil && after != in) {
				t.Errorf("%s/%s: changed=%t but the account %v", s, op.name, changed, after != in)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\n", s, op.name, outcome(in, after, op.name, err))
		}
	}
	w.Flush()
	golden.Check(t, "apply.golden", b.Bytes())
}

func TestPendingStages(t *testing.T) {
	stages := []string{StageDepartment, StageIT}
	tests := []struct {
		given []string
		want  []string
	}{
		{nil, []string{"department", "it"}},
		{[]string{"it"}, []string{"department"}},
		{[]string{"department"}, []string{"it"}},
		{[]string{"it", "department"}, nil},
		{[]string{"retired-stage"}, []string{"department", "it"}},
	}
	for _, tt := range tests {
		var given []Approval
		for _, g := range tt.given {
			given = append(given, Approval{Stage: g, Operator: "x"})
		}
		if got := PendingStages(stages, given); !slices.Equal(got, tt.want) {
			t.Errorf("given %v: pending %v, want %v", tt.given, got, tt.want)
		}
	}
}
