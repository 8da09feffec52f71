package store

import (
	"context"
	"database/sql"
	"io/fs"
	"time"

	"github.com/custos-dev/custos/internal/audit"
)

// A dialect is what one database engine adds to the store's portable SQL.
// Every other file of the package is written over database/sql in the
// subset of SQL the engines share, and calls the dialect for the pieces
// that differ: opening the store (and the checks of its location),
// beginning a write transaction under the write lock, translating driver
// errors, the schema's migrations and the engine's own record of their
// version, the bulk session, the parallel verification of the audit
// chain, and closing. Each engine's dialect lives in files named after it.
type dialect interface {
	// open opens the existing store at location, migrating it; create
	// makes it when it does not exist, reporting whether it did.
	open(ctx context.Context, location string, opts Options) (*sqlStore, error)
	create(ctx context.Context, location string, opts Options) (*sqlStore, bool, error)
	// connect opens the connection pool of s (s.readOnly decides how).
	connect(s *sqlStore) (*sql.DB, error)
	// prepare readies the pool of a writable store before it migrates.
	prepare(ctx context.Context, db *sql.DB) error
	// close ends the store's session with the engine and closes its pool.
	close(s *sqlStore) error

	// beginWrite begins a write transaction that holds the store's write
	// lock, waiting up to timeout for another writer; busyTimeout is the
	// store's wait for any other lock.
	beginWrite(ctx context.Context, db *sql.DB, busyTimeout, timeout time.Duration) (*sql.Tx, error)
	// readOptions are the options of a read transaction.
	readOptions() *sql.TxOptions
	// beginMigrate begins the transaction that migrates the schema of s.
	beginMigrate(ctx context.Context, s *sqlStore) (*sql.Tx, error)
	// isBusy reports whether err says the write lock could not be had.
	isBusy(err error) bool
	// translate returns the coded error for an error of the engine's
	// driver, or nil when err is not one it knows.
	translate(err error) error

	// migrations holds the schema's migrations, migrations/NNN_*.sql.
	migrations() fs.FS
	// hasTable reports whether the table exists; hasTables whether any does.
	hasTable(ctx context.Context, q queryer, name string) (bool, error)
	hasTables(ctx context.Context, q queryer) (bool, error)
	// legacyVersion reads the schema version recorded the engine's own
	// way, before schema_migrations; setLegacyVersion keeps it current.
	legacyVersion(ctx context.Context, q queryer) (int, error)
	setLegacyVersion(ctx context.Context, tx *sql.Tx, version int) error
	// foreign is the error for a database of another program at location.
	foreign(location string) error

	// bulk prepares the session for a command that touches many rows.
	bulk(ctx context.Context, ex execer) error
	// insertBatch is how many rows one INSERT of a bulk intake carries
	// (9 parameters each, under every engine's limit).
	insertBatch() int
	// jsonList is a FROM source of the strings of the JSON array param
	// (a placeholder such as $1), one row each, in a column named value.
	jsonList(param string) string

	// verifyDB opens a pool of read connections for verifying the audit
	// log of s: for the chain (index false) or the object index (true).
	verifyDB(s *sqlStore, index bool) (*sql.DB, error)
	// checkSegment checks entries lo to hi of the chain; checkIndexChunk
	// digests rows lo to hi of the object index.
	checkSegment(ctx context.Context, db *sql.DB, key *audit.ObjectKey, seg *audit.Verifier, lo, hi int64) (*audit.Verifier, audit.ObjectDigest, error)
	checkIndexChunk(ctx context.Context, db *sql.DB, key *audit.ObjectKey, head int64, nseg int, lo, hi int64) (*indexCheck, error)
	// indexSplit splits the object index into n chunks of span rows in
	// the engine's own order, for checkIndexChunk; rows is how many the
	// chain says there are.
	indexSplit(ctx context.Context, db *sql.DB, rows int64) (n, span int64, err error)
	// triggers returns the definition of every trigger in the store, by
	// name; wantTriggers those the store must have.
	triggers(ctx context.Context, tx *sql.Tx) (map[string]string, error)
	wantTriggers() (map[string]string, error)

	// listen returns a wait for new audit entries: it returns when one may
	// have been appended, or after at most max.
	listen(ctx context.Context, s *sqlStore) (wait func(ctx context.Context, max time.Duration) error, stop func(), err error)

	// spoolPath is the file where failures wait while the store is locked.
	spoolPath(location string) string
}

// execer runs a statement: a *sql.DB or a *sql.Tx.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}
