package cmdutil

import (
	"errors"
	"fmt"
	"io/fs"
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

// OutputFile is the file a command writes its result to (--out) from
// inside its transaction. It is opened before the command touches the
// store, so that nothing waits inside a transaction on the file: a named
// pipe blocks its writer until a reader opens it, and a reader may read
// slowly or never. A new or regular file is written, atomically, when the
// command calls Write, so that failing to write it fails the command and
// is recorded as its failure; a pipe or device gets the bytes at Finish,
// after the transaction has ended.
type OutputFile struct {
	pending *renameio.PendingFile
	special *os.File
	kept    []byte
}

// OpenOutputFile prepares path for a result of mode perm: a temporary
// file beside a regular or new one (so a directory that cannot be written
// is refused now), or the special file itself, opened for writing. A
// directory is refused. The error is the file system's own.
func OpenOutputFile(path string, perm os.FileMode) (*OutputFile, error) {
	fi, err := os.Stat(path)
	if err == nil && fi.IsDir() {
		return nil, fmt.Errorf("%s is a directory", path)
	}
	if err == nil && !fi.Mode().IsRegular() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return nil, err
		}
		return &OutputFile{special: f}, nil
	}
	p, err := renameio.NewPendingFile(path, renameio.WithPermissions(perm), renameio.WithStaticPermissions(perm))
	if err != nil {
		// The error names the temporary file beside path, which the
		// reader never asked for: name path.
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, &fs.PathError{Op: "create", Path: path, Err: pe.Err}
		}
		return nil, err
	}
	return &OutputFile{pending: p}, nil
}

// Write gives the file its contents: a regular file is replaced now, a
// special file keeps them for Finish.
func (o *OutputFile) Write(b []byte) error {
	if o.special != nil {
		o.kept = b
		return nil
	}
	if _, err := o.pending.Write(b); err != nil {
		return err
	}
	return o.pending.CloseAtomicallyReplace()
}

// Finish writes what a special file was given and closes it; for a
// regular file there is nothing left to do.
func (o *OutputFile) Finish() error {
	if o == nil || o.special == nil {
		return nil
	}
	_, err := o.special.Write(o.kept)
	if cerr := o.special.Close(); err == nil {
		err = cerr
	}
	o.special = nil
	return err
}

// Close gives up what was not written: the temporary file is removed, a
// special file closed. It does nothing after Write or Finish, or on nil
// (no --out).
func (o *OutputFile) Close() {
	if o == nil {
		return
	}
	if o.pending != nil {
		o.pending.Cleanup()
	}
	if o.special != nil {
		o.special.Close()
	}
}
