package access

import (
	"encoding/json"
	"testing"

	"github.com/custos-dev/custos/internal/access"
	"github.com/custos-dev/custos/internal/cli/clitest"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/store"
)

func TestReviewFlagsCheckedBeforeRun(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"not an item number", []string{"Q4", "x", "--keep", "--reason", "r"}, `ITEM "x" is not an item number`},
		{"item 0", []string{"Q4", "0", "--keep", "--reason", "r"}, `ITEM "0" is not an item number`},
		{"keep and revoke", []string{"Q4", "1", "--keep", "--revoke", "--reason", "r"}, "give exactly one of --keep and --revoke"},
		{"neither", []string{"Q4", "1", "--reason", "r"}, "give exactly one of --keep and --revoke"},
		{"no reason", []string{"Q4", "1", "--keep"}, ""},
	} {
		o, err := clitest.Parse(t, newCmdReviewDecide, tc.args...)
		if errs.CodeOf(err) != errs.Invalid || o != nil || tc.want != "" && err.Error() != tc.want {
			t.Errorf("decide, %s: %v (ran %v), want invalid input %q", tc.name, err, o != nil, tc.want)
		}
	}
	d, err := clitest.Parse(t, newCmdReviewDecide, "Q4", "17", "--revoke", "--reason", " left ", "--override")
	if err != nil || d.Item != 17 || d.Decision != access.Revoke || d.Reason != "left" || !d.Override {
		t.Errorf("decide: %v %+v", err, d)
	}
	if o, err := clitest.Parse(t, newCmdReviewStart, "Q4", "--due", "soon"); errs.CodeOf(err) != errs.Invalid || o != nil {
		t.Errorf("start --due soon: %v, ran %v", err, o != nil)
	}
	if o, err := clitest.Parse(t, newCmdReviewClose, "Q4", "--undecided", "maybe"); err == nil || o != nil {
		t.Errorf("close --undecided maybe: %v, ran %v", err, o != nil)
	}
	s, err := clitest.Parse(t, newCmdReviewStart, "Q4", "--due", "2027-01-15", "--resource", "crm")
	if err != nil || s.Name != "Q4" || s.Due != "2027-01-15" || s.Resource != "crm" {
		t.Errorf("start: %v %+v", err, s)
	}
}

// The run functions against a real store: a campaign starts (due after
// review.due_days by default), is listed, closes after a dry run, and
// refuses starting again and decisions once closed.
func TestReviewRun(t *testing.T) {
	e := clitest.New(t)
	if err := clitest.Run(e, "access review start", newCmdReviewStart, "2026-Q4", "-o", "json"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	var started ReviewStartResult
	if err := json.Unmarshal(e.Out.Bytes(), &started); err != nil {
		t.Fatalf("%v: %s", err, e.Out)
	}
	if want := (ReviewStartResult{"2026-Q4", 0, "2026-12-30"}); started != want {
		t.Errorf("start: %+v, want %+v", started, want)
	}
	if err := clitest.Run(e, "access review start", newCmdReviewStart, "2026-Q4"); errs.CodeOf(err) != errs.Conflict {
		t.Errorf("started again: %v, want a conflict", err)
	}

	if err := clitest.Run(e, "access review list", newCmdReviewList, "-o", "json"); err != nil {
		t.Fatal(err)
	}
	var list []ReviewListResult
	if err := json.Unmarshal(e.Out.Bytes(), &list); err != nil {
		t.Fatalf("%v: %s", err, e.Out)
	}
	if len(list) != 1 || list[0].Name != "2026-Q4" || list[0].State != "open" || list[0].StartedBy != e.User || !list[0].StartedAt.Equal(e.Now) {
		t.Errorf("list: %+v", list)
	}

	if err := clitest.Run(e, "access review close", newCmdReviewClose, "2026-Q4", "--dry-run", "-o", "json"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	var closed ReviewCloseResult
	if err := json.Unmarshal(e.Out.Bytes(), &closed); err != nil || closed != (ReviewCloseResult{Campaign: "2026-Q4", DryRun: true}) {
		t.Errorf("dry run: %v %s", err, e.Out)
	}
	if err := clitest.Run(e, "access review close", newCmdReviewClose, "2026-Q4", "-o", "json"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	if err := json.Unmarshal(e.Out.Bytes(), &closed); err != nil || closed != (ReviewCloseResult{Campaign: "2026-Q4"}) {
		t.Errorf("close: %v %s", err, e.Out)
	}
	if err := clitest.Run(e, "access review decide", newCmdReviewDecide, "2026-Q4", "1", "--keep", "--reason", "r"); errs.CodeOf(err) != errs.Conflict {
		t.Errorf("a decision in a closed campaign: %v, want a conflict", err)
	}
	e.View(func(tx store.Tx) error {
		c, err := tx.Access().GetReview("2026-Q4")
		if err != nil {
			return err
		}
		if c.State != "closed" || c.ClosedBy != e.User {
			t.Errorf("stored %+v", c)
		}
		return nil
	})
}
