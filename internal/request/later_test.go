package request

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/operator"
	"github.com/custos-dev/custos/internal/testutil/golden"
)

func line(b *strings.Builder, name string, err error) {
	if err != nil {
		fmt.Fprintf(b, "%s: exit %d: %v\n", name, errs.ExitCode(err), err)
		return
	}
	fmt.Fprintf(b, "%s: ok\n", name)
}

// The rules of the kinds carried out after their approval — purge plans
// and look-ups — one line per case.
func TestAppliedLaterGolden(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	plan := PurgePlan{AsOf: now, SetSHA256: strings.Repeat("ab", 32), Count: 3, Reason: "Q4"}.Payload()
	approved := func(kind, payload string, stages ...string) *Request {
		r := &Request{ID: "REQ-2026-0007", Kind: kind, Payload: payload, SHA256: Hash(payload), State: Approved,
			Requester: account.Party{Operator: "ines", Real: "ines"}, Stages: stages}
		for i, s := range stages {
			r.Approvals = append(r.Approvals, Approval{Stage: s, By: account.Party{Operator: "olivia", Real: "olivia"},
				At: now.Add(time.Duration(i-len(stages)) * time.Hour), PayloadSHA256: r.SHA256})
		}
		return r
	}
	var b strings.Builder
	b.WriteString("# CheckApply\n")
	line(&b, "an approved plan", CheckApply(approved(KindPurge, plan, StageOfficer), KindPurge))
	pending := approved(KindPurge, plan, StageOfficer)
	pending.State, pending.Approvals = Pending, nil
	line(&b, "a pending plan", CheckApply(pending, KindPurge))
	applied := approved(KindPurge, plan, StageOfficer)
	applied.State, applied.Outcome = Applied, "carried out as purge 4"
	line(&b, "a plan carried out", CheckApply(applied, KindPurge))
	withdrawn := approved(KindPurge, plan, StageOfficer)
	withdrawn.State = Withdrawn
	line(&b, "a withdrawn plan", CheckApply(withdrawn, KindPurge))
	changed := approved(KindPurge, plan, StageOfficer)
	changed.Payload = strings.Replace(changed.Payload, `"count":3`, `"count":30`, 1)
	line(&b, "a payload changed after approval", CheckApply(changed, KindPurge))
	rehashed := approved(KindPurge, plan, StageOfficer)
	rehashed.Payload = strings.Replace(rehashed.Payload, `"count":3`, `"count":30`, 1)
	rehashed.SHA256 = Hash(rehashed.Payload)
	line(&b, "a payload changed and its hash with it", CheckApply(rehashed, KindPurge))
	line(&b, "a look-up carried out as a purge", CheckApply(approved(KindLookup, "{}", StageDepartment), KindPurge))

	b.WriteString("# CheckPlanSet\n")
	line(&b, "the same set", CheckPlanSet("REQ-2026-0007", SetDifference{}))
	line(&b, "records held since", CheckPlanSet("REQ-2026-0007", SetDifference{Held: []int64{4, 9}}))
	line(&b, "records restored into scope", CheckPlanSet("REQ-2026-0007", SetDifference{Extra: []int64{12, 3, 7, 1, 2, 5, 8}}))
	line(&b, "records gone or kept longer", CheckPlanSet("REQ-2026-0007", SetDifference{Missing: map[int64]string{9: "retained until 2027-01-01T00:00:00Z (voice 5y)", 4: "no longer in the catalogue"}}))

	b.WriteString("# Lookup.Validate\n")
	for _, c := range []struct {
		name string
		l    Lookup
	}{
		{"a subject", Lookup{Subject: "zoe", Purpose: "complaint"}},
		{"no scope", Lookup{Purpose: "x"}},
		{"two scopes", Lookup{Subject: "zoe", Class: "voice", Purpose: "x"}},
		{"a class without a period", Lookup{Class: "voice", From: "2026-01-01T00:00:00Z", Purpose: "x"}},
		{"a period the wrong way round", Lookup{Class: "voice", From: "2026-02-01T00:00:00Z", To: "2026-01-01T00:00:00Z", Purpose: "x"}},
		{"a period without a class", Lookup{Subject: "zoe", From: "2026-01-01T00:00:00Z", Purpose: "x"}},
		{"no purpose", Lookup{Subject: "zoe", Purpose: "  "}},
		{"external without authority", Lookup{Subject: "zoe", Purpose: "x", External: true}},
		{"authority without external", Lookup{Subject: "zoe", Purpose: "x", Authority: "court"}},
		{"a bad record id", Lookup{Records: []int64{3, 0}, Purpose: "x"}},
	} {
		line(&b, c.name, c.l.Validate())
	}
	fmt.Fprintf(&b, "stages: internal %v, external %v\n", LookupStages(false), LookupStages(true))

	b.WriteString("# LookupEligible (viewer kim, of Sales)\n")
	ops := []*operator.Operator{
		{Name: "maria", Roles: []operator.Role{operator.Manager}, Department: "Sales"},
		{Name: "olga", Roles: []operator.Role{operator.Manager}, Department: "Finance"},
		{Name: "ivan", Roles: []operator.Role{operator.IT}},
		{Name: "olivia", Roles: []operator.Role{operator.Officer}},
		{Name: "ana", Roles: []operator.Role{operator.Admin}},
	}
	for _, op := range ops {
		for _, st := range LookupStages(true) {
			line(&b, op.Name+" gives "+st, LookupEligible(op, op.Name, "kim", "Sales")(st))
		}
	}
	line(&b, "ivan gives it for his own look-up", LookupEligible(ops[2], "ivan", "ivan", "Sales")(StageIT))
	line(&b, "ana as olivia gives officer for ana's own look-up", LookupEligible(ops[3], "ana", "ana", "")(StageOfficer))
	kim := &operator.Operator{Name: "kim", Roles: []operator.Role{operator.Auditor}, Department: "Sales"}
	line(&b, "kim asks for herself", CheckAskFor(kim, kim))
	line(&b, "maria asks for kim", CheckAskFor(ops[0], kim))
	line(&b, "olga asks for kim", CheckAskFor(ops[1], kim))
	line(&b, "ivan asks for kim", CheckAskFor(ops[2], kim))

	b.WriteString("# CheckLookupShow (approved at 11:00, 7 days)\n")
	lookup := Lookup{Subject: "zoe", Purpose: "complaint", Viewer: "kim"}.Payload()
	show := func(name string, r *Request, viewer, real string, at time.Time) {
		_, until, err := CheckLookupShow(r, viewer, real, 7, at)
		if err == nil {
			fmt.Fprintf(&b, "%s: ok until %s\n", name, until.Format(time.RFC3339))
			return
		}
		line(&b, name, err)
	}
	ok := approved(KindLookup, lookup, StageDepartment)
	show("kim, at once", ok, "kim", "kim", now)
	show("kim, a second before the end", ok, "kim", "kim", now.Add(7*24*time.Hour-time.Hour-time.Second))
	show("kim, at the end", ok, "kim", "kim", now.Add(7*24*time.Hour-time.Hour))
	show("maria, who approved it", ok, "maria", "maria", now)
	show("an admin as kim", ok, "kim", "ana", now)
	notYet := approved(KindLookup, lookup, StageDepartment, StageIT)
	notYet.State, notYet.Approvals = Pending, notYet.Approvals[:1]
	show("kim, before the it stage", notYet, "kim", "kim", now)
	golden.Check(t, "later.golden", []byte(b.String()))
}
