package store

import (
	"github.com/custos-dev/custos/internal/errs"
)

// ReadOnly reports whether the store was opened read-only: nothing can be
// written, audit entries included.
func (s *sqlStore) ReadOnly() bool { return s.readOnly }

// errReadOnly refuses a command that writes on a read-only store.
func (s *sqlStore) errReadOnly(command string) error {
	return errs.New(errs.Busy, "the store %s is read-only: %s cannot change it", s.path, command).
		WithHint("run it on the writable store; a read-only copy can only be read and verified")
}
