package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/custos-dev/custos/internal/audit"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/operator"
	"github.com/custos-dev/custos/internal/policy"
)

// Each row is an invocation of its own: a failed row changes nothing and
// is recorded as refused, the rows around it go through, every entry
// names its row and its targets, and done sees the rows in order.
func TestRunRowsRecordsEachRowAlone(t *testing.T) {
	s := MustOpen(t)
	ctx := context.Background()
	set := func(value string) func(Tx) (string, error) {
		return func(tx Tx) (string, error) {
			if value == "" {
				return "", errs.Invalidf("row has no value")
			}
			_, _, err := tx.Policy().SetPolicy(policy.OrgName, value)
			return "set " + value, err
		}
	}
	rows := []Row{
		{Line: 2, Targets: []string{"policy:a"}, Run: set("A")},
		{Line: 3, Targets: []string{"policy:b"}, Run: set("")},
		{Line: 4, Targets: []string{"policy:c"}, Run: set("C")},
	}
	var seen []string
	before := len(entries(t, s))
	err := s.RunRows(ctx, inv("policy set", "ana"), Spec{Write: true, Roles: []operator.Role{operator.Admin}}, rows,
		func(row Row, result string, err error) error {
			seen = append(seen, fmt.Sprintf("%d %s %v", row.Line, result, err))
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"2 set A <nil>", "3  row has no value", "4 set C <nil>"}; !slices.Equal(seen, want) {
		t.Errorf("done saw %q, want %q", seen, want)
	}
	got := entries(t, s)[before:]
	if len(got) != 3 {
		t.Fatalf("%d entries, want one a row", len(got))
	}
	for i, want := range []struct{ args, outcome, objects string }{
		{`["policy","set","--row","2"]`, "ok", `["policy:a"]`},
		{`["policy","set","--row","3"]`, "invalid", `["policy:b"]`},
		{`["policy","set","--row","4"]`, "ok", `["policy:c"]`},
	} {
		e := got[i]
		if e.Args != want.args || e.Outcome != want.outcome || !containsAll(e, want.objects) {
			t.Errorf("entry %d: %s %s %s, want %+v", i, e.Args, e.Outcome, e.Objects, want)
		}
	}
	var org string
	s.Invoke(ctx, inv("policy show", "ana"), Spec{}, func(tx Tx) (err error) {
		org, err = tx.Policy().PolicyValue(policy.OrgName)
		return err
	})
	if org != "C" {
		t.Errorf("org is %q, want the last good row's", org)
	}

	stop := errors.New("stop")
	n := 0
	err = s.RunRows(ctx, inv("policy set", "ana"), Spec{Write: true, Roles: []operator.Role{operator.Admin}}, rows,
		func(Row, string, error) error { n++; return stop })
	if err != stop || n != 1 {
		t.Errorf("done's error did not stop the run: %v after %d rows", err, n)
	}
}

// containsAll reports whether e's objects begin with the listed ones.
func containsAll(e audit.Entry, objects string) bool {
	want, got := audit.DecodeList(objects), audit.DecodeList(e.Objects)
	return len(got) >= len(want) && slices.Equal(got[:len(want)], want)
}
