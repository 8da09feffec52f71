package request

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/testutil/golden"
)

// The engine's rules, one line per case: who approves which stage of
// which request, and the decision or the refusal with its exit code.
func TestCheckApproveGolden(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	payload := AccessChange{Username: "zoe", Resource: "payroll", Role: "pay", Reason: "runs payroll"}.Payload()
	base := func() *Request {
		return &Request{ID: "REQ-2026-0001", Kind: KindAccess, Payload: payload, SHA256: Hash(payload),
			Requester: account.Party{Operator: "ivan", Real: "ivan"}, Stages: []string{StageDepartment, StageOwner},
			State: Pending, CreatedAt: now.Add(-time.Hour), ExpiresAt: now.Add(13 * 24 * time.Hour)}
	}
	given := func(r *Request, stage, op, real, sha string) *Request {
		if sha == "" {
			sha = r.SHA256
		}
		r.Approvals = append(r.Approvals, Approval{Stage: stage, By: account.Party{Operator: op, Real: real}, PayloadSHA256: sha})
		return r
	}
	// Who may give what: maria manages the department, olga owns the
	// resource, root may give any stage, kai none.
	eligible := func(op string) func(string) error {
		return func(stage string) error {
			switch {
			case op == "root", op == "maria" && stage == StageDepartment, op == "olga" && stage == StageOwner:
				return nil
			}
			return errs.Deniedf("%s may not give the %s stage", op, stage)
		}
	}
	cases := []struct {
		name     string
		r        *Request
		op, real string
		stage    string
		rule     account.Proxy
		at       time.Time
	}{
		{"department manager, stage inferred", base(), "maria", "maria", "", account.ProxyDeny, now},
		{"owner after the department: the last stage", given(base(), StageDepartment, "maria", "maria", ""), "olga", "olga", "", account.ProxyDeny, now},
		{"the requester approves", base(), "ivan", "ivan", StageDepartment, account.ProxyDeny, now},
		{"an admin approves as the requester", base(), "ivan", "root", StageDepartment, account.ProxyDeny, now},
		{"the requester approves through an admin's --as", base(), "maria", "ivan", StageDepartment, account.ProxyDeny, now},
		{"one person, a second stage", given(base(), StageDepartment, "root", "root", ""), "root", "root", StageOwner, account.ProxyDeny, now},
		{"one person, a second stage under another name", given(base(), StageDepartment, "maria", "root", ""), "olga", "root", StageOwner, account.ProxyDeny, now},
		{"the same, with approval.proxy allow", given(base(), StageDepartment, "maria", "root", ""), "olga", "root", StageOwner, account.ProxyAllow, now},
		{"an approval of another payload does not count", given(base(), StageDepartment, "maria", "maria", Hash("{}")), "olga", "olga", StageOwner, account.ProxyDeny, now},
		{"the stage already given", given(base(), StageDepartment, "maria", "maria", ""), "root", "root", StageDepartment, account.ProxyDeny, now},
		{"not eligible for the stage", base(), "kai", "kai", StageOwner, account.ProxyDeny, now},
		{"not eligible for any stage", base(), "kai", "kai", "", account.ProxyDeny, now},
		{"eligible for two stages", base(), "root", "root", "", account.ProxyDeny, now},
		{"a stage the request does not need", base(), "root", "root", StageIT, account.ProxyDeny, now},
		{"expired", base(), "maria", "maria", "", account.ProxyDeny, now.Add(14 * 24 * time.Hour)},
		{"rejected", func() *Request { r := base(); r.State = Rejected; return r }(), "maria", "maria", "", account.ProxyDeny, now},
	}
	var b strings.Builder
	for _, c := range cases {
		d, err := CheckApprove(c.r, account.Party{Operator: c.op, Real: c.real}, c.stage, eligible(c.op), c.rule, c.at)
		if err != nil {
			fmt.Fprintf(&b, "%s: exit %d: %v\n", c.name, errs.ExitCode(err), err)
			continue
		}
		fmt.Fprintf(&b, "%s: stage %s, last %v, proxy %v\n", c.name, d.Stage, d.Last, d.Proxy)
	}
	golden.Check(t, "approve.golden", []byte(b.String()))
}

func TestCheckClose(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	r := &Request{ID: "REQ-2026-0002", Requester: account.Party{Operator: "ivan"}, Stages: []string{StageOwner}, State: Pending, SHA256: "x"}
	no := func(string) error { return errs.Deniedf("no") }
	yes := func(string) error { return nil }
	if err := CheckClose(r, account.Party{Operator: "ivan"}, true, false, no, now); err != nil {
		t.Errorf("the requester withdraws: %v", err)
	}
	if err := CheckClose(r, account.Party{Operator: "kai"}, true, false, yes, now); errs.CodeOf(err) != errs.Denied {
		t.Errorf("another withdraws: %v", err)
	}
	if err := CheckClose(r, account.Party{Operator: "olga"}, false, false, yes, now); err != nil {
		t.Errorf("an eligible approver rejects: %v", err)
	}
	if err := CheckClose(r, account.Party{Operator: "kai"}, false, false, no, now); errs.CodeOf(err) != errs.Denied {
		t.Errorf("someone not eligible rejects: %v", err)
	}
	r.State = Applied
	if err := CheckClose(r, account.Party{Operator: "ivan"}, true, false, yes, now); errs.CodeOf(err) != errs.Conflict {
		t.Errorf("withdrawing an applied request: %v", err)
	}
}
