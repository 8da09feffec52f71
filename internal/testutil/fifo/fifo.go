//go:build unix

// Package fifo gives tests a named pipe with a reader, to check that a
// command writing to a special file (a pipe here; /dev/null or
// /dev/stdout in use, which a test must never touch) writes into it
// rather than replacing it.
package fifo

import (
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Reader makes a fifo in a temporary directory and returns its path and a
// channel that gets what a reader read from it once the writer closed it.
// The test is skipped where fifos cannot be made.
func Reader(t *testing.T) (string, <-chan []byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skip("no fifo:", err)
	}
	got := make(chan []byte, 1)
	go func() {
		f, err := os.Open(path)
		if err != nil {
			got <- nil
			return
		}
		b, _ := io.ReadAll(f)
		f.Close()
		got <- b
	}()
	return path, got
}

// AssertPipe fails the test unless path is still a named pipe.
func AssertPipe(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("%s is now %v, not the pipe it was", path, fi.Mode())
	}
}
