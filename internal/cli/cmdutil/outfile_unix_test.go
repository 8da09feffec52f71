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

// A regular file is replaced at Write with exactly the mode asked for; a
// file given up (Close without Write) leaves nothing behind, and a
// directory nobody may write is refused at Open, before any transaction.
func TestOutputFileRegular(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	dir := t.TempDir()
	path := filepath.Join(dir, "report.html")
	o, err := OpenOutputFile(path, 0o640)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Write([]byte("page")); err != nil {
		t.Fatal(err)
	}
	o.Close()
	if err := o.Finish(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "page" {
		t.Errorf("read %q", b)
	}
	if fi, _ := os.Stat(path); fi.Mode() != 0o640 {
		t.Errorf("mode %v, want -rw-r-----", fi.Mode())
	}
	o, err = OpenOutputFile(path, 0o640)
	if err != nil {
		t.Fatal(err)
	}
	o.Close()
	if b, _ := os.ReadFile(path); string(b) != "page" {
		t.Errorf("a file given up replaced the old one: %q", b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%d files in the directory, want 1", len(ents))
	}
	if _, err := OpenOutputFile(dir, 0o640); err == nil {
		t.Error("a directory was accepted")
	}
	missing := filepath.Join(dir, "nodir", "x")
	if _, err := OpenOutputFile(missing, 0o640); err == nil || err.Error() != "create "+missing+": no such file or directory" {
		t.Errorf("a missing directory: %v, want the path asked for named", err)
	}
	if os.Geteuid() != 0 {
		ro := filepath.Join(t.TempDir(), "ro")
		os.Mkdir(ro, 0o500)
		if _, err := OpenOutputFile(filepath.Join(ro, "x"), 0o640); err == nil {
			t.Error("a directory that cannot be written was accepted")
		}
	}
}

// A pipe is opened at Open, gets the bytes at Finish, and stays a pipe.
// (That nothing waits on it inside a transaction is tested end to end.)
func TestOutputFilePipeGetsBytesAtFinish(t *testing.T) {
	path, got := fifo.Reader(t)
	o, err := OpenOutputFile(path, 0o640)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if err := o.Write([]byte("page")); err != nil {
		t.Fatal(err)
	}
	if err := o.Finish(); err != nil {
		t.Fatal(err)
	}
	fifo.AssertPipe(t, path)
	if b := <-got; string(b) != "page" {
		t.Errorf("the pipe's reader got %q", b)
	}
}
