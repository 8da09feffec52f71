package access

import (
	"slices"
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/operator"
)

func TestClearance(t *testing.T) {
	for _, tt := range []struct {
		clearance, classification account.Level
		ok                        bool
	}{
		{account.Internal, account.Public, true},
		{account.Internal, account.Internal, true},
		{account.Internal, account.Confidential, false},
		{account.Restricted, account.Restricted, true},
		{account.Public, account.Restricted, false},
	} {
		err := CheckClearance(&account.Account{Username: "u", Clearance: tt.clearance}, &Resource{Name: "r", Classification: tt.classification})
		if (err == nil) != tt.ok || (err != nil && errs.CodeOf(err) != errs.Denied) {
			t.Errorf("%s vs %s: %v", tt.clearance, tt.classification, err)
		}
	}
}

func TestSoD(t *testing.T) {
	pairs, err := ParseSoD(" payroll:approve , payroll:pay ; crm:admin,audit:read;")
	if err != nil || len(pairs) != 2 {
		t.Fatalf("%v %v", pairs, err)
	}
	if other, ok := SoDConflict(pairs, []string{"payroll:pay", "crm:read"}, "payroll:approve"); !ok || other != "payroll:pay" {
		t.Fatalf("%s %v", other, ok)
	}
	if other, ok := SoDConflict(pairs, []string{"crm:admin"}, "audit:read"); !ok || other != "crm:admin" {
		t.Fatalf("reverse direction: %s %v", other, ok)
	}
	if _, ok := SoDConflict(pairs, []string{"payroll:approve"}, "crm:admin"); ok {
		t.Fatal("unrelated keys conflict")
	}
	for _, bad := range []string{"payroll:approve", "a:b,a:b", "a,b", "A:x,b:y"} {
		if _, err := ParseSoD(bad); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestReviewFlags(t *testing.T) {
	pairs, _ := ParseSoD("payroll:approve,payroll:pay")
	res := &Resource{Name: "payroll", Classification: account.Confidential, Roles: []string{"approve", "pay", "admin"}, Privileged: []string{"admin"}}
	active := &account.Account{Username: "u", State: account.Active, Clearance: account.Confidential}
	frozen := &account.Account{Username: "u", State: account.Frozen, Clearance: account.Internal}
	tests := []struct {
		name  string
		g     Grant
		a     *account.Account
		held  []string
		flags []string
	}{
		{"clean", Grant{Resource: "payroll", Role: "pay"}, active, []string{"payroll:pay"}, nil},
		{"frozen, low clearance", Grant{Resource: "payroll", Role: "pay"}, frozen, []string{"payroll:pay"},
			[]string{FlagInactiveAccount, FlagClearanceMismatch}},
		{"expired", Grant{Resource: "payroll", Role: "pay", Until: "2026-01-01"}, active, []string{"payroll:pay"}, []string{FlagExpired}},
		{"sod", Grant{Resource: "payroll", Role: "pay"}, active, []string{"payroll:pay", "payroll:approve"}, []string{FlagSoDConflict}},
		{"privileged", Grant{Resource: "payroll", Role: "admin"}, active, []string{"payroll:admin"}, []string{FlagPrivileged}},
	}
	for _, tt := range tests {
		if got := ReviewFlags(tt.g, tt.a, res, tt.held, pairs, "2026-11-23"); !slices.Equal(got, tt.flags) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.flags)
		}
	}
}

func TestReviewer(t *testing.T) {
	isOp := func(n string) bool { return n == "olga" }
	mgr := func(d string) string {
		if d == "Sales" {
			return "maria"
		}
		return ""
	}
	a := &account.Account{Department: "Sales"}
	if r := Reviewer(&Resource{Owner: "olga"}, a, isOp, mgr); r != "olga" {
		t.Fatal(r)
	}
	if r := Reviewer(&Resource{Owner: "gone"}, a, isOp, mgr); r != "maria" {
		t.Fatal(r)
	}
	// Nobody owns it and Ops has no manager: every admin, never nobody.
	if r := Reviewer(&Resource{}, &account.Account{Department: "Ops"}, isOp, mgr); r != ReviewerAdmins {
		t.Fatal(r)
	}
}

func TestDecisions(t *testing.T) {
	admin := &operator.Operator{Name: "ana", Roles: []operator.Role{operator.Admin}}
	olga := &operator.Operator{Name: "olga", Roles: []operator.Role{operator.Manager}}
	max := &operator.Operator{Name: "max", Roles: []operator.Role{operator.Manager}}
	undecided := Item{Campaign: "q4", Item: 1, Reviewer: "olga"}
	kept := Item{Campaign: "q4", Item: 1, Reviewer: "olga", Decision: Keep, DecidedBy: "olga", Reason: "runs payroll"}
	imported := Item{Campaign: "q4", Item: 1, Reviewer: "olga", Decision: Keep, DecidedBy: "olga", ImportedBy: "ana"}
	admins := Item{Campaign: "q4", Item: 1, Reviewer: ReviewerAdmins}
	tests := []struct {
		name      string
		it        Item
		op        *operator.Operator
		decider   string
		decision  string
		changed   bool
		code      errs.Code
		override  bool
		overrides string
	}{
		{"reviewer decides", undecided, olga, "olga", Revoke, true, 0, false, ""},
		{"admin decides", undecided, admin, "ana", Keep, true, 0, false, ""},
		{"someone else", undecided, max, "max", Keep, false, errs.Denied, false, ""},
		{"same decision again", kept, olga, "olga", Keep, false, 0, false, ""},
		{"same decision by admin", kept, admin, "ana", Keep, false, 0, false, ""},
		{"reviewer changes their mind", kept, olga, "olga", Revoke, true, 0, false, ""},
		{"admin contradicts the reviewer", kept, admin, "ana", Revoke, false, errs.Conflict, false, ""},
		// The reviewer recorded it herself: an admin's import is no
		// licence to replace it (issue 14, point 3).
		{"admin imports against the reviewer", kept, admin, "olga", Revoke, false, errs.Conflict, false, ""},
		{"admin imports what the reviewer said", kept, admin, "olga", Keep, false, 0, false, ""},
		{"admin re-imports her own import", imported, admin, "olga", Revoke, true, 0, false, ""},
		{"reviewer changes an imported decision", imported, olga, "olga", Revoke, true, 0, false, ""},
		{"another admin contradicts an import", imported, &operator.Operator{Name: "root2", Roles: []operator.Role{operator.Admin}}, "olga", Revoke, false, errs.Conflict, false, ""},
		{"admin overrides", kept, admin, "ana", Revoke, true, 0, true, "keep by olga: runs payroll"},
		{"override of the same decision changes nothing", kept, admin, "ana", Keep, false, 0, true, ""},
		{"override of nothing is a plain decision", undecided, admin, "ana", Keep, true, 0, true, ""},
		{"manager overrides", kept, olga, "olga", Revoke, false, errs.Denied, true, ""},
		{"admins' item by an admin", admins, admin, "ana", Keep, true, 0, false, ""},
		{"admins' item by a manager", admins, olga, "olga", Keep, false, errs.Denied, false, ""},
		{"bad decision", undecided, olga, "olga", "maybe", false, errs.Invalid, false, ""},
	}
	for _, tt := range tests {
		res, err := CheckDecision(&tt.it, tt.op, tt.decider, tt.decision, tt.override)
		if res.Changed != tt.changed || res.Overrides != tt.overrides || errs.CodeOf(err) != tt.code && !(tt.code == 0 && err == nil) {
			t.Errorf("%s: %+v, %v", tt.name, res, err)
		}
	}
}

// A sheet row decides its item only when it describes it exactly.
func TestMatchRow(t *testing.T) {
	it := &Item{Campaign: "Q4", Item: 2, Username: "bob", Resource: "payroll", Role: "view"}
	row := SheetRow{Where: "s.csv line 2", Campaign: "Q4", Item: 2, Username: "bob", Resource: "payroll", Role: "view"}
	if err := MatchRow(it, row); err != nil {
		t.Fatal(err)
	}
	for name, mut := range map[string]func(*SheetRow){
		"campaign": func(r *SheetRow) { r.Campaign = "Q3" },
		"username": func(r *SheetRow) { r.Username = "alice" },
		"resource": func(r *SheetRow) { r.Resource = "crm" },
		"role":     func(r *SheetRow) { r.Role = "pay" },
	} {
		r := row
		mut(&r)
		if err := MatchRow(it, r); errs.CodeOf(err) != errs.Invalid || !strings.HasPrefix(err.Error(), "s.csv line 2: ") {
			t.Errorf("%s mismatch: %v", name, err)
		}
	}
}
