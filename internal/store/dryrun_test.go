package store

import (
	"context"
	"testing"

	"github.com/custos-dev/custos/internal/audit"
	"github.com/custos-dev/custos/internal/operator"
)

// A dry run runs the operation with every rule and rolls it back: the
// change is not there afterwards, and the invocation's own entry is, in
// a chain that still verifies.
func TestDryRunChangesNothingAndIsRecorded(t *testing.T) {
	s := MustOpen(t)
	ctx := context.Background()
	ran := false
	err := s.Invoke(ctx, inv("operator add", "ana"), Spec{Write: true, DryRun: true, Targets: []string{"operator:ivan"}}, func(tx Tx) error {
		ran = true
		_, err := tx.Operators().AddOperator(&operator.Operator{Name: "ivan", Roles: []operator.Role{operator.IT}, CreatedBy: "ana"})
		return err
	})
	if err != nil || !ran {
		t.Fatalf("dry run: ran %t, err %v", ran, err)
	}
	_ = s.Invoke(ctx, inv("operator list", "ana"), Spec{}, func(tx Tx) error {
		return tx.Operators().ListOperators(true, 0, func(o *operator.Operator) error {
			if o.Name == "ivan" {
				t.Error("the dry run's change was committed")
			}
			return nil
		})
	})
	es := entries(t, s)
	if len(es) != 3 {
		t.Fatalf("%d entries, want 3", len(es))
	}
	if e := es[1]; e.Command != "operator add" || e.Outcome != "ok" || e.Objects != `["operator:ivan"]` {
		t.Fatalf("dry run entry: %+v", e)
	}
	v := audit.NewVerifier()
	for i := range es {
		if err := v.Check(&es[i]); err != nil {
			t.Fatal(err)
		}
	}
}
