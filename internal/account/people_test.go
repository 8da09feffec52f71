package account

import (
	"bytes"
	"fmt"
	"testing"
	"text/tabwriter"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/testutil/golden"
)

func str(s string) *string { return &s }

func result(err error, what string) string {
	if err != nil {
		return fmt.Sprintf("%s: %s", errs.CodeOf(err).Outcome(), err)
	}
	return what
}

// Edits for every state, and every rule of each field: what changes,
// before and after, and what is refused.
func TestEditApply(t *testing.T) {
	var b bytes.Buffer
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	base := Account{Username: "li.wei", Name: "Li Wei", Position: "Contractor", Type: Contractor, Until: "2026-12-31", UpdatedAt: then}
	edits := []struct {
		name string
		e    Edit
	}{
		{"extend", Edit{Until: str("2027-06-30")}},
		{"same until", Edit{Until: str("2026-12-31")}},
		{"rfc3339 until", Edit{Until: str("2027-01-31T00:00:00Z")}},
		{"past until", Edit{Until: str("2026-11-29")}},
		{"until today", Edit{Until: str("2026-11-30")}},
		{"clear until", Edit{Until: str("none")}},
		{"bad until", Edit{Until: str("soon")}},
		{"name+position", Edit{Name: str(" Wei Li "), Position: str("Lead")}},
		{"empty name", Edit{Name: str("")}},
		{"control name", Edit{Name: str("Li\x1b]0;x\a")}},
		{"email", Edit{Email: str("wei@example.org")}},
		{"bad email", Edit{Email: str("Wei <wei@example.org>")}},
		{"nothing", Edit{}},
	}
	for _, s := range States {
		for _, ed := range edits {
			a := base
			a.State = s
			after, changes, err := ed.e.Apply(a, "2026-11-30", now)
			what := fmt.Sprintf("%v", changes)
			if err == nil && len(changes) == 0 && after != a {
				t.Errorf("%s %s: no change reported but the account changed", s, ed.name)
			}
			if err == nil && len(changes) > 0 && !after.UpdatedAt.Equal(now) {
				t.Errorf("%s %s: changed without a new updated time", s, ed.name)
			}
			if err != nil && after != a {
				t.Errorf("%s %s: refused but changed", s, ed.name)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\n", s, ed.name, result(err, what))
		}
	}
	emp := base
	emp.State, emp.Type = Active, Employee
	_, changes, err := Edit{Until: str("none")}.Apply(emp, "2026-11-30", now)
	fmt.Fprintf(w, "employee\tclear until\t%s\n", result(err, fmt.Sprintf("%v", changes)))
	w.Flush()
	golden.Check(t, "edit.golden", b.Bytes())
}

// The leaver's and mover's plans for every state, and their dates.
func TestPlans(t *testing.T) {
	var b bytes.Buffer
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, s := range States {
		a := Account{Username: "zoe", State: s, Department: "Sales", Position: "Rep"}
		for _, in := range []struct{ on, then string }{{"2026-12-31", ""}, {"2026-11-30", "revoke"}, {"2026-11-29", "freeze"}, {"2026-12-31", "delete"}, {"", ""}} {
			p, err := PlanLeave(a, in.on, in.then, "resigned", "2026-11-30")
			fmt.Fprintf(w, "leave\t%s\ton=%q then=%q\t%s\n", s, in.on, in.then, result(err, fmt.Sprintf("%s %s on %s", p.Kind, p.Then, p.On)))
		}
		for _, in := range []struct{ dept, pos, on string }{{"Finance", "Controller", ""}, {"Finance", "Controller", "2027-01-01"}, {"Sales", "Rep", ""}, {"Sales", "Lead", ""}, {"", "Controller", ""}, {"Finance", "Controller", "2026-01-01"}} {
			p, err := PlanTransfer(a, in.dept, in.pos, in.on, "move", "2026-11-30")
			fmt.Fprintf(w, "transfer\t%s\t%s/%s on=%q\t%s\n", s, in.dept, in.pos, in.on, result(err, fmt.Sprintf("to %s/%s on %s", p.Department, p.Position, p.On)))
		}
	}
	w.Flush()
	golden.Check(t, "plans.golden", b.Bytes())
}

// What a leaver's and a mover's date does to the account, for every
// state; and which schedules are due.
func TestCarryOut(t *testing.T) {
	var b bytes.Buffer
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, s := range States {
		a := Account{Username: "zoe", State: s, Department: "Sales", Position: "Rep", UpdatedAt: then}
		for _, then := range []string{ThenFreeze, ThenRevoke} {
			next, changed, err := Leave(a, Schedule{Kind: ScheduleLeave, On: "2026-12-31", Then: then, Reason: "resigned"}, now)
			fmt.Fprintf(w, "leave %s\t%s\t%s\n", then, s, result(err, fmt.Sprintf("%s changed=%t reason=%q", next.State, changed, next.StateReason)))
		}
		next, changes, err := Transfer(a, Schedule{Kind: ScheduleTransfer, Department: "Finance", Position: "Controller"}, now)
		fmt.Fprintf(w, "transfer\t%s\t%s\n", s, result(err, fmt.Sprintf("%s/%s %v", next.Department, next.Position, changes)))
	}
	all := []Schedule{
		{ID: 1, On: "2026-12-31", State: Scheduled}, {ID: 2, On: "2026-11-30", State: Scheduled},
		{ID: 3, On: "2026-11-01", State: Done}, {ID: 4, On: "2026-11-30", State: Cancelled},
		{ID: 5, On: "2026-11-02", State: Scheduled}, {ID: 0, On: "2026-11-30", State: Scheduled},
	}
	for _, asOf := range []string{"2026-11-01", "2026-11-30", "2027-01-01"} {
		var ids []int64
		for _, s := range DueSchedules(all, asOf) {
			ids = append(ids, s.ID)
		}
		fmt.Fprintf(w, "due\t%s\t%v\n", asOf, ids)
	}
	w.Flush()
	golden.Check(t, "carryout.golden", b.Bytes())
}
