package archive

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/custos-dev/custos/internal/records"
)

// A bind mount under a root shows a directory outside it with the same
// device number; the purge tells it by its mount and destroys nothing
// there.
func TestBindMountUnderARootIsNotDestroyed(t *testing.T) {
	dir := t.TempDir()
	root, outside := filepath.Join(dir, "root"), filepath.Join(dir, "outside")
	os.MkdirAll(filepath.Join(root, "mnt"), 0o700)
	os.MkdirAll(outside, 0o700)
	body := []byte("precious")
	os.WriteFile(filepath.Join(outside, "p.txt"), body, 0o600)
	if err := syscall.Mount(outside, filepath.Join(root, "mnt"), "", syscall.MS_BIND, ""); err != nil {
		t.Skipf("cannot bind-mount here (%v): needs root", err)
	}
	defer syscall.Unmount(filepath.Join(root, "mnt"), 0)
	sum := sha256.Sum256(body)
	r := &records.Record{ID: 1, Location: filepath.Join(root, "mnt", "p.txt"), SHA256: hex.EncodeToString(sum[:])}
	rs, _ := OpenRoots([]string{root})
	defer rs.Close()
	d, f := rs.Inspect(r)
	if f != nil {
		f.Close()
	}
	if d.Action != records.FileSkip {
		t.Fatalf("a file behind a bind mount: %+v", d)
	}
	out, err := rs.DestroyAll([]DestroyItem{{R: r, Archived: true}})
	if err != nil || out[0].Gone {
		t.Fatalf("destroyed through a bind mount: %+v %v", out, err)
	}
	if b, _ := os.ReadFile(filepath.Join(outside, "p.txt")); string(b) != "precious" {
		t.Fatalf("the file outside the root now holds %q", b)
	}
}
