package custos_test

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestCtrlCAtAPromptExits130 runs an irreversible command in a real
// terminal (script(1) gives it a pseudo-terminal), waits for its question
// and types Ctrl-C: it stops at once with exit 130, the operator is still
// there, and the audit log records the invocation as interrupted. Before,
// Ctrl-C was ignored at the prompt and the next line typed became the
// answer.
func TestCtrlCAtAPromptExits130(t *testing.T) {
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("needs script(1) for a pseudo-terminal")
	}
	db := storeFor(t)
	mustCustos(t, db, "init")
	mustCustos(t, db, "operator", "add", "ivan", "--role", "it")
	interruptAtPrompt(t, db, "operator remove ivan", "Remove operator ivan? They can no longer run custos. [y/N] ")
	raw := rawDB(t, db)
	var removed, outcome, msg string
	raw.QueryRow(`SELECT removed_at FROM operators WHERE name = 'ivan'`).Scan(&removed)
	raw.QueryRow(`SELECT outcome, error FROM audit_log WHERE command = 'operator remove' ORDER BY seq DESC LIMIT 1`).Scan(&outcome, &msg)
	if removed != "" || outcome != "interrupted" || msg != "interrupted" {
		t.Fatalf("after Ctrl-C: removed_at %q; last entry %q %q", removed, outcome, msg)
	}
}

// TestCtrlCAtThePurgePromptExits130: the purge's own question, the one
// where Ctrl-C used to do nothing.
func TestCtrlCAtThePurgePromptExits130(t *testing.T) {
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("needs script(1) for a pseudo-terminal")
	}
	db := storeFor(t)
	mustCustos(t, db, "init")
	mustCustos(t, db, "policy", "set", "records.purge_approval", "none")
	mustCustos(t, db, "records", "retain", "voice", "--for", "1y")
	for _, s := range []string{"a", "b"} {
		mustCustos(t, db, "records", "add", "--class", "voice", "--created", "2020-01-01", "--subject", s)
	}
	archive := t.TempDir()
	interruptAtPrompt(t, db, "records purge --archive '"+archive+"'", "Purge these 2 record(s)? [y/N] ")
	raw := rawDB(t, db)
	var n int
	var outcome string
	raw.QueryRow(`SELECT count(*) FROM records`).Scan(&n)
	raw.QueryRow(`SELECT outcome FROM audit_log WHERE command = 'records purge' ORDER BY seq DESC LIMIT 1`).Scan(&outcome)
	if n != 2 || outcome != "interrupted" {
		t.Fatalf("after Ctrl-C: %d records; last entry %q", n, outcome)
	}
}

// interruptAtPrompt runs custos args in a pseudo-terminal, waits for
// question and types Ctrl-C; custos must exit 130 at once.
func interruptAtPrompt(t *testing.T, db, args, question string) {
	t.Helper()
	cmd := exec.Command("script", "-qefc", "custos --db '"+db+"' "+args, "/dev/null")
	cmd.Env = append(os.Environ(), "CUSTOS_TEST_OSUSER=ana", "NO_COLOR=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	asked := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		var seen strings.Builder
		for {
			b, err := r.ReadByte()
			if err != nil {
				asked <- seen.String()
				return
			}
			seen.WriteByte(b)
			if strings.HasSuffix(seen.String(), "[y/N] ") {
				asked <- seen.String()
				return
			}
		}
	}()
	select {
	case q := <-asked:
		if !strings.Contains(q, question) {
			t.Fatalf("the terminal shows %q", q)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no question on the terminal")
	}
	begin := time.Now()
	stdin.Write([]byte{3}) // Ctrl-C
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Ctrl-C at the prompt did not stop custos")
	}
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 130 {
		t.Fatalf("exit %v, want 130", err)
	}
	t.Logf("stopped %v after Ctrl-C", time.Since(begin))
}
