package operator

import (
	"slices"
	"testing"

	"github.com/custos-dev/custos/internal/errs"
)

func TestParseRoles(t *testing.T) {
	tests := []struct {
		in   []string
		want []Role
		err  bool
	}{
		{in: []string{"it"}, want: []Role{IT}},
		{in: []string{"auditor,admin"}, want: []Role{Admin, Auditor}},
		{in: []string{"manager", "IT", "manager"}, want: []Role{IT, Manager}},
		{in: []string{" it , auditor "}, want: []Role{IT, Auditor}},
		{in: nil, err: true},
		{in: []string{""}, err: true},
		{in: []string{"root"}, err: true},
	}
	for _, tt := range tests {
		got, err := ParseRoles(tt.in)
		if (err != nil) != tt.err || !slices.Equal(got, tt.want) {
			t.Errorf("ParseRoles(%q) = %v, %v", tt.in, got, err)
		}
		if err != nil && errs.CodeOf(err) != errs.Invalid {
			t.Errorf("ParseRoles(%q) error is not invalid input", tt.in)
		}
	}
}

func TestValidateName(t *testing.T) {
	for _, ok := range []string{"ana", "jane.doe", "j_doe", "jdoe@corp", "A1", "_svc"} {
		if err := ValidateName(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "-x", ".x", "a b", "a\x1b", "张三", string(make([]byte, 65))} {
		if err := ValidateName(bad); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestRequire(t *testing.T) {
	aud := &Operator{Name: "aud", Roles: []Role{Auditor}}
	if err := Require(aud, "audit log", Admin, Auditor); err != nil {
		t.Fatal(err)
	}
	if err := Require(aud, "anything"); err != nil {
		t.Fatal("no roles listed admits every operator")
	}
	err := Require(aud, "operator add", Admin)
	if errs.CodeOf(err) != errs.Denied || err.Error() != `operator aud (auditor) may not run "operator add": it needs the role admin` {
		t.Fatalf("%v", err)
	}
	if err := ValidateDepartment("销售部"); err != nil {
		t.Fatal(err)
	}
	if err := ValidateDepartment("a\x1bb"); err == nil {
		t.Fatal("control character accepted")
	}
}

// A manager with a department is limited to it; a role that reads
// everything, or no department, lifts the limit.
func TestScope(t *testing.T) {
	tests := []struct {
		op    Operator
		scope string
		sees  map[string]bool
	}{
		{Operator{Name: "maria", Roles: []Role{Manager}, Department: "Sales"}, "Sales",
			map[string]bool{"Sales": true, "sales": true, "Finance": false, "": false}},
		{Operator{Name: "max", Roles: []Role{Manager}}, "", map[string]bool{"Sales": true, "": true}},
		{Operator{Name: "ivy", Roles: []Role{IT, Manager}, Department: "Sales"}, "", map[string]bool{"Finance": true}},
		{Operator{Name: "ann", Roles: []Role{Manager, Auditor}, Department: "Sales"}, "", map[string]bool{"Finance": true}},
		{Operator{Name: "ana", Roles: []Role{Admin}, Department: "Sales"}, "", map[string]bool{"Finance": true}},
		{Operator{Name: "wendy", Roles: []Role{Auditor}}, "", map[string]bool{"Finance": true}},
	}
	for _, tt := range tests {
		if got := tt.op.Scope(); got != tt.scope {
			t.Errorf("%s: scope %q, want %q", tt.op.Name, got, tt.scope)
		}
		for d, want := range tt.sees {
			if got := tt.op.Sees(d); got != want {
				t.Errorf("%s sees %q: %v, want %v", tt.op.Name, d, got, want)
			}
		}
	}
	maria := Operator{Name: "maria", Roles: []Role{Manager}, Department: "Sales"}
	if maria.Sees() {
		t.Error("an object of no department is outside a department's scope")
	}
	if !maria.Sees("Finance", "Sales") {
		t.Error("one matching department is enough")
	}
}

// Departments fold ASCII case only, as the store's lower() does, so a Go
// check and a SQL listing agree.
func TestSameDepartmentFoldsASCIIOnly(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{{"Sales", "sales", true}, {"SALES", "Sales", true}, {"Ärzte", "ärzte", false}, {"研发部", "研发部", true}, {"Sales", "Sale", false}} {
		if got := SameDepartment(c.a, c.b); got != c.same {
			t.Errorf("SameDepartment(%q, %q) = %v", c.a, c.b, got)
		}
	}
}
