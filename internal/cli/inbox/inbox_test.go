package inbox

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/cli/access"
	"github.com/custos-dev/custos/internal/cli/account"
	"github.com/custos-dev/custos/internal/cli/clitest"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/iostreams"
)

// A negative --within is refused before anything runs.
func TestDueChecksWithin(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	ran := false
	cmd := newCmdDue(&cmdutil.Factory{IO: ios}, func(*DueOptions) error { ran = true; return nil })
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs([]string{"--within", "-1h"})
	if err := cmd.Execute(); errs.CodeOf(err) != errs.Invalid || ran || err.Error() != "--within must not be negative" {
		t.Fatalf("%v (ran %v)", err, ran)
	}
	var got *DueOptions
	cmd = newCmdDue(&cmdutil.Factory{IO: ios}, func(o *DueOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--within", "720h"})
	if err := cmd.Execute(); err != nil || got.Within != 720*time.Hour {
		t.Fatalf("%v %+v", err, got)
	}
}

// The run functions against a real store: an access request is due when
// it nears its expiry, and no longer once it has expired; the requester's
// own request does not await them; anything overdue is exit 8.
func TestDueRun(t *testing.T) {
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
	if err := clitest.Run(e, "inbox", newCmdInbox); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(e.Out.String(), "REQ-") {
		t.Errorf("the requester's own request awaits them:\n%s", e.Out)
	}

	// A store without an audit checkpoint is overdue for one already.
	if err := clitest.Run(e, "due", newCmdDue, "--within", "720h", "-o", "json"); errs.CodeOf(err) != errs.Overdue || err.Error() != "1 item(s) overdue" {
		t.Fatalf("%v\n%s", err, e.Out)
	}
	var due []DueResult
	if err := json.Unmarshal(e.Out.Bytes(), &due); err != nil {
		t.Fatalf("%v: %s", err, e.Out)
	}
	var req *DueResult
	for i := range due {
		if due[i].Kind == "request" {
			req = &due[i]
		}
	}
	if req == nil || req.Overdue || !req.When.Equal(e.Now.AddDate(0, 0, 14)) || !strings.Contains(req.Command, req.ID) {
		t.Fatalf("due: %+v", due)
	}

	// Past its expiry the request is expired, no longer due.
	e.Now = e.Now.AddDate(0, 0, 15)
	if err := clitest.Run(e, "due", newCmdDue, "--within", "720h", "-o", "json"); errs.CodeOf(err) != errs.Overdue {
		t.Fatalf("%v\n%s", err, e.Out)
	}
	if strings.Contains(e.Out.String(), req.ID) {
		t.Errorf("an expired request is due:\n%s", e.Out)
	}
}
