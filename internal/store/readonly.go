package store

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"syscall"

	"github.com/custos-dev/custos/internal/errs"
)

// readOnlyFile reports whether the store file is one this process must
// not write: an auditor's copy, a file of another user it may only read,
// a read-only mount. Such a store is opened read-only so that commands
// that only read still work (and say they could not be recorded) instead
// of failing on SQLite's "attempt to write a readonly database".
//
// Root may write any file on a writable mount whatever its mode, so for
// root a file with no write bit at all (chmod 0400, 0440, 0444) counts as
// read-only too: it is the clearest statement an administrator can make
// that a copy is to be kept as it is, and writing it anyway would make a
// verified copy change under the auditor's hands.
func readOnlyFile(path string, info fs.FileInfo) bool {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS)
	}
	f.Close()
	return os.Geteuid() == 0 && info.Mode().Perm()&0o222 == 0
}

// readOnlyDSN opens the file with mode=ro, through its WAL when one is
// beside it (a live store, or a copy of all its files), or with
// immutable=1 when there is none (a single-file copy): a read-only
// connection would otherwise need to create the WAL index, and with
// immutable SQLite neither locks nor looks for a WAL, which no one can
// write into a file nobody may write anyway.
func readOnlyDSN(path string) string {
	mode := "mode=ro"
	if _, err := os.Stat(path + "-wal"); err != nil {
		mode = "immutable=1"
	}
	// The path is a URI here: '%' would start an escape ('?' and '#' are
	// refused by checkLocation).
	return "file:" + strings.ReplaceAll(path, "%", "%25") + "?" + mode + "&_pragma=foreign_keys(1)&_pragma=query_only(1)"
}

// ReadOnly reports whether the store was opened read-only: nothing can be
// written, audit entries included.
func (s *Store) ReadOnly() bool { return s.readOnly }

// errReadOnly refuses a command that writes on a read-only store.
func (s *Store) errReadOnly(command string) error {
	return errs.New(errs.Busy, "the store %s is read-only: %s cannot change it", s.path, command).
		WithHint("run it on the writable store; a read-only copy can only be read and verified")
}
