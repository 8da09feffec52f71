package store

import (
	"context"
	"errors"
	"syscall"

	"github.com/custos-dev/custos/internal/errs"
)

// userVersion reads PRAGMA user_version: the schema version of a store
// from before schema_migrations, and the file's mark of a custos store.
func (s *Store) userVersion(ctx context.Context, q queryer) (int, error) {
	var v int
	if err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		if errors.Is(err, syscall.EACCES) {
			return 0, errs.Wrap(errs.Busy, err, "the store is unavailable: %v", err)
		}
		return 0, translate(err)
	}
	return v, nil
}
