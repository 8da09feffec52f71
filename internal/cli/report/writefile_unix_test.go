//go:build unix

package report

import (
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// --out naming something that is not a regular file (a pipe here;
// /dev/null or /dev/stdout in use) is written to, not replaced by a new
// file: renaming over /dev/null as root replaced the device.
func TestWriteFileKeepsSpecialFiles(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no fifo:", err)
	}
	got := make(chan []byte)
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
	if err := writeFile(fifo, []byte("<!DOCTYPE html>")); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(fifo)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("%s is now %v, not the pipe it was", fifo, fi.Mode())
	}
	if b := <-got; string(b) != "<!DOCTYPE html>" {
		t.Errorf("the pipe's reader got %q", b)
	}
}
