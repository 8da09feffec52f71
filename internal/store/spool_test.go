package store

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/audit"
)

// Spooled failures are appended in order with their own times before the
// entry of the command that drains them; a line already in the log (a
// drain killed after its commit) is not appended twice; a torn line does
// not swallow the entry spooled after it, and is kept.
func TestSpoolDrain(t *testing.T) {
	s := MustOpen(t)
	var notices []string
	s.opts.Notice = func(m string) { notices = append(notices, m) }
	spooled := func(at, command string) *audit.Entry {
		return &audit.Entry{At: at, RealOperator: "ivan", Operator: "ivan", Host: "h", PID: 7, Command: command,
			Args: `[]`, Outcome: "busy", ExitCode: 7, Error: "the store is busy"}
	}
	if err := s.spool(spooled("2026-01-01T00:00:00.000000001Z", "operator add"), []string{"operator:x"}); err != nil {
		t.Fatal(err)
	}
	f, _ := os.OpenFile(s.spoolPath(), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"at":"torn`)
	f.Close()
	if err := s.spool(spooled("2026-01-01T00:00:00.000000002Z", "operator remove"), nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Invoke(context.Background(), inv("operator list", "ana"), Spec{}, func(Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries(t, s) {
		got = append(got, e.Command+" "+e.Outcome+" "+e.At[:4])
	}
	want := "init ok 20..; operator add busy 2026; operator remove busy 2026; operator list ok 20.."
	if g := strings.Join(got, "; "); !matchesLoosely(g, want) {
		t.Fatalf("entries: %s\nwant:    %s", g, want)
	}
	left, _ := os.ReadFile(s.spoolPath())
	if string(left) != "{\"at\":\"torn\n" {
		t.Fatalf("spool keeps %q, want only the torn line", left)
	}
	if len(notices) != 1 || !strings.Contains(notices[0], "line 2 of") {
		t.Fatalf("notices: %q", notices)
	}

	// The same entries spooled again (a drain killed between its commit
	// and its clean-up) are not appended twice.
	s.spool(spooled("2026-01-01T00:00:00.000000001Z", "operator add"), []string{"operator:x"})
	if err := s.Invoke(context.Background(), inv("operator list", "ana"), Spec{}, func(Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if n := len(entries(t, s)); n != 5 {
		t.Fatalf("%d entries, want 5", n)
	}
	if n, err := verifyWith(t, s, 100); err != nil || n != 5 {
		t.Fatalf("verify: %d entries, %v", n, err)
	}
}

// matchesLoosely compares with "20.." standing for any year.
func matchesLoosely(got, want string) bool {
	return strings.ReplaceAll(got, "2026", "20..") == strings.ReplaceAll(want, "2026", "20..")
}
