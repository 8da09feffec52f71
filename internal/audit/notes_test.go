package audit

import (
	"slices"
	"testing"
)

// Notes are read from sealed fields: a dry run from its arguments (in every
// spelling pflag accepts), a proxy approval from the two operators.
func TestNotes(t *testing.T) {
	tests := []struct {
		cmd, real, op, outcome string
		args                   []string
		want                   []string
	}{
		{"access review close", "ines", "ines", "ok", []string{"access", "review", "close", "Q4", "--dry-run"}, []string{"dry run"}},
		{"access review close", "ines", "ines", "ok", []string{"access", "review", "close", "Q4", "--dry-run=true"}, []string{"dry run"}},
		{"access review close", "ines", "ines", "ok", []string{"access", "review", "close", "Q4", "--dry-run=false"}, nil},
		{"access review close", "ines", "ines", "ok", []string{"access", "review", "close", "Q4"}, nil},
		{"access review close", "ines", "ines", "ok", []string{"access", "review", "close", "--dry-run-not"}, nil},
		{"account approve", "ana", "maria", "ok", []string{"account", "approve", "zoe", "--as", "maria"}, []string{"proxy"}},
		{"account approve", "ana", "maria", "denied", []string{"account", "approve", "zoe", "--as", "maria"}, nil},
		{"account approve", "maria", "maria", "ok", []string{"account", "approve", "zoe"}, nil},
		{"account freeze", "ana", "ines", "ok", []string{"account", "freeze", "zoe", "--as", "ines"}, nil},
	}
	for _, tt := range tests {
		e := &Entry{Command: tt.cmd, RealOperator: tt.real, Operator: tt.op, Outcome: tt.outcome, Args: EncodeList(tt.args)}
		if got := e.Notes(); !slices.Equal(got, tt.want) {
			t.Errorf("%s %v by %s as %s: notes %q, want %q", tt.cmd, tt.args, tt.real, tt.op, got, tt.want)
		}
	}
}
