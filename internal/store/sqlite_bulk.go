package store

import (
	"context"
	"fmt"
)

// bulkCacheKiB is the page cache of commands that touch many records:
// bulk inserts land at random places in the indexes, and a purge deletes
// in creation-time order, which is random in the table; with SQLite's
// default 2 MB cache both spend their time re-reading pages.
const bulkCacheKiB = 131072

// BulkCache raises the page cache of the store's connection for the rest
// of the command.
func (s *Store) BulkCache(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = -%d", bulkCacheKiB))
	return err
}
