package access

import (
	"slices"
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
	if r := Reviewer(&Resource{}, &account.Account{Department: "Ops"}, isOp, mgr); r != "" {
		t.Fatal(r)
	}
}

func TestDecisions(t *testing.T) {
	admin := &operator.Operator{Name: "ana", Roles: []operator.Role{operator.Admin}}
	olga := &operator.Operator{Name: "olga", Roles: []operator.Role{operator.Manager}}
	max := &operator.Operator{Name: "max", Roles: []operator.Role{operator.Manager}}
	undecided := Item{Campaign: "q4", Item: 1, Reviewer: "olga"}
	kept := Item{Campaign: "q4", Item: 1, Reviewer: "olga", Decision: Keep, DecidedBy: "olga"}
	tests := []struct {
		name     string
		it       Item
		op       *operator.Operator
		decider  string
		decision string
		changed  bool
		code     errs.Code
	}{
		{"reviewer decides", undecided, olga, "olga", Revoke, true, 0},
		{"admin decides", undecided, admin, "ana", Keep, true, 0},
		{"someone else", undecided, max, "max", Keep, false, errs.Denied},
		{"same decision again", kept, olga, "olga", Keep, false, 0},
		{"same decision by admin", kept, admin, "ana", Keep, false, 0},
		{"reviewer changes their mind", kept, olga, "olga", Revoke, true, 0},
		{"admin contradicts the reviewer", kept, admin, "ana", Revoke, false, errs.Conflict},
		{"admin imports for the reviewer", kept, admin, "olga", Revoke, true, 0},
		{"bad decision", undecided, olga, "olga", "maybe", false, errs.Invalid},
	}
	for _, tt := range tests {
		changed, err := CheckDecision(&tt.it, tt.op, tt.decider, tt.decision)
		if changed != tt.changed || errs.CodeOf(err) != tt.code && !(tt.code == 0 && err == nil) {
			t.Errorf("%s: changed %v, %v", tt.name, changed, err)
		}
	}
}
