package account

import (
	"slices"
	"strings"
)

// HRRow is one person of HR's roster (columns employee-id, name,
// department, position, status, leave-date).
type HRRow struct {
	Line       int
	EmployeeID string
	Name       string
	Department string
	Position   string
	// Status is active or leaver.
	Status    string
	LeaveDate string
}

// The kinds of finding of an HR reconciliation, in report order.
const (
	FindLeaver    = "leaver"     // HR says left (or leaving); the account is live
	FindMover     = "mover"      // department or position differs
	FindName      = "name"       // the names differ
	FindOrphan    = "orphan"     // a live account whose employee ID HR does not know
	FindNoAccount = "no-account" // an active person without a live account (information)
)

// Finding is one difference between HR's roster and the accounts.
type Finding struct {
	Kind       string `json:"kind"`
	EmployeeID string `json:"employee_id"`
	Username   string `json:"username"`
	// HR and Custos are the two sides of the difference, in words.
	HR     string `json:"hr"`
	Custos string `json:"custos"`
	// Row is HR's row, for the leavers and movers --apply acts on.
	Row *HRRow `json:"-"`
}

// Person is what a reconciliation needs of a live account: kept small,
// since a reconciliation holds every live account of the store at once.
type Person struct {
	Username, EmployeeID, Name, Department, Position string
	State                                            State
}

// ReconcileHR compares HR's roster with the live accounts (one per
// employee ID, as the store guarantees) and returns the differences in a
// fixed order: by employee ID, then kind. Matching is by employee ID,
// exactly; names compare after trimming spaces, case-sensitive (a name's
// spelling is the point). A leaver whose account is already frozen is
// still a leaver: frozen is not closed. Both slices are sorted in place
// by employee ID and merged, so a roster of 100,000 needs no index
// beside the two lists.
func ReconcileHR(roster []HRRow, live []Person) []Finding {
	slices.SortFunc(roster, func(a, b HRRow) int { return strings.Compare(a.EmployeeID, b.EmployeeID) })
	slices.SortFunc(live, func(a, b Person) int { return strings.Compare(a.EmployeeID, b.EmployeeID) })
	var out []Finding
	i, j := 0, 0
	for i < len(roster) || j < len(live) {
		switch {
		case j == len(live) || i < len(roster) && roster[i].EmployeeID < live[j].EmployeeID:
			if r := &roster[i]; !strings.EqualFold(r.Status, "leaver") {
				out = append(out, Finding{Kind: FindNoAccount, EmployeeID: r.EmployeeID, HR: r.Name + ", " + r.Department})
			}
			i++
		case i == len(roster) || live[j].EmployeeID < roster[i].EmployeeID:
			a := &live[j]
			out = append(out, Finding{Kind: FindOrphan, EmployeeID: a.EmployeeID, Username: a.Username, Custos: string(a.State) + ", " + a.Department})
			j++
		default:
			out = append(out, compareHR(&roster[i], &live[j])...)
			i, j = i+1, j+1
		}
	}
	return out
}

// compareHR is what differs between one person's HR row and account, in
// report order (leaver, mover, name).
func compareHR(r *HRRow, a *Person) []Finding {
	if strings.EqualFold(r.Status, "leaver") {
		when := "left"
		if r.LeaveDate != "" {
			when = "leaves " + r.LeaveDate
		}
		return []Finding{{Kind: FindLeaver, EmployeeID: r.EmployeeID, Username: a.Username, HR: when, Custos: string(a.State), Row: r}}
	}
	var out []Finding
	if r.Department != a.Department || r.Position != a.Position {
		out = append(out, Finding{Kind: FindMover, EmployeeID: r.EmployeeID, Username: a.Username,
			HR: r.Position + ", " + r.Department, Custos: a.Position + ", " + a.Department, Row: r})
	}
	if strings.TrimSpace(r.Name) != a.Name {
		out = append(out, Finding{Kind: FindName, EmployeeID: r.EmployeeID, Username: a.Username, HR: r.Name, Custos: a.Name})
	}
	return out
}
