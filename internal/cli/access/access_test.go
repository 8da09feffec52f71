package access

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/cli/account"
	"github.com/custos-dev/custos/internal/cli/clitest"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	operatorcmd "github.com/custos-dev/custos/internal/cli/operator"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/store"
)

// Every check of the flags alone is made before the run: a bad flag never
// reaches the store.
func TestFlagsCheckedBeforeRun(t *testing.T) {
	refused := []struct {
		name string
		run  func() (bool, error)
		want string
	}{
		{"grant without --role", clitest.Refusal(t, newCmdGrant, "zoe", "crm", "--reason", "x"), "--role is required"},
		{"grant with a bad --until", clitest.Refusal(t, newCmdGrant, "zoe", "crm", "--role", "read", "--reason", "x", "--until", "31/12/2026"), `--until: "31/12/2026" is not a date: use YYYY-MM-DD`},
		{"request without a reason", clitest.Refusal(t, newCmdRequest, "zoe", "crm", "--role", "read", "--reason", " "), ""},
		{"revoke without a reason", clitest.Refusal(t, newCmdRevoke, "zoe", "crm"), ""},
		{"list --limit -1", clitest.Refusal(t, newCmdList, "--limit", "-1"), "--limit must be 1 or more, got -1"},
		{"resource add without --roles", clitest.Refusal(t, newCmdResourceAdd, "crm", "--classification", "internal", "--owner", "maria"), ""},
		{"resource add with a bad owner", clitest.Refusal(t, newCmdResourceAdd, "crm", "--classification", "internal", "--owner", "Bad Owner", "--roles", "read"), ""},
		{"resource update with no change", clitest.Refusal(t, newCmdResourceUpdate, "crm", "--reason", "x"), "nothing to update: give --owner, --classification, --roles or --privileged"},
		{"resource remove without a reason", clitest.Refusal(t, newCmdResourceRemove, "crm"), ""},
	}
	for _, tc := range refused {
		ran, err := tc.run()
		if errs.CodeOf(err) != errs.Invalid || ran || tc.want != "" && err.Error() != tc.want {
			t.Errorf("%s: %v (ran %v), want invalid input %q before the run", tc.name, err, ran, tc.want)
		}
	}

	g, err := clitest.Parse(t, newCmdGrant, "zoe", "crm", "--role", "read", "--reason", " sales ", "--until", "2027-01-31")
	if err != nil || g.Username != "zoe" || g.Resource != "crm" || g.Role != "read" || g.Reason != "sales" || g.Until != "2027-01-31" {
		t.Errorf("grant: %v %+v", err, g)
	}
	u, err := clitest.Parse(t, newCmdResourceUpdate, "crm", "--roles", "read,write", "--privileged", "", "--reason", "r")
	if err != nil || !slices.Equal(u.Edit.Roles, []string{"read", "write"}) || u.Edit.Privileged == nil || len(u.Edit.Privileged) != 0 || u.Edit.Owner != nil {
		t.Errorf("resource update: %v %+v", err, u)
	}
}

// The run functions against a real store: a resource is added (again:
// nothing changes; differently: a conflict), listed, changed and removed.
func TestResourceRun(t *testing.T) {
	e := clitest.New(t)
	add := []string{"crm", "--classification", "internal", "--owner", e.User, "--roles", "read,write", "-o", "json"}
	if err := clitest.Run(e, "access resource add", newCmdResourceAdd, add...); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	var added ResourceResult
	if err := json.Unmarshal(e.Out.Bytes(), &added); err != nil {
		t.Fatalf("%v: %s", err, e.Out)
	}
	if !added.Changed || added.Classification != "internal" || !slices.Equal(added.Roles, []string{"read", "write"}) || len(added.Privileged) != 0 {
		t.Errorf("add: %+v", added)
	}
	if err := clitest.Run(e, "access resource add", newCmdResourceAdd, add...); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(e.Out.Bytes(), &added); err != nil || added.Changed {
		t.Errorf("repeat: %v %s", err, e.Out)
	}
	if err := clitest.Run(e, "access resource add", newCmdResourceAdd, "crm", "--classification", "public", "--owner", e.User, "--roles", "read"); errs.CodeOf(err) != errs.Conflict {
		t.Errorf("a different definition: %v, want a conflict", err)
	}

	if err := clitest.Run(e, "access resource update", newCmdResourceUpdate, "crm", "--roles", "read,write,export", "--privileged", "export", "--reason", "export module", "-o", "json"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	var upd struct {
		UpdateResult
		Changes []ChangeResult `json:"changes"`
	}
	if err := json.Unmarshal(e.Out.Bytes(), &upd); err != nil {
		t.Fatalf("%v: %s", err, e.Out)
	}
	if !upd.Changed || len(upd.Changes) != 2 || upd.Changes[0] != (ChangeResult{"roles", "read,write", "read,write,export"}) || upd.Request != "" {
		t.Errorf("update: %s", e.Out)
	}

	if err := clitest.Run(e, "access resource list", newCmdResourceList, "-o", "json"); err != nil {
		t.Fatal(err)
	}
	var list []ResourceListResult
	if err := json.Unmarshal(e.Out.Bytes(), &list); err != nil {
		t.Fatalf("%v: %s", err, e.Out)
	}
	if len(list) != 1 || list[0].Name != "crm" || !slices.Equal(list[0].Privileged, []string{"export"}) || !list[0].CreatedAt.Equal(e.Now) {
		t.Errorf("list: %+v", list)
	}

	if err := clitest.Run(e, "access resource remove", newCmdResourceRemove, "crm", "--reason", "replaced", "-o", "json"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	var removed RemoveResult
	if err := json.Unmarshal(e.Out.Bytes(), &removed); err != nil || removed != (RemoveResult{"crm", true, 0}) {
		t.Errorf("remove: %v %s", err, e.Out)
	}
	if err := clitest.Run(e, "access resource remove", newCmdResourceRemove, "crm", "--reason", "again"); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("removed twice: %v, want not found", err)
	}
	e.View(func(tx store.Tx) error {
		if _, err := tx.Access().GetResource("crm"); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("removed resource: %v", err)
		}
		return nil
	})
}

// The grant and revoke run functions over a real store, with an account
// made active by two approvers: a grant is stored and listed, granting it
// again changes nothing, a role the resource lacks is refused and stores
// nothing, and a revoke ends it.
func TestGrantRun(t *testing.T) {
	e := clitest.New(t)
	run := func(path string, group func(*cmdutil.Factory) *cobra.Command, args ...string) {
		t.Helper()
		words := strings.Fields(path)
		if err := e.RunCmd(path, clitest.Sub(group, words[1:]...), args...); err != nil {
			t.Fatalf("%s: %v\n%s", path, err, e.Err)
		}
	}
	run("operator add", operatorcmd.NewCmdOperator, "ines", "--role", "it")
	run("operator add", operatorcmd.NewCmdOperator, "root2", "--role", "admin")
	run("operator add", operatorcmd.NewCmdOperator, "olga", "--role", "manager", "--department", "Finance")
	run("access resource add", NewCmdAccess, "payroll", "--classification", "internal", "--owner", "olga", "--roles", "view,pay,admin", "--privileged", "admin")
	e.Become("ines")
	run("account request", account.NewCmdAccount, "zoe", "--name", "Zoë", "--employee-id", "E-1", "--department", "Finance", "--position", "Accountant", "--reason", "hire")
	e.Become("root2")
	run("account approve", account.NewCmdAccount, "zoe", "--stage", "department")
	e.Become(e.User)
	run("account approve", account.NewCmdAccount, "zoe", "--stage", "it")
	e.Become("ines")
	run("account activate", account.NewCmdAccount, "zoe", "--agreement-ref", "A1")

	if err := clitest.Run(e, "access grant", newCmdGrant, "zoe", "payroll", "--role", "pay", "--reason", "runs payroll", "-o", "json"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	var g GrantResult
	if err := json.Unmarshal(e.Out.Bytes(), &g); err != nil {
		t.Fatalf("%v: %s", err, e.Out)
	}
	if g.ID == 0 || g.Username != "zoe" || g.Resource != "payroll" || g.Role != "pay" || !g.Changed {
		t.Errorf("grant: %+v", g)
	}
	if err := clitest.Run(e, "access grant", newCmdGrant, "zoe", "payroll", "--role", "pay", "--reason", "again", "-o", "json"); err != nil {
		t.Fatal(err)
	}
	var again GrantResult
	if json.Unmarshal(e.Out.Bytes(), &again); again.ID != g.ID || again.Changed {
		t.Errorf("granting again: %+v, want grant %d unchanged", again, g.ID)
	}
	err := clitest.Run(e, "access grant", newCmdGrant, "zoe", "payroll", "--role", "approve", "--reason", "cover")
	if errs.CodeOf(err) != errs.Invalid && errs.CodeOf(err) != errs.NotFound {
		t.Errorf("a role payroll does not have: %v", err)
	}

	list := func() []ListResult {
		t.Helper()
		if err := clitest.Run(e, "access list", newCmdList, "--account", "zoe", "-o", "json"); err != nil {
			t.Fatalf("%v\n%s", err, e.Err)
		}
		var rows []ListResult
		if err := json.Unmarshal(e.Out.Bytes(), &rows); err != nil {
			t.Fatalf("%v: %s", err, e.Out)
		}
		return rows
	}
	if rows := list(); len(rows) != 1 || rows[0].ID != g.ID || !rows[0].InForce || rows[0].GrantedBy != "ines" {
		t.Errorf("listed %+v, want grant %d in force, by ines", rows, g.ID)
	}
	if err := clitest.Run(e, "access revoke", newCmdRevoke, "zoe", "payroll", "--role", "pay", "--reason", "moved"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	if rows := list(); len(rows) != 0 {
		t.Errorf("after the revoke, zoe holds %+v", rows)
	}
}
