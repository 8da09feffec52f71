package operator

import (
	"bytes"
	"fmt"
	"github.com/custos-dev/custos/internal/testutil/golden"
	"slices"
	"testing"

	"github.com/custos-dev/custos/internal/errs"
)

// The role matrix, one row a command, compared with a golden file: a
// change of who may run what shows in review as a diff of this file.
func TestPermissionsGolden(t *testing.T) {
	var b bytes.Buffer
	for _, p := range Permissions {
		fmt.Fprintln(&b, p)
	}
	golden.Check(t, "permissions.golden", b.Bytes())
}

// The invariants beside the golden file: one row a command, only known
// roles, and an admin may do everything (SPEC §3).
func TestPermissionsInvariants(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range Permissions {
		if seen[p.Command] {
			t.Errorf("%s has two rows", p.Command)
		}
		seen[p.Command] = true
		if p.Bootstrap {
			if p.Roles != nil || p.ListRoles != nil {
				t.Errorf("%s: a bootstrap row lists no roles", p.Command)
			}
			continue
		}
		if len(p.Roles) == 0 {
			t.Errorf("%s admits nobody", p.Command)
		}
		for _, r := range append(slices.Clone(p.Roles), p.ListRoles...) {
			if !slices.Contains(Roles, r) {
				t.Errorf("%s: unknown role %q", p.Command, r)
			}
		}
		if !p.Allows(Admin, false) || !p.Allows(Admin, true) {
			t.Errorf("%s: admins may do everything", p.Command)
		}
		for _, r := range p.Roles {
			if !p.Allows(r, true) {
				t.Errorf("%s: %s may change but not list", p.Command, r)
			}
		}
	}
}

func TestPermissionsFor(t *testing.T) {
	if _, _, err := Permissions.For("no such command", false); errs.CodeOf(err) != errs.Internal {
		t.Errorf("a command without a row: %v, want an internal error", err)
	}
	_, roles, err := Permissions.For("records hold", false)
	if err != nil || !slices.Equal(roles, []Role{Admin, IT}) {
		t.Errorf("records hold: %v %v", roles, err)
	}
	_, roles, _ = Permissions.For("records hold", true)
	if !slices.Equal(roles, Roles) {
		t.Errorf("records hold without arguments: %v", roles)
	}
	_, roles, _ = Permissions.For("account freeze", true)
	if !slices.Equal(roles, []Role{Admin, IT}) {
		t.Errorf("account freeze has no listing form: %v", roles)
	}
}
