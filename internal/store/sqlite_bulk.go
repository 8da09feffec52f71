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

// bulk raises the page cache of the connection for the rest of the
// command.
func (sqliteDialect) bulk(ctx context.Context, ex execer) error {
	_, err := ex.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = -%d", bulkCacheKiB))
	return err
}

// insertBatch: one row a statement; modernc's binding of a statement of
// many rows costs three times as many one-row statements.
func (sqliteDialect) insertBatch() int { return 1 }

// jsonList: SQLite's json_each.
func (sqliteDialect) jsonList(param string) string { return "json_each(" + param + ")" }
