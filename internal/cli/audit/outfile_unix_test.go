//go:build unix

package audit

import (
	"testing"

	"github.com/custos-dev/custos/internal/testutil/fifo"
)

// audit checkpoint --out naming a pipe (or /dev/null, /dev/stdout)
// writes into it rather than renaming a new file over it.
func TestCheckpointOutKeepsSpecialFiles(t *testing.T) {
	path, got := fifo.Reader(t)
	out, err := openOut(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if err := writeOut(out, []byte("checkpoint\n")); err != nil {
		t.Fatal(err)
	}
	if err := finishOut(out); err != nil {
		t.Fatal(err)
	}
	fifo.AssertPipe(t, path)
	if b := <-got; string(b) != "checkpoint\n" {
		t.Errorf("the pipe's reader got %q", b)
	}
}

// The transparency-log checkpoint and cosignature writer does the same.
func TestTlogOutKeepsSpecialFiles(t *testing.T) {
	path, got := fifo.Reader(t)
	if err := writeBytes(path, []byte("note\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fifo.AssertPipe(t, path)
	if b := <-got; string(b) != "note\n" {
		t.Errorf("the pipe's reader got %q", b)
	}
}
