package operator

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/cli/clitest"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/iostreams"
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
