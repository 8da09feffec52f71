package account

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/cli/clitest"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/store"
)

// Each flag rule refuses before anything runs, with the message the
// command has always given; the flags it accepts reach runF parsed.
func TestFlagsAreCheckedBeforeRunning(t *testing.T) {
	refused := []struct {
		name string
		run  func() (bool, error)
		msg  string
	}{
		{"approve without --stage", clitest.Refusal(t, newCmdApprove, "zoe"), "--stage is required: department or it"},
		{"reject without --reason", clitest.Refusal(t, newCmdReject, "zoe"), "--reason is required"},
		{"freeze without --reason", clitest.Refusal(t, newCmdFreeze, "zoe"), "--reason is required"},
		{"freeze with a control character in --incident", clitest.Refusal(t, newCmdFreeze, "zoe", "--reason", "x", "--incident", "INC\x1b"), "--incident contains control characters"},
		{"revoke without --reason", clitest.Refusal(t, newCmdRevoke, "zoe"), "--reason is required"},
		{"activate with a long --agreement-ref", clitest.Refusal(t, newCmdActivate, "zoe", "--agreement-ref", strings.Repeat("x", 201)), "--agreement-ref is longer than 200 characters"},
		{"update with nothing to update", clitest.Refusal(t, newCmdUpdate, "zoe", "--reason", "x"), "nothing to update"},
		{"leave without --on", clitest.Refusal(t, newCmdLeave, "zoe", "--reason", "x"), "--on is required"},
		{"transfer with a bad --keep", clitest.Refusal(t, newCmdTransfer, "zoe", "--keep", "nocolon"), "RESOURCE:ROLE"},
		{"list with a bad --expiring", clitest.Refusal(t, newCmdList, "--expiring", "soon"), "--expiring: "},
		{"expire with a bad --as-of", clitest.Refusal(t, newCmdExpire, "--as-of", "2026-13-01"), "--as-of: "},
		{"expire with a future --as-of", clitest.Refusal(t, newCmdExpire, "--as-of", "2026-12-01"), "--as-of 2026-12-01 is in the future"},
		{"reconcile with neither file", clitest.Refusal(t, newCmdReconcile), "--hr or --directory is required"},
		{"reconcile a directory with --apply", clitest.Refusal(t, newCmdReconcile, "--directory", "d.csv", "--apply"), "--apply is for --hr"},
	}
	for _, c := range refused {
		ran, err := c.run()
		if ran || errs.CodeOf(err) != errs.Invalid || err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: ran %v, error %v; want invalid, %q, before running", c.name, ran, err, c.msg)
		}
	}

	o, err := clitest.Parse(t, newCmdExpire, "--as-of", "2027-01-01", "--dry-run")
	if err != nil || o.AsOf != "2027-01-01" || !o.DryRun {
		t.Errorf("expire --as-of in the future with --dry-run: %+v, %v", o, err)
	}
	l, err := clitest.Parse(t, newCmdList, "--expiring", "30d")
	if err != nil || l.Expiring == nil || l.Expiring.After(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)).Format(account.DateFormat) != "2026-12-01" {
		t.Errorf("list --expiring 30d: %+v, %v", l, err)
	}
	// A batch leaves the per-account flags to its rows.
	fz, err := clitest.Parse(t, newCmdFreeze, "--from-file", "rows.csv", "--dry-run")
	if err != nil || fz.Batch.FromFile != "rows.csv" || !fz.Batch.DryRun || fz.Username != "" {
		t.Errorf("freeze --from-file: %+v, %v", fz, err)
	}
}

// request records the account as requested and reports it; a second live
// account for the same person is refused and leaves the store as it was;
// reject closes the request.
func TestRequestRun(t *testing.T) {
	e := clitest.New(t)
	req := []string{"--name", "Zoë Ångström", "--employee-id", "E-1042", "--department", "Sales",
		"--position", "Account manager", "--reason", "new hire"}
	if err := clitest.Run(e, "account request", newCmdRequest, append([]string{"zoe", "-o", "json"}, req...)...); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	var got AccountResult
	if err := json.Unmarshal(e.Out.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, e.Out)
	}
	if got.Username != "zoe" || got.Name != "Zoë Ångström" || got.State != "requested" || got.Type != "employee" ||
		got.Clearance != "internal" || got.RequestedBy != e.User || !got.RequestedAt.Equal(e.Now) {
		t.Errorf("result %+v", got)
	}

	err := clitest.Run(e, "account request", newCmdRequest, append([]string{"zoe2"}, req...)...)
	if errs.CodeOf(err) != errs.Conflict {
		t.Errorf("a second account for E-1042: %v, want a conflict", err)
	}

	if err := clitest.Run(e, "account reject", newCmdReject, "zoe", "--reason", "duplicate", "-o", "json"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	var rej StateResult
	if err := json.Unmarshal(e.Out.Bytes(), &rej); err != nil {
		t.Fatalf("%v: %s", err, e.Out)
	}
	if want := (StateResult{"zoe", "rejected", true, "duplicate"}); !reflect.DeepEqual(rej, want) {
		t.Errorf("reject: %+v, want %+v", rej, want)
	}

	if err := clitest.Run(e, "account show", newCmdShow, "zoe", "-o", "json"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	var show struct {
		AccountResult
		Approvals  []ApprovalResult `json:"approvals"`
		Revocation *json.RawMessage `json:"revocation"`
		History    []HistoryResult  `json:"history"`
	}
	if err := json.Unmarshal(e.Out.Bytes(), &show); err != nil {
		t.Fatalf("%v: %s", err, e.Out)
	}
	if show.State != "rejected" || show.Approvals == nil || len(show.Approvals) != 0 || show.Revocation != nil {
		t.Errorf("show: %s", e.Out)
	}
	var cmds []string
	for _, h := range show.History {
		cmds = append(cmds, h.Command+" "+h.Outcome)
	}
	if want := []string{"account request ok", "account reject ok"}; !reflect.DeepEqual(cmds, want) {
		t.Errorf("history %q, want %q", cmds, want)
	}

	e.View(func(tx store.Tx) error {
		a, err := tx.Accounts().GetAccount("zoe")
		if err != nil {
			return err
		}
		if a.State != account.Rejected || a.EmployeeID != "E-1042" || a.StateReason != "duplicate" {
			t.Errorf("stored %+v", a)
		}
		if _, err := tx.Accounts().GetAccount("zoe2"); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("the refused request is in the store: %v", err)
		}
		return nil
	})
}
