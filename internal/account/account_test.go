package account

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"text/tabwriter"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/operator"
	"github.com/custos-dev/custos/internal/testutil/golden"
)

// Every (state, action) pair: the resulting state, or "-" for a refusal,
// which must be a conflict (exit 5).
func TestTransitions(t *testing.T) {
	var b bytes.Buffer
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprint(w, "state \\ action")
	for _, a := range Actions {
		fmt.Fprintf(w, "\t%s", a)
	}
	fmt.Fprintln(w)
	for _, s := range States {
		fmt.Fprint(w, s)
		for _, a := range Actions {
			next, err := Transition(s, a)
			switch {
			case err == nil:
				fmt.Fprintf(w, "\t%s", next)
			case errs.CodeOf(err) != errs.Conflict:
				t.Errorf("%s/%s: %v is not a conflict", s, a, err)
			default:
				if next != s {
					t.Errorf("%s/%s: a refusal changed the state to %s", s, a, next)
				}
				fmt.Fprint(w, "\t-")
			}
		}
		fmt.Fprintln(w)
	}
	w.Flush()
	golden.Check(t, "transitions.golden", b.Bytes())
	for _, s := range []State{Revoked, Rejected} {
		for _, a := range Actions {
			if next, err := Transition(s, a); err == nil && next != s {
				t.Errorf("final state %s left by %s", s, a)
			}
		}
	}
}

func req() Request {
	return Request{Username: "zoe", Name: "Zoë Ångström", EmployeeID: "E-1", Department: "Sales",
		Position: "Analyst", Reason: "new hire"}
}

func TestRequestValidation(t *testing.T) {
	naming, _ := NewNaming(`^[a-z][a-z0-9._-]{1,31}$`)
	a, err := req().Validate(naming, "2026-11-23")
	if err != nil || a.Type != Employee || a.Clearance != Internal || a.State != Requested || a.Name != "Zoë Ångström" {
		t.Fatalf("%+v %v", a, err)
	}
	cjk := req()
	cjk.Name = "张三"
	if _, err := cjk.Validate(naming, "2026-11-23"); err != nil {
		t.Fatal(err)
	}
	// Messages name the field, never a flag: a request comes from flags
	// or from a CSV row, and only the CLI knows which.
	tests := []struct {
		edit  func(*Request)
		want  string
		field string
	}{
		{func(r *Request) { r.Username = "Zoe" }, "does not match the naming policy", ""},
		{func(r *Request) { r.Username = "z" }, "does not match the naming policy", ""},
		{func(r *Request) { r.Reason = "" }, "reason is required", "reason"},
		{func(r *Request) { r.Name = "  " }, "name is required", "name"},
		{func(r *Request) { r.Name = "\x1b]0;pwned\a" }, "name contains control characters", "name"},
		{func(r *Request) { r.EmployeeID = "E 1" }, `invalid employee ID "E 1"`, "employee-id"},
		{func(r *Request) { r.Email = "not an address" }, "invalid email", "email"},
		{func(r *Request) { r.Email = "Zoë <z@example.org>" }, "invalid email", "email"},
		{func(r *Request) { r.Type = "temporary" }, "a temporary account needs an end date", "until"},
		{func(r *Request) { r.Type = "contractor"; r.Until = "2026-13-01" }, "invalid end date", "until"},
		{func(r *Request) { r.Type = "intern"; r.Until = "2020-01-01" }, "the end date 2020-01-01 is in the past", "until"},
		{func(r *Request) { r.Type = "boss" }, "invalid account type", "type"},
		{func(r *Request) { r.Clearance = "secret" }, "invalid clearance", "clearance"},
		{func(r *Request) { r.Position = strings.Repeat("x", 201) }, "position is longer than 200", "position"},
	}
	for _, tt := range tests {
		r := req()
		tt.edit(&r)
		_, err := r.Validate(naming, "2026-11-23")
		if errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), tt.want) || errs.FieldOf(err) != tt.field {
			t.Errorf("%+v: %v (field %q), want invalid %q (field %q)", r, err, errs.FieldOf(err), tt.want, tt.field)
		}
		if strings.Contains(err.Error(), "--") {
			t.Errorf("%v names a flag", err)
		}
	}
}

func TestApprovals(t *testing.T) {
	ops := map[string]*operator.Operator{
		"admin":   {Name: "admin", Roles: []operator.Role{operator.Admin}},
		"ivan":    {Name: "ivan", Roles: []operator.Role{operator.IT}},
		"maria":   {Name: "maria", Roles: []operator.Role{operator.Manager}, Department: "Sales"},
		"max":     {Name: "max", Roles: []operator.Role{operator.Manager}, Department: "Ops"},
		"greta":   {Name: "greta", Roles: []operator.Role{operator.Manager}},
		"audrey":  {Name: "audrey", Roles: []operator.Role{operator.Auditor}},
		"itadmin": {Name: "itadmin", Roles: []operator.Role{operator.Admin, operator.IT}},
	}
	acct := &Account{Username: "zoe", Department: "Sales", State: Requested, RequestedBy: "ivan"}
	both := []string{StageDepartment, StageIT}
	dept := func(by string) []Approval { return []Approval{{Stage: StageDepartment, Operator: by}} }
	tests := []struct {
		name  string
		op    string
		stage string
		given []Approval
		code  errs.Code
		last  bool
		same  bool
	}{
		{"manager of the department", "maria", StageDepartment, nil, 0, false, false},
		{"manager without a department", "greta", StageDepartment, nil, 0, false, false},
		{"manager of another department", "max", StageDepartment, nil, errs.Denied, false, false},
		{"IT cannot give the department stage", "audrey", StageDepartment, nil, errs.Denied, false, false},
		{"the requester", "ivan", StageIT, dept("maria"), errs.Denied, false, false},
		{"IT stage by admin completes", "itadmin", StageIT, dept("maria"), 0, true, false},
		{"manager cannot give the IT stage", "greta", StageIT, dept("maria"), errs.Denied, false, false},
		{"one operator, both stages", "admin", StageIT, dept("admin"), errs.Denied, false, false},
		{"the same approval again", "maria", StageDepartment, dept("maria"), 0, false, true},
		{"a stage already given by someone else", "greta", StageDepartment, dept("maria"), errs.Conflict, false, false},
		{"an unknown stage", "admin", "legal", nil, errs.Invalid, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := CheckApproval(ops[tt.op], "", acct, tt.stage, both, tt.given, ProxyDeny)
			if tt.code != 0 {
				if errs.CodeOf(err) != tt.code {
					t.Fatalf("got %v, want code %d", err, tt.code)
				}
				return
			}
			if err != nil || res.Last != tt.last || res.Already != tt.same {
				t.Fatalf("got %+v, %v", res, err)
			}
		})
	}
	// With only the IT stage configured, one approval completes it.
	res, err := CheckApproval(ops["admin"], "", acct, StageIT, []string{StageIT}, nil, ProxyDeny)
	if err != nil || !res.Last {
		t.Fatalf("single stage: %+v %v", res, err)
	}
	// The policy went from department,it to it while the request was open:
	// the IT stage completes it (counting stages said 2 given of 1 needed,
	// and it could never be approved).
	res, err = CheckApproval(ops["admin"], "", acct, StageIT, []string{StageIT}, dept("maria"), ProxyDeny)
	if err != nil || !res.Last {
		t.Fatalf("stages given under an earlier policy: %+v %v", res, err)
	}
	// A rejected request cannot be approved.
	rejected := *acct
	rejected.State = Rejected
	if _, err := CheckApproval(ops["maria"], "", &rejected, StageDepartment, both, nil, ProxyDeny); errs.CodeOf(err) != errs.Conflict {
		t.Fatalf("rejected: %v", err)
	}
}

func TestGeneratedPasswordsMeetThePolicy(t *testing.T) {
	p, err := ParsePasswordPolicy("12", "upper,lower,digit,symbol")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for range 200 {
		pw, err := p.Generate(nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(pw) < 16 || seen[pw] {
			t.Fatalf("weak or repeated password %q", pw)
		}
		seen[pw] = true
		if strings.ContainsAny(pw, "0O1lI'\"`$\\ ") {
			t.Fatalf("password %q has a confusable or shell-special character", pw)
		}
	}
	long, _ := ParsePasswordPolicy("40", "digit")
	if pw, _ := long.Generate(nil); len(pw) != 40 {
		t.Fatalf("min length 40 gave %d", len(pw))
	}
	if _, err := ParsePasswordPolicy("12", "upper,emoji"); err == nil {
		t.Fatal("unknown class accepted")
	}
}
