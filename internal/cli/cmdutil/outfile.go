package cmdutil

import (
	"fmt"
	"os"

	"github.com/google/renameio/v2"
)

// WriteOutputFile writes b to the file a command was told to write (--out
// and the like). A new or regular file is replaced atomically, so a
// reader never sees half of it, and gets exactly perm. A path that exists
// and is not a regular file (/dev/null, /dev/stdout, a pipe, a terminal)
// is written into as it is: renaming a new file over it would replace
// the device, as root does without asking. A directory is refused. The
// error is the file system's own, for the caller to word.
func WriteOutputFile(path string, b []byte, perm os.FileMode) error {
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().IsRegular() {
		return renameio.WriteFile(path, b, perm, renameio.WithStaticPermissions(perm))
	}
	if fi.IsDir() {
		return fmt.Errorf("%s is a directory", path)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
