package training

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/cli/account"
	"github.com/custos-dev/custos/internal/cli/clitest"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/training"
)

func TestFlagsCheckedBeforeRun(t *testing.T) {
	if o, err := clitest.Parse(t, newCmdRecord, "zoe", "infosec", "--score", "90"); err == nil || err.Error() != "--date is required" || o != nil {
		t.Errorf("record without --date: %v, ran %v", err, o != nil)
	}
	o, err := clitest.Parse(t, newCmdRecord, "zoe", "infosec", "--date", "2026-11-20", "--passed")
	if err != nil || o.Score != -1 || !o.Passed || o.Username != "zoe" || o.Course != "infosec" || o.Date != "2026-11-20" {
		t.Errorf("record: %v %+v", err, o)
	}
	if o, err := clitest.Parse(t, newCmdAdd, "Bad name", "--title", "x"); errs.CodeOf(err) != errs.Invalid || o != nil {
		t.Errorf("add with a bad name: %v, ran %v", err, o != nil)
	}
	if o, err := clitest.Parse(t, newCmdAdd, "x", "--title", "y", "--every", "often"); errs.CodeOf(err) != errs.Invalid || o != nil {
		t.Errorf("add with a bad --every: %v, ran %v", err, o != nil)
	}
	a, err := clitest.Parse(t, newCmdAdd, "infosec", "--title", " Basics ", "--every", "1y", "--pass-score", "80")
	if want := (training.Course{Name: "infosec", Title: "Basics", Every: "1y", PassScore: 80}); err != nil || a.Course != want {
		t.Errorf("add: %v %+v", err, a)
	}
}

// The run functions against a real store: a course is added, an attempt
// recorded for an account not yet active, a sheet with a bad row records
// nothing, an unknown course is not found.
func TestRecordRun(t *testing.T) {
	e := clitest.New(t)
	if err := clitest.Run(e, "training add", newCmdAdd, "infosec", "--title", "Information security basics", "--every", "1y", "--pass-score", "80", "-o", "json"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	var add AddResult
	if err := json.Unmarshal(e.Out.Bytes(), &add); err != nil {
		t.Fatalf("%v: %s", err, e.Out)
	}
	if want := (AddResult{"infosec", "Information security basics", "1y", 80, true}); add != want {
		t.Errorf("add: %+v, want %+v", add, want)
	}
	request := func(f *cmdutil.Factory) *cobra.Command {
		c, _, _ := account.NewCmdAccount(f).Find([]string{"request"})
		return c
	}
	if err := e.RunCmd("account request", request, "zoe", "--name", "Zoë", "--employee-id", "E-1",
		"--department", "Sales", "--position", "Rep", "--reason", "hire"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	if err := clitest.Run(e, "training record", newCmdRecord, "zoe", "infosec", "--date", "2026-11-20", "--score", "92", "-o", "json"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	var rec RecordResult
	if err := json.Unmarshal(e.Out.Bytes(), &rec); err != nil {
		t.Fatalf("%v: %s", err, e.Out)
	}
	if want := (RecordResult{"zoe", "infosec", "2026-11-20", float64(92), true}); !reflect.DeepEqual(rec, want) {
		t.Errorf("record: %+v, want %+v", rec, want)
	}

	sheet := filepath.Join(t.TempDir(), "lms.csv")
	if err := os.WriteFile(sheet, []byte("username,course,date,score,passed\nzoe,infosec,2026-11-21,95,\nzoe,infosec,2026-11-22,abc,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := clitest.Run(e, "training import", newCmdImport, sheet)
	if errs.CodeOf(err) != errs.Invalid {
		t.Errorf("bad row: %v, want invalid input", err)
	}
	if err := clitest.Run(e, "training record", newCmdRecord, "zoe", "nocourse", "--date", "2026-11-20", "--passed"); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("unknown course: %v, want not found", err)
	}
	if err := os.WriteFile(sheet, []byte("username,course,date,score,passed\nzoe,infosec,2026-11-21,95,\nzoe,infosec,2026-11-22,50,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := clitest.Run(e, "training import", newCmdImport, sheet, "-o", "json"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	var imp ImportResult
	if err := json.Unmarshal(e.Out.Bytes(), &imp); err != nil || imp != (ImportResult{Recorded: 2, Passed: 1}) {
		t.Errorf("import: %v %s", err, e.Out)
	}
	e.View(func(tx store.Tx) error {
		c, err := tx.Training().GetCourse("infosec")
		if err != nil {
			return err
		}
		if c.Title != "Information security basics" || c.Every != "1y" || c.PassScore != 80 {
			t.Errorf("stored %+v", c)
		}
		if _, err := tx.Training().GetCourse("nocourse"); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("nocourse: %v", err)
		}
		return nil
	})
}
