//go:build unix

package report

import (
	"testing"

	"github.com/custos-dev/custos/internal/testutil/fifo"
)

// --out naming something that is not a regular file (a pipe here;
// /dev/null or /dev/stdout in use) is written to, not replaced by a new
// file: renaming over /dev/null as root replaced the device.
func TestWriteFileKeepsSpecialFiles(t *testing.T) {
	path, got := fifo.Reader(t)
	if err := writeFile(path, []byte("<!DOCTYPE html>")); err != nil {
		t.Fatal(err)
	}
	fifo.AssertPipe(t, path)
	if b := <-got; string(b) != "<!DOCTYPE html>" {
		t.Errorf("the pipe's reader got %q", b)
	}
}
