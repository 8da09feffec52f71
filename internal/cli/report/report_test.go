package report

import (
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/iostreams"
)

// The period flags resolve to a period, or are refused (exit 2) before
// anything runs.
func TestPeriodFlags(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		args     []string
		from, to string
		label    string
		bad      bool
	}{
		{args: nil, from: "2026-10-01", to: "2027-01-01", label: "2026-Q4"},
		{args: []string{"--quarter", "2025-Q1"}, from: "2025-01-01", to: "2025-04-01", label: "2025-Q1"},
		{args: []string{"--from", "2026-07-01", "--to", "2026-09-30"}, from: "2026-07-01", to: "2026-10-01", label: "2026-Q3"},
		{args: []string{"--from", "2026-02-01", "--to", "2026-02-28"}, from: "2026-02-01", to: "2026-03-01", label: "2026-02-01 to 2026-02-28"},
		{args: []string{"--quarter", "2026-Q5"}, bad: true},
		{args: []string{"--quarter", "2026Q1"}, bad: true},
		{args: []string{"--quarter", "2026-Q1", "--from", "2026-01-01", "--to", "2026-01-02"}, bad: true},
		{args: []string{"--to", "2026-01-02"}, bad: true},
		{args: []string{"--from", "2026-01-02", "--to", "2026-01-01"}, bad: true},
		{args: []string{"--from", "2000-01-01", "--to", "2026-01-01"}, bad: true},
	}
	for _, tt := range tests {
		ios, _, _, _ := iostreams.Test()
		f := &cmdutil.Factory{IO: ios, Now: func() time.Time { return now }}
		var got *Options
		cmd := newCmdReport(f, func(o *Options) error { got = o; return nil })
		cmd.SetArgs(tt.args)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		err := cmd.Execute()
		if tt.bad {
			if err == nil || errs.ExitCode(err) != 2 {
				t.Errorf("%v: err %v (exit %d), want exit 2", tt.args, err, errs.ExitCode(err))
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", tt.args, err)
			continue
		}
		p := got.Period
		if p.From.Format(time.DateOnly) != tt.from || p.To.Format(time.DateOnly) != tt.to || p.Label != tt.label {
			t.Errorf("%v: %s..%s %q, want %s..%s %q", tt.args, p.From.Format(time.DateOnly), p.To.Format(time.DateOnly), p.Label, tt.from, tt.to, tt.label)
		}
	}
}
