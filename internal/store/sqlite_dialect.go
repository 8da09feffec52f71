package store

import (
	"context"
	"database/sql"
	"io/fs"
	"time"
)

// sqliteDialect is the SQLite engine: a store is one file (with its WAL
// and shared-memory files beside it) on a local disk of one host.
type sqliteDialect struct{}

// builtin is the dialect of a store named by a path, the default.
var builtin dialect = sqliteDialect{}

// dialects are every engine's, which translate asks about a driver error.
var dialects = []dialect{builtin, postgresDialect{}}

// dialectFor returns the dialect of the store at location (a --db value):
// PostgreSQL for a postgres:// URL, SQLite for a path.
func dialectFor(location string) dialect {
	if IsPostgres(location) {
		return postgresDialect{}
	}
	return builtin
}

func (sqliteDialect) readOptions() *sql.TxOptions { return &sql.TxOptions{ReadOnly: true} }

// beginMigrate: the connection's transactions take the write lock at
// BEGIN (_txlock=immediate).
func (sqliteDialect) beginMigrate(ctx context.Context, s *sqlStore) (*sql.Tx, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	return tx, translate(err)
}

// indexSplit: SQLite's rows are numbered (rowid), so chunks of
// indexChunk row numbers split the table without a sort.
func (sqliteDialect) indexSplit(_ context.Context, _ *sql.DB, rows int64) (int64, int64, error) {
	return max(1, (rows+indexChunk-1)/indexChunk), indexChunk, nil
}

func (sqliteDialect) wantTriggers() (map[string]string, error) { return sqliteTriggerSQL() }

func (sqliteDialect) open(ctx context.Context, path string, opts Options) (*sqlStore, error) {
	return openSQLite(ctx, path, opts)
}

func (sqliteDialect) create(ctx context.Context, path string, opts Options) (*sqlStore, bool, error) {
	return createSQLite(ctx, path, opts)
}

func (sqliteDialect) connect(s *sqlStore) (*sql.DB, error) { return sql.Open("sqlite", s.dsn()) }

func (sqliteDialect) prepare(ctx context.Context, db *sql.DB) error { return persistWAL(ctx, db) }

// close checkpoints the WAL first if it has grown (see walTruncateAt).
func (sqliteDialect) close(s *sqlStore) error {
	if !s.readOnly {
		checkpointIfLarge(context.Background(), s.db, s.path)
	}
	return s.db.Close()
}

func (sqliteDialect) migrations() fs.FS { return sqliteMigrations }

func (sqliteDialect) foreign(path string) error { return foreignDatabase(path) }

func (sqliteDialect) spoolPath(path string) string { return path + ".spool" }

// listen: SQLite has no notifications; the wait is the whole interval.
func (sqliteDialect) listen(context.Context, *sqlStore) (func(context.Context, time.Duration) error, func(), error) {
	wait := func(ctx context.Context, max time.Duration) error {
		t := time.NewTimer(max)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			return nil
		}
	}
	return wait, func() {}, nil
}
