package custos_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSIGPIPEIsRecorded closes the reading end of a listing's pipe after a
// few bytes, as `custos records list -o csv | head -c 10` does: the read
// must still leave its entry, outcome interrupted, and say nothing on
// stderr, like any Unix filter whose reader went away.
func TestSIGPIPEIsRecorded(t *testing.T) {
	dir := t.TempDir()
	db := storeFor(t)
	mustCustos(t, db, "init")
	var b strings.Builder
	b.WriteString("class,created,subject\n")
	for i := range 20000 {
		fmt.Fprintf(&b, "voice,2020-01-01T00:00:00Z,subject-%d\n", i)
	}
	src := filepath.Join(dir, "records.csv")
	os.WriteFile(src, []byte(b.String()), 0o600)
	mustCustos(t, db, "records", "import", src)

	for _, args := range [][]string{
		{"records", "list", "-o", "csv"},
		{"audit", "export", "-o", "jsonl"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			if args[0] == "audit" {
				// Entries that overflow a pipe: refusals whose argument
				// is recorded whole.
				for range 3 {
					custos(t, db, nil, "operator", "add", strings.Repeat("x", 50000), "--role", "it")
				}
			}
			cmd := exec.Command("custos", append([]string{"--db", db}, args...)...)
			cmd.Env = append(os.Environ(), "CUSTOS_TEST_OSUSER=ana", "NO_COLOR=1")
			var errOut strings.Builder
			cmd.Stderr = &errOut
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			head := make([]byte, 10)
			if _, err := io.ReadFull(out, head); err != nil {
				t.Fatal(err)
			}
			out.Close() // head -c 10 exits
			err = cmd.Wait()
			var exitErr *exec.ExitError
			if !errors.As(err, &exitErr) || exitErr.ExitCode() != 130 {
				t.Fatalf("%v, want exit 130 (interrupted); stderr: %q", err, errOut.String())
			}
			if errOut.String() != "" {
				t.Fatalf("stderr: %q", errOut.String())
			}
			var command, outcome string
			rawDB(t, db).QueryRow(`SELECT command, outcome FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&command, &outcome)
			if command != strings.Join(args[:2], " ") || outcome != "interrupted" {
				t.Fatalf("last entry %q %q, want %s interrupted", command, outcome, strings.Join(args[:2], " "))
			}
		})
	}
	if out := mustCustos(t, db, "audit", "verify"); !strings.Contains(out, "intact") {
		t.Fatal(out)
	}
}

// A listing small enough to be written after its entry is committed, whose
// reader is already gone: still one invocation, one entry.
func TestClosedStdoutAfterASmallListingIsOneEntry(t *testing.T) {
	db := storeFor(t)
	mustCustos(t, db, "init")
	for range 3 {
		cmd := exec.Command("custos", "--db", db, "operator", "list", "-o", "csv")
		cmd.Env = append(os.Environ(), "CUSTOS_TEST_OSUSER=ana", "NO_COLOR=1")
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		out.Close() // the reader is gone before anything is written
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		var n int
		rawDB(t, db).QueryRow(`SELECT count(*) FROM audit_log WHERE pid = $1`, cmd.Process.Pid).Scan(&n)
		if n != 1 {
			t.Fatalf("operator list left %d entries", n)
		}
	}
}
