package incident

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/cli/clitest"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/incident"
	"github.com/custos-dev/custos/internal/store"
)

func TestOpenParsesFlags(t *testing.T) {
	got, err := clitest.Parse(t, newCmdOpen, "--type", "data-leak", "--severity", "high", "--summary", "  export on a share ",
		"--account", "zoe,ivan", "--detected", "2026-11-29T08:00:00Z")
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	if got.Type != "data-leak" || got.Severity != "high" || got.Summary != "export on a share" ||
		!reflect.DeepEqual(got.Accounts, []string{"zoe", "ivan"}) || !got.DetectedAt.Equal(want) {
		t.Fatalf("%+v", got)
	}
	// --detected defaults to now.
	got, err = clitest.Parse(t, newCmdOpen, "--type", "data-leak", "--severity", "high", "--summary", "s")
	if err != nil || !got.DetectedAt.Equal(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)) {
		t.Fatalf("%v %+v", err, got)
	}
}

// The flag rules refuse before the run function, so before the store.
func TestFlagRulesRefuseBeforeRun(t *testing.T) {
	for _, c := range []struct {
		name string
		run  func() (bool, error)
		msg  string
	}{
		{"open without --type", clitest.Refusal(t, newCmdOpen, "--severity", "high", "--summary", "s"), "--type is required"},
		{"open without --severity", clitest.Refusal(t, newCmdOpen, "--type", "data-leak", "--summary", "s"), "--severity is required"},
		{"open detected in the future", clitest.Refusal(t, newCmdOpen, "--type", "data-leak", "--severity", "high", "--summary", "s", "--detected", "2026-12-24"), "--detected 2026-12-24 is in the future"},
		{"open bad --detected", clitest.Refusal(t, newCmdOpen, "--type", "data-leak", "--severity", "high", "--summary", "s", "--detected", "soon"), "--detected:"},
		{"note without text", clitest.Refusal(t, newCmdNote, "INC-2026-0001", "--text", "  "), "--text"},
		{"notify without party", clitest.Refusal(t, newCmdNotify, "INC-2026-0001", "--ref", "r"), "--party is required"},
		{"update without a change", clitest.Refusal(t, newCmdUpdate, "INC-2026-0001"), "give --severity or --summary"},
		{"close password file without restore", clitest.Refusal(t, newCmdClose, "INC-2026-0001", "--root-cause", "r", "--resolution", "r", "--password-file", "/tmp/x"), "--password-file goes with --restore"},
		{"list limit 0", clitest.Refusal(t, newCmdList, "--limit", "0"), "--limit"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ran, err := c.run()
			if ran || errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("ran %v, err %v; want exit 2 %q before the run function", ran, err, c.msg)
			}
		})
	}
}

// The run functions against a real store: an incident opened, noted,
// notified twice (the second changes nothing), updated, refused closing
// while a data leak is undisclosed, then listed and shown.
func TestIncidentRun(t *testing.T) {
	e := clitest.New(t)
	if err := clitest.Run(e, "incident open", newCmdOpen, "--type", "data-leak", "--severity", "high",
		"--summary", "export on a share", "--detected", "2026-11-30T08:00:00Z", "-o", "json"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	var opened OpenResult
	if err := json.Unmarshal(e.Out.Bytes(), &opened); err != nil {
		t.Fatalf("%v: %s", err, e.Out)
	}
	if opened.ID != "INC-2026-0001" || opened.State != "open" || !opened.Deadline.Equal(time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("opened %+v", opened)
	}
	id := opened.ID
	if err := clitest.Run(e, "incident note", newCmdNote, id, "--text", "share closed", "-o", "json"); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(e.Out.String()); got != `{"id":"INC-2026-0001","note":"share closed"}` {
		t.Errorf("note: %s", got)
	}
	for i, want := range []bool{true, false} {
		if err := clitest.Run(e, "incident notify", newCmdNotify, id, "--party", "management", "--ref", "mail 1", "-o", "json"); err != nil {
			t.Fatal(err)
		}
		var got NotifyResult
		if err := json.Unmarshal(e.Out.Bytes(), &got); err != nil || got != (NotifyResult{id, "management", "mail 1", want}) {
			t.Errorf("notify %d: %v %+v", i, err, got)
		}
	}
	if err := clitest.Run(e, "incident update", newCmdUpdate, id, "--severity", "critical"); err != nil {
		t.Fatal(err)
	}
	if got := e.Out.String(); got != "INC-2026-0001 is critical: export on a share\n" {
		t.Errorf("update: %q", got)
	}
	err := clitest.Run(e, "incident close", newCmdClose, id, "--root-cause", "r", "--resolution", "r")
	if errs.CodeOf(err) != errs.Conflict {
		t.Errorf("closing an undisclosed data leak: %v, want a conflict", err)
	}
	e.View(func(tx store.Tx) error {
		inc, err := tx.Incidents().GetIncident(id)
		if err != nil {
			return err
		}
		if inc.State != incident.Open || inc.Severity != "critical" {
			t.Errorf("stored %+v", inc)
		}
		ns, err := tx.Incidents().Notifications(id)
		if err != nil {
			return err
		}
		if len(ns) != 1 || ns[0].Party != "management" || ns[0].Ref != "mail 1" {
			t.Errorf("notifications %+v", ns)
		}
		return nil
	})
	if err := clitest.Run(e, "incident list", newCmdList, "-o", "json"); err != nil {
		t.Fatal(err)
	}
	var list []IncidentResult
	if err := json.Unmarshal(e.Out.Bytes(), &list); err != nil {
		t.Fatalf("%v: %s", err, e.Out)
	}
	if len(list) != 1 || list[0].ID != id || list[0].Severity != "critical" || !reflect.DeepEqual(list[0].Unreported, []string{"regulator", "customers"}) {
		t.Errorf("list %+v", list)
	}
	if err := clitest.Run(e, "incident show", newCmdShow, id, "-o", "json"); err != nil {
		t.Fatal(err)
	}
	var shown struct {
		ShowResult
		Notifications []NotificationResult `json:"notifications"`
		Timeline      []EventResult        `json:"timeline"`
		History       []HistoryResult      `json:"history"`
	}
	if err := json.Unmarshal(e.Out.Bytes(), &shown); err != nil {
		t.Fatalf("%v: %s", err, e.Out)
	}
	if shown.ID != id || len(shown.Notifications) != 1 || len(shown.Timeline) < 3 || len(shown.History) == 0 {
		t.Errorf("show %s", e.Out)
	}
	// An unknown account: nothing is opened.
	err = clitest.Run(e, "incident open", newCmdOpen, "--type", "data-leak", "--severity", "low", "--summary", "s", "--account", "nobody")
	if errs.CodeOf(err) != errs.NotFound {
		t.Errorf("unknown account: %v, want not found", err)
	}
	e.View(func(tx store.Tx) error {
		n := 0
		err := tx.Incidents().ListIncidents(store.IncidentFilter{}, func(*incident.Incident, []incident.Notification) error { n++; return nil })
		if n != 1 {
			t.Errorf("%d incidents after the refusal, want 1", n)
		}
		return err
	})
}
