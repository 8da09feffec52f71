//go:build unix

package audit

import (
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/custos-dev/custos/internal/audit"
)

// readFifo makes a fifo and returns its path and a channel that gets
// what a reader read from it.
func readFifo(t *testing.T) (string, <-chan []byte) {
	t.Helper()
	fifo := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no fifo:", err)
	}
	got := make(chan []byte, 1)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- nil
			return
		}
		b, _ := io.ReadAll(f)
		f.Close()
		got <- b
	}()
	return fifo, got
}

func assertFifo(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("%s is now %v, not the pipe it was", path, fi.Mode())
	}
}

// audit checkpoint --out naming a pipe (or /dev/null, /dev/stdout)
// writes into it rather than renaming a new file over it.
func TestCheckpointOutKeepsSpecialFiles(t *testing.T) {
	fifo, got := readFifo(t)
	if err := writeFile(fifo, &audit.Checkpoint{Seq: 7, Hash: "ab"}); err != nil {
		t.Fatal(err)
	}
	assertFifo(t, fifo)
	if b := <-got; len(b) == 0 {
		t.Errorf("the pipe's reader got nothing")
	}
}

// The transparency-log checkpoint and cosignature writer does the same.
func TestTlogOutKeepsSpecialFiles(t *testing.T) {
	fifo, got := readFifo(t)
	if err := writeBytes(fifo, []byte("note\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	assertFifo(t, fifo)
	if b := <-got; string(b) != "note\n" {
		t.Errorf("the pipe's reader got %q", b)
	}
}
