package account

import (
	"slices"
	"testing"
)

func TestStateChangeObject(t *testing.T) {
	for _, c := range []StateChange{
		{Username: "zoe", From: "", To: Requested},
		{Username: "a.b-c_d", From: Active, To: Frozen},
	} {
		got, ok := ParseStateChange(c.Object())
		if !ok || got != c {
			t.Errorf("ParseStateChange(%q) = %+v, %v; want %+v", c.Object(), got, ok, c)
		}
	}
	for _, o := range []string{"account:zoe", "state:zoe", "state:zoe:active", "state::active:frozen", "state:zoe:active:", "state:zoe:a:b:c"} {
		if _, ok := ParseStateChange(o); ok {
			t.Errorf("ParseStateChange(%q) accepted", o)
		}
	}
}

func TestMergeStateChange(t *testing.T) {
	ch := func(u string, from, to State) StateChange { return StateChange{Username: u, From: from, To: to} }
	tests := []struct {
		name    string
		changes []StateChange
		want    []string
	}{
		{"one", []StateChange{ch("zoe", Active, Frozen)}, []string{"state:zoe:active:frozen"}},
		{"no change", []StateChange{ch("zoe", Frozen, Frozen)}, nil},
		{"two accounts", []StateChange{ch("zoe", Active, Frozen), ch("kai", Active, Frozen)}, []string{"state:zoe:active:frozen", "state:kai:active:frozen"}},
		{"net change", []StateChange{ch("zoe", Active, Frozen), ch("zoe", Frozen, Revoked)}, []string{"state:zoe:active:revoked"}},
		{"back where it was", []StateChange{ch("kai", Approved, Active), ch("zoe", Active, Frozen), ch("zoe", Frozen, Active)}, []string{"state:kai:approved:active"}},
	}
	for _, tt := range tests {
		var got []string
		for _, c := range tt.changes {
			got = MergeStateChange(got, c)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}
