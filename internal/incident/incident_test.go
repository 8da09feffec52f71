package incident

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/testutil/golden"
)

func TestTransitions(t *testing.T) {
	var b bytes.Buffer
	fmt.Fprint(&b, "state")
	for _, a := range Actions {
		fmt.Fprintf(&b, "  %s", a)
	}
	fmt.Fprintln(&b)
	for _, s := range []State{Open, Closed} {
		fmt.Fprint(&b, s)
		for _, a := range Actions {
			next, err := Transition(s, a)
			if err != nil {
				if errs.CodeOf(err) != errs.Conflict || next != s {
					t.Errorf("%s/%s: %v, %s", s, a, err, next)
				}
				fmt.Fprint(&b, "  -")
				continue
			}
			fmt.Fprintf(&b, "  %s", next)
		}
		fmt.Fprintln(&b)
	}
	golden.Check(t, "transitions.golden", b.Bytes())
}

func TestReportingAndClosing(t *testing.T) {
	p, err := ParsePolicy("24", "credential-leak,unauthorized-access", "regulator,customers")
	if err != nil {
		t.Fatal(err)
	}
	detected := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	leak := &Incident{ID: "INC-2026-0001", Type: DataLeak, State: Open, DetectedAt: detected, Deadline: detected.Add(p.ReportWithin)}
	now := detected.Add(72 * time.Hour)
	regulator := Notification{Party: "regulator", Ref: "R-1"}
	customers := Notification{Party: "customers", Ref: "mail-2026-11"}
	tests := []struct {
		name    string
		ns      []Notification
		now     time.Time
		overdue bool
		close   errs.Code
	}{
		{"within the deadline", nil, detected.Add(time.Hour), false, errs.Conflict},
		{"past it, unreported", nil, now, true, errs.Conflict},
		{"past it, regulator only", []Notification{regulator}, now, true, errs.Conflict},
		{"past it, disclosed to both", []Notification{regulator, customers}, now, false, 0},
	}
	for _, tt := range tests {
		if got := p.Overdue(leak, tt.ns, tt.now); got != tt.overdue {
			t.Errorf("%s: overdue %v", tt.name, got)
		}
		err := p.CheckClose(leak, tt.ns, "phished admin", "rotated keys")
		if errs.CodeOf(err) != tt.close && !(tt.close == 0 && err == nil) {
			t.Errorf("%s: close %v", tt.name, err)
		}
	}
	other := &Incident{ID: "INC-2026-0002", Type: "malware", State: Open, Deadline: detected.Add(24 * time.Hour)}
	if !p.Overdue(other, nil, now) || p.Overdue(other, []Notification{{Party: "management"}}, now) {
		t.Error("other incidents are reported to management")
	}
	if err := p.CheckClose(other, nil, "", "x"); errs.CodeOf(err) != errs.Invalid {
		t.Errorf("no root cause: %v", err)
	}
	if err := p.CheckClose(other, nil, "x", " "); errs.CodeOf(err) != errs.Invalid {
		t.Errorf("no resolution: %v", err)
	}
	closed := *other
	closed.State = Closed
	if err := p.CheckClose(&closed, nil, "x", "y"); errs.CodeOf(err) != errs.Conflict {
		t.Errorf("closing twice: %v", err)
	}
	if !p.Freezes("credential-leak") || p.Freezes("malware") {
		t.Error("auto-freeze types")
	}
}

func TestIDs(t *testing.T) {
	if FormatID(2026, 7) != "INC-2026-0007" || FormatID(2026, 12345) != "INC-2026-12345" {
		t.Fatal(FormatID(2026, 7))
	}
	for _, ok := range []string{"INC-2026-0001", "INC-2027-12345"} {
		if err := ValidID(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "INC-26-1", "inc-2026-0001", "INC-2026-1", "INC-2026-0001x", "2026-0001"} {
		if err := ValidID(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := ParsePolicy("24", "none", "regulator"); err != nil {
		t.Fatal(err)
	}
	if v, err := normList("Malware, none", Types, true); err != nil || v != "malware" {
		t.Fatalf("%q %v", v, err)
	}
	if _, err := normList("", Parties, false); err == nil || !strings.Contains(err.Error(), "at least one") {
		t.Fatal("empty disclosure accepted")
	}
}
