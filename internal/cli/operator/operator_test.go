package operator

import (
	"slices"
	"testing"

	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/iostreams"
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
