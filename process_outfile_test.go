//go:build linux

package custos_test

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A command that writes its result to --out holds no transaction while
// it waits for a named pipe's reader: `audit checkpoint` (a write: it
// keeps the signed note) opened the pipe inside its transaction, so
// every other command waited behind a reader that had not come yet, and
// gave up with exit 7. The marker is the kernel's own: the process is
// blocked opening the pipe (wchan wait_for_partner).
func TestOutToAPipeHoldsNoTransaction(t *testing.T) {
	db := storeFor(t)
	mustCustos(t, db, "init")
	mustCustos(t, db, "policy", "set", "audit.origin", "custos.example.org/audit")
	dir := t.TempDir()
	key := filepath.Join(dir, "log.key")
	mustCustos(t, db, "audit", "keygen", "--name", "custos.example.org/audit", "--out", key)
	for _, c := range []struct {
		name string
		args []string
	}{
		{"signed checkpoint", []string{"audit", "checkpoint"}},
		{"report", []string{"report", "--quarter", "2026-Q4", "-o", "json"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			pipe := filepath.Join(t.TempDir(), "pipe")
			if err := syscall.Mkfifo(pipe, 0o600); err != nil {
				t.Skip("no fifo:", err)
			}
			cmd := exec.Command("custos", append([]string{"--db", db}, append(c.args, "--out", pipe)...)...)
			cmd.Env = append(os.Environ(), "CUSTOS_TEST_OSUSER=ana", "NO_COLOR=1", "CUSTOS_AUDIT_SIGNING_KEY="+key)
			var errOut bytes.Buffer
			cmd.Stderr = &errOut
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			t.Cleanup(func() { cmd.Process.Kill() })
			for tick := time.NewTicker(time.Millisecond); ; <-tick.C {
				if blockedOnPipe(cmd.Process.Pid) {
					tick.Stop()
					break
				}
				select {
				case err := <-done:
					t.Fatalf("custos %v ended before opening the pipe: %v\n%s", c.args, err, errOut.String())
				default:
				}
			}
			// Blocked on the pipe: a write by someone else goes through at
			// once, with no busy wait to speak of.
			_, stderr, code := custos(t, db, []string{"CUSTOS_BUSY_TIMEOUT=1s"}, "operator", "add", "bo"+strconv.Itoa(len(c.name)), "--role", "it")
			if code != 0 {
				t.Fatalf("operator add beside %v blocked on a pipe: exit %d: %s", c.args, code, stderr)
			}
			f, err := os.Open(pipe)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(f)
			f.Close()
			if fi, err := os.Stat(pipe); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
				t.Errorf("--out replaced the pipe: %v %v", fi, err)
			}
			if err := <-done; err != nil {
				t.Fatalf("custos %v: %v\n%s", c.args, err, errOut.String())
			}
			if len(got) == 0 || !(strings.HasPrefix(string(got), "custos.example.org/audit\n") || strings.HasPrefix(string(got), "{")) {
				t.Errorf("the pipe's reader got %q", got)
			}
		})
	}
}

// blockedOnPipe reports whether a thread of process pid waits in the
// kernel for the other end of a named pipe.
func blockedOnPipe(pid int) bool {
	tasks, _ := filepath.Glob(filepath.Join("/proc", strconv.Itoa(pid), "task", "*", "wchan"))
	for _, w := range tasks {
		if b, _ := os.ReadFile(w); string(b) == "wait_for_partner" {
			return true
		}
	}
	return false
}
