package access

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/cli/clitest"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/iostreams"
	"github.com/custos-dev/custos/internal/store"
)

// parse runs a command's RunE with runF stubbed; the options are nil
// when runF was not reached.
func parse[O any](t *testing.T, newCmd func(*cmdutil.Factory, func(*O) error) *cobra.Command, args ...string) (*O, error) {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	var got *O
	cmd := newCmd(&cmdutil.Factory{IO: ios}, func(o *O) error { got = o; return nil })
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs(args)
	return got, cmd.Execute()
}

// Every check of the flags alone is made before the run: a bad flag never
// reaches the store.
func TestFlagsCheckedBeforeRun(t *testing.T) {
	refused := []struct {
		name string
		run  func() (bool, error)
		want string
	}{
		{"grant without --role", func() (bool, error) {
			o, err := parse(t, newCmdGrant, "zoe", "crm", "--reason", "x")
			return o != nil, err
		}, "--role is required"},
		{"grant with a bad --until", func() (bool, error) {
			o, err := parse(t, newCmdGrant, "zoe", "crm", "--role", "read", "--reason", "x", "--until", "31/12/2026")
			return o != nil, err
		}, `--until: "31/12/2026" is not a date: use YYYY-MM-DD`},
		{"request without a reason", func() (bool, error) {
			o, err := parse(t, newCmdRequest, "zoe", "crm", "--role", "read", "--reason", " ")
			return o != nil, err
		}, ""},
		{"revoke without a reason", func() (bool, error) {
			o, err := parse(t, newCmdRevoke, "zoe", "crm")
			return o != nil, err
		}, ""},
		{"list --limit -1", func() (bool, error) {
			o, err := parse(t, newCmdList, "--limit", "-1")
			return o != nil, err
		}, "--limit must be 1 or more, got -1"},
		{"resource add without --roles", func() (bool, error) {
			o, err := parse(t, newCmdResourceAdd, "crm", "--classification", "internal", "--owner", "maria")
			return o != nil, err
		}, ""},
		{"resource add with a bad owner", func() (bool, error) {
			o, err := parse(t, newCmdResourceAdd, "crm", "--classification", "internal", "--owner", "Bad Owner", "--roles", "read")
			return o != nil, err
		}, ""},
		{"resource update with no change", func() (bool, error) {
			o, err := parse(t, newCmdResourceUpdate, "crm", "--reason", "x")
			return o != nil, err
		}, "nothing to update: give --owner, --classification, --roles or --privileged"},
		{"resource remove without a reason", func() (bool, error) {
			o, err := parse(t, newCmdResourceRemove, "crm")
			return o != nil, err
		}, ""},
	}
	for _, tc := range refused {
		ran, err := tc.run()
		if errs.CodeOf(err) != errs.Invalid || ran || tc.want != "" && err.Error() != tc.want {
			t.Errorf("%s: %v (ran %v), want invalid input %q before the run", tc.name, err, ran, tc.want)
		}
	}

	g, err := parse(t, newCmdGrant, "zoe", "crm", "--role", "read", "--reason", " sales ", "--until", "2027-01-31")
	if err != nil || g.Username != "zoe" || g.Resource != "crm" || g.Role != "read" || g.Reason != "sales" || g.Until != "2027-01-31" {
		t.Errorf("grant: %v %+v", err, g)
	}
	u, err := parse(t, newCmdResourceUpdate, "crm", "--roles", "read,write", "--privileged", "", "--reason", "r")
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
