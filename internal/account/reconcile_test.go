package account

import (
	"bytes"
	"fmt"
	"testing"
	"text/tabwriter"

	"github.com/custos-dev/custos/internal/testutil/golden"
)

// Every kind of finding, and the cases that are not one: a leaver whose
// account is frozen is still a leaver; a leaver without an account is
// nothing to do; a mover who also changed name is both.
func TestReconcileHR(t *testing.T) {
	roster := []HRRow{
		{EmployeeID: "E-1", Name: "Zoë", Department: "Sales", Position: "Rep", Status: "active"},
		{EmployeeID: "E-2", Name: "Kai", Department: "Finance", Position: "Controller", Status: "active"},
		{EmployeeID: "E-3", Name: "Sam", Department: "Sales", Position: "Rep", Status: "leaver", LeaveDate: "2026-12-31"},
		{EmployeeID: "E-4", Name: "Lea", Department: "Sales", Position: "Rep", Status: "leaver"},
		{EmployeeID: "E-5", Name: "Ana Maria", Department: "Ops", Position: "Lead", Status: "active"},
		{EmployeeID: "E-6", Name: "New Hire", Department: "Ops", Position: "Op", Status: "active"},
		{EmployeeID: "E-7", Name: "Gone Before", Department: "Ops", Position: "Op", Status: "leaver"},
		{EmployeeID: "E-8", Name: "Wei Li", Department: "R&D", Position: "Dev", Status: "active"},
	}
	live := []Person{
		{Username: "zoe", EmployeeID: "E-1", Name: "Zoë", Department: "Sales", Position: "Rep", State: Active},
		{Username: "kai", EmployeeID: "E-2", Name: "Kai", Department: "Sales", Position: "Rep", State: Active},
		{Username: "sam", EmployeeID: "E-3", Name: "Sam", Department: "Sales", Position: "Rep", State: Active},
		{Username: "lea", EmployeeID: "E-4", Name: "Lea", Department: "Sales", Position: "Rep", State: Frozen},
		{Username: "ana", EmployeeID: "E-5", Name: "Ana", Department: "Ops", Position: "Op", State: Active},
		{Username: "ghost", EmployeeID: "X-9", Name: "Ghost", Department: "Ops", Position: "Op", State: Approved},
		{Username: "li.wei", EmployeeID: "E-8", Name: "Li Wei", Department: "R&D", Position: "Dev", State: Active},
	}
	var b bytes.Buffer
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, f := range ReconcileHR(roster, live) {
		fmt.Fprintf(w, "%s\t%s\t%s\thr=%q\tcustos=%q\n", f.Kind, f.EmployeeID, f.Username, f.HR, f.Custos)
		if (f.Kind == FindLeaver || f.Kind == FindMover) && f.Row == nil {
			t.Errorf("%s %s: no HR row to act on", f.Kind, f.EmployeeID)
		}
	}
	w.Flush()
	golden.Check(t, "reconcile_hr.golden", b.Bytes())
	if n := len(ReconcileHR(roster[:2], live[:1])); n != 1 {
		t.Errorf("a roster and accounts that differ in one person give %d findings, want 1", n)
	}
}
