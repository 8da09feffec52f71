package operator

import (
	"encoding/json"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/cli/clitest"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/iostreams"
	"github.com/custos-dev/custos/internal/operator"
	"github.com/custos-dev/custos/internal/store"
)

// The flags reach the options struct as given; nothing runs.
func TestAddParsesFlags(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IO: ios}
	var got *AddOptions
	cmd := newCmdAdd(f, func(o *AddOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"maria", "--role", "manager", "--role", "auditor", "--department", "Sales"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Name != "maria" || !slices.Equal(got.Roles, []string{"manager", "auditor"}) || got.Department != "Sales" {
		t.Fatalf("%+v", got)
	}
}

// The run function against a real store: the operator is added once, a
// second identical add changes nothing, and a different one is refused.
func TestAddRun(t *testing.T) {
	e := clitest.New(t)
	if err := clitest.Run(e, "operator add", newCmdAdd, "maria", "--role", "manager", "--department", "Sales", "-o", "json"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	var got AddResult
	if err := json.Unmarshal(e.Out.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, e.Out)
	}
	if want := (AddResult{"maria", []string{"manager"}, "Sales", true}); !reflect.DeepEqual(got, want) {
		t.Errorf("result %+v, want %+v", got, want)
	}
	if err := clitest.Run(e, "operator add", newCmdAdd, "maria", "--role", "manager", "--department", "Sales"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.Out.String(), "nothing changed") {
		t.Errorf("repeat: %q", e.Out)
	}
	err := clitest.Run(e, "operator add", newCmdAdd, "maria", "--role", "it")
	if errs.CodeOf(err) != errs.Conflict {
		t.Errorf("different roles: %v, want a conflict", err)
	}
	e.View(func(tx store.Tx) error {
		op, err := tx.Operators().GetOperator("maria")
		if err != nil {
			return err
		}
		if op.Department != "Sales" || !slices.Equal(op.RoleNames(), []string{"manager"}) {
			t.Errorf("stored %+v", op)
		}
		return nil
	})
}

// update checks the name, the roles and the department before anything
// runs; a department given empty clears it, one not given is left alone.
func TestUpdateParsesFlags(t *testing.T) {
	run := func(args ...string) (*UpdateOptions, error) {
		ios, _, _, _ := iostreams.Test()
		var got *UpdateOptions
		cmd := newCmdUpdate(&cmdutil.Factory{IO: ios}, func(o *UpdateOptions) error { got = o; return nil })
		cmd.SetArgs(args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		return got, cmd.Execute()
	}
	got, err := run("bob", "--role", "manager,auditor", "--department", " Finance ")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "bob" || !slices.Equal(got.Roles, []operator.Role{operator.Manager, operator.Auditor}) || got.Department == nil || *got.Department != "Finance" {
		t.Fatalf("%+v", got)
	}
	if got, err = run("bob", "--role", "it"); err != nil || got.Department != nil {
		t.Fatalf("no --department: %+v, %v", got, err)
	}
	if got, err = run("bob", "--role", "it", "--department", ""); err != nil || got.Department == nil || *got.Department != "" {
		t.Fatalf("empty --department: %+v, %v", got, err)
	}
	for _, args := range [][]string{{"bob", "--role", "wizard"}, {"bob"}, {"bad name", "--role", "it"}} {
		got, err := run(args...)
		if errs.CodeOf(err) != errs.Invalid || got != nil {
			t.Errorf("%q: %v (ran: %v), want invalid before running", args, err, got != nil)
		}
	}
}

// remove marks the operator removed, list --all still shows them, and the
// last admin is refused.
func TestRemoveRun(t *testing.T) {
	e := clitest.New(t)
	if err := clitest.Run(e, "operator add", newCmdAdd, "olga", "--role", "it"); err != nil {
		t.Fatal(err)
	}
	if err := clitest.Run(e, "operator remove", newCmdRemove, "olga", "-o", "json"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	var got RemoveResult
	if err := json.Unmarshal(e.Out.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, e.Out)
	}
	if want := (RemoveResult{"olga", []string{"it"}, true}); !reflect.DeepEqual(got, want) {
		t.Errorf("result %+v, want %+v", got, want)
	}
	if err := clitest.Run(e, "operator list", newCmdList, "--all", "-o", "json"); err != nil {
		t.Fatal(err)
	}
	var list []ListResult
	if err := json.Unmarshal(e.Out.Bytes(), &list); err != nil {
		t.Fatalf("%v: %s", err, e.Out)
	}
	if len(list) != 2 {
		t.Fatalf("list --all: %+v", list)
	}
	for _, o := range list {
		if removed := !o.RemovedAt.IsZero(); removed != (o.Name == "olga") {
			t.Errorf("list --all: %s removed %v", o.Name, removed)
		}
	}
	if err := clitest.Run(e, "operator remove", newCmdRemove, e.User); errs.CodeOf(err) != errs.Conflict {
		t.Errorf("last admin: %v, want a conflict", err)
	}
	e.View(func(tx store.Tx) error {
		op, err := tx.Operators().GetOperator(e.User)
		if err != nil {
			return err
		}
		if !op.RemovedAt.IsZero() {
			t.Errorf("the last admin was removed: %+v", op)
		}
		return nil
	})
}
