package store

import (
	"context"
	"database/sql"
	"io/fs"
)

// sqliteDialect is the SQLite engine: a store is one file (with its WAL
// and shared-memory files beside it) on a local disk of one host.
type sqliteDialect struct{}

// builtin is the dialect of every store this custos opens, and the one
// translate asks about a driver error. A PostgreSQL dialect will be chosen
// beside it by the location's scheme in dialectFor.
var builtin dialect = sqliteDialect{}

// dialectFor returns the dialect of the store at location (a --db value).
func dialectFor(string) dialect { return builtin }

func (sqliteDialect) open(ctx context.Context, path string, opts Options) (*Store, error) {
	return openSQLite(ctx, path, opts)
}

func (sqliteDialect) create(ctx context.Context, path string, opts Options) (*Store, bool, error) {
	return createSQLite(ctx, path, opts)
}

func (sqliteDialect) connect(s *Store) (*sql.DB, error) { return sql.Open("sqlite", s.dsn()) }

func (sqliteDialect) prepare(ctx context.Context, db *sql.DB) error { return persistWAL(ctx, db) }

// close checkpoints the WAL first if it has grown (see walTruncateAt).
func (sqliteDialect) close(s *Store) error {
	if !s.readOnly {
		checkpointIfLarge(context.Background(), s.db, s.path)
	}
	return s.db.Close()
}

func (sqliteDialect) migrations() fs.FS { return sqliteMigrations }

func (sqliteDialect) foreign(path string) error { return foreignDatabase(path) }

func (sqliteDialect) spoolPath(path string) string { return path + ".spool" }
