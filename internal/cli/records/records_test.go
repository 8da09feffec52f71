package records

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/cli/clitest"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/records"
	"github.com/custos-dev/custos/internal/request"
	"github.com/custos-dev/custos/internal/store"
)

var testNow = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

// refused checks that the flag rules refused with exit 2 and msg, before
// the run function.
func refused[O any](t *testing.T, got *O, err error, msg string) {
	t.Helper()
	if got != nil || errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), msg) {
		t.Errorf("ran %v, err %v; want exit 2 %q before the run function", got != nil, err, msg)
	}
}

func TestRetainFlagRules(t *testing.T) {
	got, err := clitest.Parse(t, newCmdRetain, "voice", "--for", "3y", "--description", "calls")
	if err != nil || got.Class != "voice" || got.Retain.String() != "3y" || got.Lock {
		t.Fatalf("%v %+v", err, got)
	}
	got, err = clitest.Parse(t, newCmdRetain)
	if err != nil || got.Class != "" {
		t.Fatalf("list: %v %+v", err, got)
	}
	got, err = clitest.Parse(t, newCmdRetain, "--for", "3y")
	refused(t, got, err, "--for and --lock need a CLASS")
	got, err = clitest.Parse(t, newCmdRetain, "voice", "--lock", "--for", "3y", "--reason", "r")
	refused(t, got, err, "--lock locks the current period")
	got, err = clitest.Parse(t, newCmdRetain, "voice", "--lock")
	refused(t, got, err, "--reason")
	got, err = clitest.Parse(t, newCmdRetain, "voice", "--for", "3y", "--reason", "r")
	refused(t, got, err, "--reason goes with --lock")
	got, err = clitest.Parse(t, newCmdRetain, "voice")
	refused(t, got, err, "--for is required")
	got, err = clitest.Parse(t, newCmdRetain, "voice", "--for", "forever")
	refused(t, got, err, "--for:")
}

func TestHoldFlagRules(t *testing.T) {
	got, err := clitest.Parse(t, newCmdHold, "audit-2025", "--reason", " external audit ", "--from", "2025-01-01T00:00:00Z", "--to", "2026-01-01T00:00:00Z")
	if err != nil {
		t.Fatal(err)
	}
	h := got.Hold
	if h.Kind != records.HoldRange || h.Reason != "external audit" || !h.From.Equal(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("%+v", h)
	}
	got, err = clitest.Parse(t, newCmdHold, "h", "--reason", "r", "--record", "3,4", "--record", "9")
	if err != nil || !reflect.DeepEqual(got.Hold.Records, []int64{3, 4, 9}) {
		t.Fatalf("%v %+v", err, got)
	}
	got, err = clitest.Parse(t, newCmdHold, "h", "--reason", "r", "--class", "voice", "--subject", "acme")
	refused(t, got, err, "give exactly one of")
	got, err = clitest.Parse(t, newCmdHold, "h", "--reason", "r", "--from", "2026-01-01", "--to", "2025-01-01")
	refused(t, got, err, "--to must be after --from")
	got, err = clitest.Parse(t, newCmdHold, "h", "--reason", "r", "--record", "x")
	refused(t, got, err, `--record "x" is not a record id`)
	got, err = clitest.Parse(t, newCmdHold, "Bad Name", "--reason", "r", "--class", "voice")
	refused(t, got, err, "invalid hold name")
}

func TestPurgeFlagRules(t *testing.T) {
	dir := t.TempDir()
	got, err := clitest.Parse(t, newCmdPurge, "--dry-run", "--as-of", "2027-01-01T00:00:00Z")
	if err != nil || !got.Preview || !got.AsOfTime.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("a preview may look ahead: %v %+v", err, got)
	}
	got, err = clitest.Parse(t, newCmdPurge, "--apply", "REQ-2026-0001", "--archive", dir, "--yes")
	if err != nil || got.Apply != "REQ-2026-0001" || got.Preview {
		t.Fatalf("%v %+v", err, got)
	}
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--as-of", "2027-01-01T00:00:00Z", "--archive", dir, "--yes"}, "--as-of"},
		{[]string{"--apply", "REQ-2026-0001", "--dry-run"}, "do not go together"},
		{[]string{"--dry-run", "--reason", "r"}, "--reason goes with --plan"},
		{[]string{"--apply", "REQ-2026-0001", "--class", "voice"}, "a plan has its own --class and --as-of"},
		{[]string{"--plan", "--reason", "r", "--archive", dir}, "--plan records a plan and purges nothing"},
		{[]string{"--apply-approved", "--delete-files"}, "the plan says whether the records' files are destroyed"},
		{[]string{"--plan"}, "--reason"},
		{[]string{"--yes"}, "--archive DIR is required"},
		{[]string{"--archive", dir}, "a purge without a terminal needs --yes"},
	} {
		got, err := clitest.Parse(t, newCmdPurge, c.args...)
		refused(t, got, err, c.msg)
	}
}

func TestOtherFlagRules(t *testing.T) {
	l, err := clitest.Parse(t, newCmdList, "--due", "--held")
	refused(t, l, err, "--due and --held exclude each other")
	l, err = clitest.Parse(t, newCmdList, "--due", "--as-of", "yesterday-ish")
	refused(t, l, err, "--as-of:")
	s, err := clitest.Parse(t, newCmdShow, "0")
	refused(t, s, err, `"0" is not a record id`)
	a, err := clitest.Parse(t, newCmdAdd, "--class", "voice", "--created", "someday")
	refused(t, a, err, "--created:")
	a, err = clitest.Parse(t, newCmdAdd, "--class", "voice", "--subject", " acme ")
	if err != nil || a.Subject != "acme" || !a.CreatedAt.Equal(testNow) {
		t.Fatalf("%v %+v", err, a)
	}
	i, err := clitest.Parse(t, newCmdImport, "--dir", t.TempDir(), "--class", "Bad Class")
	refused(t, i, err, "--class:")
	r, err := clitest.Parse(t, newCmdRelease, "h", "--reason", " ")
	refused(t, r, err, "--reason")
	q, err := clitest.Parse(t, newCmdLookupRequest, "--class", "voice", "--from", "tomorrowish", "--to", "2026-11-08", "--purpose", "p")
	refused(t, q, err, "--from:")
	q, err = clitest.Parse(t, newCmdLookupRequest, "--subject", "zoe", "--purpose", "p", "--record", "7")
	if q != nil || errs.CodeOf(err) != errs.Invalid {
		t.Errorf("two scopes: ran %v, %v", q != nil, err)
	}
}

// The run functions against a real store: a schedule set, records
// imported and added, one held; the list of due records, a record shown,
// a plan recorded; shortening the schedule becomes a request and changes
// nothing yet.
func TestRecordsRun(t *testing.T) {
	e := clitest.New(t)
	if err := clitest.Run(e, "records retain", newCmdRetain, "voice", "--for", "3y", "-o", "json"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	var retained RetainResult
	if err := json.Unmarshal(e.Out.Bytes(), &retained); err != nil || retained != (RetainResult{"voice", "3y", true}) {
		t.Errorf("retain: %v %s", err, e.Out)
	}
	csv := filepath.Join(t.TempDir(), "calls.csv")
	if err := os.WriteFile(csv, []byte("class,created,subject\nvoice,2020-01-01T00:00:00Z,acme\nvoice,2026-11-01T00:00:00Z,acme\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := clitest.Run(e, "records import", newCmdImport, csv, "-o", "json"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	if got := strings.TrimSpace(e.Out.String()); got != `{"imported":2,"skipped":0,"purged":0}` {
		t.Errorf("import: %s", got)
	}
	if err := clitest.Run(e, "records add", newCmdAdd, "--class", "voice", "--created", "2021-06-01T00:00:00Z", "--subject", "zoe", "-o", "json"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	var added RecordResult
	if err := json.Unmarshal(e.Out.Bytes(), &added); err != nil || added.ID != 3 || added.Subject != "zoe" || added.AddedBy != e.User {
		t.Errorf("add: %v %s", err, e.Out)
	}
	if err := clitest.Run(e, "records hold", newCmdHold, "zoe-case", "--reason", "complaint", "--subject", "zoe", "-o", "json"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	if got := strings.TrimSpace(e.Out.String()); got != `{"name":"zoe-case","covers":"subject zoe","reason":"complaint"}` {
		t.Errorf("hold: %s", got)
	}
	if err := clitest.Run(e, "records list", newCmdList, "--due", "-o", "json"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	var due []DueResult
	if err := json.Unmarshal(e.Out.Bytes(), &due); err != nil || len(due) != 1 || due[0].ID != 1 || due[0].Reason == "" {
		t.Errorf("list --due: %v %s", err, e.Out)
	}
	if err := clitest.Run(e, "records show", newCmdShow, "3", "-o", "json"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	var shown ShowResult
	if err := json.Unmarshal(e.Out.Bytes(), &shown); err != nil || shown.ID != 3 || shown.Retention != "keep" || !strings.Contains(shown.Reason, "zoe-case") {
		t.Errorf("show: %v %s", err, e.Out)
	}
	if err := clitest.Run(e, "records purge", newCmdPurge, "--plan", "--reason", "yearly", "-o", "json"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	var plan PlanResult
	if err := json.Unmarshal(e.Out.Bytes(), &plan); err != nil || plan.Count != 1 || plan.State != "pending" {
		t.Errorf("plan: %v %s", err, e.Out)
	}
	// Shortening the schedule is a request; the schedule stays.
	if err := clitest.Run(e, "records retain", newCmdRetain, "voice", "--for", "1y", "-o", "json"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	var asked RequestResult
	if err := json.Unmarshal(e.Out.Bytes(), &asked); err != nil || asked.Request == "" || asked.State != "pending" {
		t.Errorf("shorter retain: %v %s", err, e.Out)
	}
	// A record that does not exist.
	if err := clitest.Run(e, "records show", newCmdShow, "99"); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("show 99: %v, want not found", err)
	}
	e.View(func(tx store.Tx) error {
		s, err := tx.Records().Schedule("voice")
		if err != nil {
			return err
		}
		if s.Retain.String() != "3y" {
			t.Errorf("schedule %s after a request to shorten it", s.Retain)
		}
		q, err := tx.Requests().GetRequest(plan.Request)
		if err != nil {
			return err
		}
		if q.State != request.Pending {
			t.Errorf("plan %s is %s", q.ID, q.State)
		}
		holds, err := tx.Records().Holds(false)
		if err != nil {
			return err
		}
		if len(holds) != 1 || holds[0].Name != "zoe-case" {
			t.Errorf("holds %+v", holds)
		}
		n := 0
		err = tx.Records().ListRecords(store.RecordFilter{AsOf: testNow}, func(*records.Record, records.Decision) error { n++; return nil })
		if n != 3 {
			t.Errorf("%d records, want 3", n)
		}
		return err
	})
}
