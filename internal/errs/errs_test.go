package errs

import (
	"errors"
	"fmt"
	"testing"
)

func TestExitCodesAndOutcomes(t *testing.T) {
	tests := []struct {
		err     error
		code    int
		outcome string
	}{
		{nil, 0, "ok"},
		{errors.New("plain"), 1, "error"},
		{Invalidf("x"), 2, "invalid"},
		{NotFoundf("x"), 3, "not_found"},
		{Deniedf("x"), 4, "denied"},
		{Conflictf("x"), 5, "conflict"},
		{Integrityf("x"), 6, "integrity"},
		{New(Busy, "x"), 7, "busy"},
		{New(Interrupted, "x"), 130, "interrupted"},
		{fmt.Errorf("wrapped: %w", Deniedf("x")), 4, "denied"},
		{MarkRecorded(Conflictf("x")), 5, "conflict"},
	}
	for _, tt := range tests {
		if got := ExitCode(tt.err); got != tt.code {
			t.Errorf("ExitCode(%v) = %d, want %d", tt.err, got, tt.code)
		}
		if got := Outcome(tt.err); got != tt.outcome {
			t.Errorf("Outcome(%v) = %q, want %q", tt.err, got, tt.outcome)
		}
	}
	if !IsRecorded(MarkRecorded(Invalidf("x"))) || IsRecorded(Invalidf("x")) {
		t.Fatal("recorded mark")
	}
	if HintOf(Invalidf("x").WithHint("do %s", "y")) != "do y" {
		t.Fatal("hint")
	}
}
