package request

import (
	"encoding/json"
	"testing"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/cli/access"
	"github.com/custos-dev/custos/internal/cli/account"
	"github.com/custos-dev/custos/internal/cli/clitest"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/request"
	"github.com/custos-dev/custos/internal/store"
)

func reject(f *cmdutil.Factory, runF func(*CloseOptions) error) *cobra.Command {
	return newCmdClose(f, false, runF)
}

func withdraw(f *cmdutil.Factory, runF func(*CloseOptions) error) *cobra.Command {
	return newCmdClose(f, true, runF)
}

func TestFlagsCheckedBeforeRun(t *testing.T) {
	if o, err := clitest.Parse(t, newCmdList, "--kind", "bogus"); errs.CodeOf(err) != errs.Invalid || o != nil {
		t.Errorf("list --kind bogus: %v, ran %v", err, o != nil)
	}
	if o, err := clitest.Parse(t, newCmdList, "--limit", "0"); errs.CodeOf(err) != errs.Invalid || o != nil {
		t.Errorf("list --limit 0: %v, ran %v", err, o != nil)
	}
	if o, err := clitest.Parse(t, newCmdList, "--pending", "--mine", "--kind", "access", "--limit", "3"); err != nil ||
		*o != (ListOptions{Factory: o.Factory, Cmd: o.Cmd, Output: o.Output, Pending: true, Mine: true, Kind: "access", Limit: 3}) {
		t.Errorf("list: %v %+v", err, o)
	}
	if o, err := clitest.Parse(t, reject, "REQ-2026-0001"); errs.CodeOf(err) != errs.Invalid || o != nil {
		t.Errorf("reject without a reason: %v, ran %v", err, o != nil)
	}
	if o, err := clitest.Parse(t, withdraw, "REQ-2026-0001"); err != nil || !o.Withdraw || o.ID != "REQ-2026-0001" {
		t.Errorf("withdraw without a reason: %v %+v", err, o)
	}
	if o, err := clitest.Parse(t, newCmdApprove, "REQ-2026-0001", "--stage", " Owner ", "--reason", " ok "); err != nil || o.Stage != "owner" || o.Reason != "ok" {
		t.Errorf("approve: %v %+v", err, o)
	}
}

// The run functions against a real store: a request is listed and shown
// as pending, the one who asked may not approve it but may withdraw it.
func TestRequestRun(t *testing.T) {
	e := clitest.New(t)
	if err := e.RunCmd("account request", clitest.Sub(account.NewCmdAccount, "request"), "zoe", "--name", "Zoë", "--employee-id", "E-1",
		"--department", "Sales", "--position", "Rep", "--reason", "hire"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	if err := e.RunCmd("access resource add", clitest.Sub(access.NewCmdAccess, "resource", "add"), "crm", "--classification", "internal",
		"--owner", e.User, "--roles", "read"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	if err := e.RunCmd("access request", clitest.Sub(access.NewCmdAccess, "request"), "zoe", "crm", "--role", "read", "--reason", "sales"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}

	if err := clitest.Run(e, "request list", newCmdList, "--pending", "-o", "json"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	var list []ListResult
	if err := json.Unmarshal(e.Out.Bytes(), &list); err != nil {
		t.Fatalf("%v: %s", err, e.Out)
	}
	want := ListResult{"REQ-2026-0001", "access", "pending", e.User, "read on crm for zoe", "department,owner", e.Now, e.Now.AddDate(0, 0, 14)}
	if len(list) != 1 || list[0] != want {
		t.Fatalf("list %+v, want %+v", list, want)
	}

	if err := clitest.Run(e, "request show", newCmdShow, "REQ-2026-0001", "-o", "json"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	var show ShowResult
	if err := json.Unmarshal(e.Out.Bytes(), &show); err != nil {
		t.Fatalf("%v: %s", err, e.Out)
	}
	if show.ID != want.ID || show.State != "pending" || show.SHA256 != request.Hash(show.Payload) || len(show.Approvals) != 0 || len(show.PendingStages) != 2 {
		t.Errorf("show %+v", show)
	}

	if err := clitest.Run(e, "request approve", newCmdApprove, "REQ-2026-0001"); errs.CodeOf(err) != errs.Denied {
		t.Errorf("approved by the one who asked: %v, want denied", err)
	}
	if err := clitest.Run(e, "request withdraw", withdraw, "REQ-2026-0001", "-o", "json"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	var closed CloseResult
	if err := json.Unmarshal(e.Out.Bytes(), &closed); err != nil || closed != (CloseResult{"REQ-2026-0001", "withdrawn"}) {
		t.Errorf("withdraw: %v %s", err, e.Out)
	}
	e.View(func(tx store.Tx) error {
		q, err := tx.Requests().GetRequest("REQ-2026-0001")
		if err != nil {
			return err
		}
		if q.State != request.Withdrawn || len(q.Approvals) != 0 {
			t.Errorf("stored %+v", q)
		}
		return nil
	})
}
