package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/audit"
	"github.com/custos-dev/custos/internal/cli/clitest"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/store"
)

func TestFlagsAreCheckedBeforeRunning(t *testing.T) {
	refused := []struct {
		name string
		ran  func() (bool, error)
		msg  string
	}{
		{"log --until before --since", clitest.Refusal(t, newCmdLog, "--since", "7d", "--until", "30d"), "--until 30d is not after --since 7d"},
		{"log --since that is no time", clitest.Refusal(t, newCmdLog, "--since", "yesterday"), "--since: "},
		{"log --limit -1", clitest.Refusal(t, newCmdLog, "--limit", "-1"), "--limit must be 0 (all) or more, got -1"},
		{"export --after -1", clitest.Refusal(t, newCmdExport, "--after", "-1"), "--after must be a sequence number"},
		{"export --interval 1ms", clitest.Refusal(t, newCmdExport, "--interval", "1ms"), "--interval must be at least 10ms"},
		{"verify --from without --to", clitest.Refusal(t, newCmdVerify, "--from", "a.txt"), "--from and --to go together"},
		{"verify --max-skew -1s", clitest.Refusal(t, newCmdVerify, "--max-skew", "-1s"), "--max-skew must not be negative"},
		{"prove 0", clitest.Refusal(t, newCmdProve, "0"), "SEQ must be an entry's sequence number"},
	}
	for _, c := range refused {
		ran, err := c.ran()
		if ran || errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: ran %v, error %v; want invalid, %q, before running", c.name, ran, err, c.msg)
		}
	}
	o, err := clitest.Parse(t, newCmdLog, "--since", "2026-11-01T00:00:00Z", "--until", "1d")
	if err != nil || !o.Since.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) || !o.Until.Equal(time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("log --since --until: %+v, %v", o, err)
	}
}

// log and export read the entries the store holds, chained by their
// hashes; verify finds the chain intact; prove refuses an entry that is
// not there.
func TestLogRun(t *testing.T) {
	e := clitest.New(t)
	if err := clitest.Run(e, "audit log", newCmdLog, "-o", "json"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	var log []LogResult
	if err := json.Unmarshal(e.Out.Bytes(), &log); err != nil {
		t.Fatalf("%v: %s", err, e.Out)
	}
	if len(log) == 0 || log[0].Seq != 1 || log[0].Command != "init" || log[0].Outcome != "ok" || log[0].Notes == nil {
		t.Fatalf("log: %s", e.Out)
	}

	if err := clitest.Run(e, "audit export", newCmdExport, "-o", "jsonl"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	var export []EntryResult
	sc := bufio.NewScanner(bytes.NewReader(e.Out.Bytes()))
	for sc.Scan() {
		var r EntryResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%v: %s", err, sc.Bytes())
		}
		export = append(export, r)
	}
	// The export sees the log's own entry, written before it.
	if len(export) != len(log)+1 || export[len(log)].Command != "audit log" {
		t.Fatalf("export of %d entries after a log of %d:\n%s", len(export), len(log), e.Out)
	}
	for i := 1; i < len(export); i++ {
		if export[i].Seq != export[i-1].Seq+1 || export[i].PrevHash != export[i-1].Hash || export[i].Hash == "" {
			t.Errorf("entry %d does not follow entry %d: %+v", export[i].Seq, export[i-1].Seq, export[i])
		}
	}

	if err := clitest.Run(e, "audit verify", newCmdVerify, "-o", "json"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	var v VerifyResult
	if err := json.Unmarshal(e.Out.Bytes(), &v); err != nil {
		t.Fatalf("%v: %s", err, e.Out)
	}
	if last := export[len(export)-1]; !v.Intact || v.Entries != last.Seq+1 || v.CheckpointSeq != nil || v.ClockSkew == nil {
		t.Errorf("verify: %s", e.Out)
	}

	err := clitest.Run(e, "audit prove", newCmdProve, "999")
	if errs.CodeOf(err) != errs.NotFound {
		t.Errorf("prove 999: %v, want not found", err)
	}
	// The refusal is recorded like every invocation.
	e.View(func(tx store.Tx) error {
		var last string
		err := tx.Audit().AuditLog(store.AuditFilter{Command: "audit prove"}, func(en *audit.Entry) error {
			last = en.Outcome
			return nil
		})
		if last != "not_found" {
			t.Errorf("the refused prove is recorded as %q", last)
		}
		return err
	})
}
