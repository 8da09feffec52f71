package account

import "testing"

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

func TestStateChangeThen(t *testing.T) {
	ch := func(from, to State) StateChange { return StateChange{Username: "zoe", From: from, To: to} }
	for _, tt := range []struct {
		a, b StateChange
		want StateChange
		ok   bool
	}{
		{ch(Active, Frozen), ch(Frozen, Revoked), ch(Active, Revoked), true},
		{ch("", Requested), ch(Requested, Rejected), ch("", Rejected), true},
		{ch(Active, Frozen), ch(Frozen, Active), ch(Active, Active), false},
	} {
		got, ok := tt.a.Then(tt.b)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%+v then %+v = %+v, %v; want %+v, %v", tt.a, tt.b, got, ok, tt.want, tt.ok)
		}
	}
}
