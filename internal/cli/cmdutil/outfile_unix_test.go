//go:build unix

package cmdutil

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/custos-dev/custos/internal/testutil/fifo"
)

// A pipe (like /dev/null or /dev/stdout, which a test must never touch)
// is written into and stays a pipe.
func TestWriteOutputFileKeepsSpecialFiles(t *testing.T) {
	path, got := fifo.Reader(t)
	if err := WriteOutputFile(path, []byte("checkpoint\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fifo.AssertPipe(t, path)
	if b := <-got; string(b) != "checkpoint\n" {
		t.Errorf("the pipe's reader got %q", b)
	}
}

// A new file and an existing regular file get the contents and exactly
// the mode asked for, whatever the umask; nothing is left beside them.
func TestWriteOutputFileRegular(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	for _, want := range []string{"first\n", "second\n"} {
		if err := WriteOutputFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil || string(b) != want {
			t.Fatalf("read %q, %v; want %q", b, err, want)
		}
		fi, _ := os.Stat(path)
		if fi.Mode() != 0o644 {
			t.Errorf("mode %v, want -rw-r--r--", fi.Mode())
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%d files in the directory, want 1", len(ents))
	}
	if err := WriteOutputFile(dir, []byte("x"), 0o644); err == nil {
		t.Error("writing over a directory succeeded")
	}
}
