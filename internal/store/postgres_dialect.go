package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/custos-dev/custos/internal/errs"
)

// postgresDialect is the PostgreSQL engine: a store is the schema custos
// in a database of a server that several hosts share. Its trust boundary
// is the server's roles: the schema belongs to the NOLOGIN role
// custos_owner, operators log in as roles that are members of custos_app,
// which may read and append to the audit log but not change it, and the
// real operator is the session's login role.
type postgresDialect struct{}

//go:embed migrations_postgres/*.sql
var postgresMigrationFiles embed.FS

// postgresMigrations holds the migrations as migrations/NNNN_*.sql; a
// test may add one.
var postgresMigrations fs.FS = func() fs.FS {
	sub, _ := fs.Sub(postgresMigrationFiles, "migrations_postgres")
	return prefixFS{sub}
}()

// pgSchema is the schema that holds a store's tables.
const pgSchema = "custos"

// pgWriteLock is the key of the advisory lock every write transaction
// takes first (the bytes of "custos"): the write lock of SQLite's BEGIN
// IMMEDIATE, per database.
const pgWriteLock int64 = 0x637573746f73

// IsPostgres reports whether location (a --db value) names a PostgreSQL
// store: a postgres:// or postgresql:// URL, or "postgres:" alone for the
// libpq environment (PGHOST, PGDATABASE, … and ~/.pgpass).
func IsPostgres(location string) bool {
	return strings.HasPrefix(location, "postgres:") || strings.HasPrefix(location, "postgresql:")
}

// pgConfig parses a PostgreSQL location into pgx's connection settings.
func pgConfig(location string) (*pgx.ConnConfig, error) {
	dsn := location
	if location == "postgres:" || location == "postgresql:" {
		dsn = ""
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, errs.Invalidf("invalid PostgreSQL location %s: %v", redactDSN(location), err).
			WithHint("give --db as postgres://ROLE@HOST/DATABASE, or postgres: to take it from PGHOST, PGDATABASE and the rest")
	}
	cfg.RuntimeParams["search_path"] = pgSchema
	cfg.RuntimeParams["application_name"] = "custos"
	return cfg, nil
}

// RedactLocation is a --db value without the password a PostgreSQL URL
// may carry, for the audit log; any other value is returned as it is.
func RedactLocation(location string) string {
	if !IsPostgres(location) {
		return location
	}
	return redactDSN(location)
}

// redactDSN is location without a password, for messages and the log.
func redactDSN(location string) string {
	u, err := url.Parse(location)
	if err != nil || u.User == nil {
		return location
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

func (postgresDialect) open(ctx context.Context, location string, opts Options) (*sqlStore, error) {
	s, _, err := openPostgres(ctx, location, opts, false)
	return s, err
}

func (postgresDialect) create(ctx context.Context, location string, opts Options) (*sqlStore, bool, error) {
	return openPostgres(ctx, location, opts, true)
}

func (postgresDialect) connect(s *sqlStore) (*sql.DB, error) { return stdlib.OpenDB(*s.pg), nil }

func (postgresDialect) prepare(context.Context, *sql.DB) error { return nil }

func (postgresDialect) close(s *sqlStore) error { return s.db.Close() }

// beginWrite begins a READ COMMITTED transaction whose first statement
// takes the advisory write lock, waiting up to timeout, so that writers
// queue as on SQLite and each reads the chain's head after the one before
// it committed. (REPEATABLE READ would not do: its snapshot is taken
// before the lock is had.) The lock timeout is the store's busy timeout
// again for the rest of the transaction.
func (postgresDialect) beginWrite(ctx context.Context, db *sql.DB, busyTimeout, timeout time.Duration) (*sql.Tx, error) {
	// READ COMMITTED whatever the server's default: each statement sees
	// what committed before it, the chain's head included.
	tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return nil, err
	}
	_, err = tx.ExecContext(ctx, fmt.Sprintf("SET LOCAL lock_timeout = %d; SELECT pg_advisory_xact_lock(%d); SET LOCAL lock_timeout = %d",
		max(1, timeout.Milliseconds()), pgWriteLock, max(1, busyTimeout.Milliseconds())))
	if err != nil {
		tx.Rollback()
		return nil, err
	}
	return tx, nil
}

// readOptions: a read sees one snapshot from its first statement.
func (postgresDialect) readOptions() *sql.TxOptions {
	return &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead}
}

// beginMigrate begins the migration's write transaction as custos_owner,
// which owns what it creates. A role that is not a member may not migrate.
func (d postgresDialect) beginMigrate(ctx context.Context, s *sqlStore) (*sql.Tx, error) {
	tx, err := d.beginWrite(ctx, s.db, s.opts.BusyTimeout, s.opts.BusyTimeout)
	if err != nil {
		return nil, translate(err)
	}
	if _, err := tx.ExecContext(ctx, "SET LOCAL ROLE custos_owner"); err != nil {
		tx.Rollback()
		return nil, errs.New(errs.Busy, "the store %s needs migrating to schema %d, which only a member of custos_owner may do", s.path, dialectVersion(d)).
			WithHint("as the owner's role, run: custos migrate --db %s", s.path)
	}
	return tx, nil
}

func (postgresDialect) migrations() fs.FS { return postgresMigrations }

// prefixFS shows the files of fsys under migrations/, as the runner
// expects them.
type prefixFS struct{ fsys fs.FS }

func (p prefixFS) Open(name string) (fs.File, error) {
	if name == "migrations" || name == "." {
		return p.fsys.Open(".")
	}
	rest, ok := strings.CutPrefix(name, "migrations/")
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return p.fsys.Open(rest)
}

func (postgresDialect) hasTable(ctx context.Context, q queryer, name string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename = $2`, pgSchema, name).Scan(&n)
	return n > 0, err
}

func (postgresDialect) hasTables(ctx context.Context, q queryer) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = $1`, pgSchema).Scan(&n)
	return n > 0, err
}

// PostgreSQL stores have recorded their version in schema_migrations from
// the first.
func (postgresDialect) legacyVersion(context.Context, queryer) (int, error) { return 0, nil }

func (postgresDialect) setLegacyVersion(context.Context, *sql.Tx, int) error { return nil }

func (postgresDialect) foreign(location string) error {
	return errs.Invalidf("the schema %s of %s holds tables of another program, not a custos store", pgSchema, location).
		WithHint("check the --db location; custos never adds its tables to another program's schema")
}

// bulk: PostgreSQL's buffers are the server's; nothing to raise per session.
func (postgresDialect) bulk(context.Context, execer) error { return nil }

// insertBatch: 256 rows a statement, a round trip each instead of one a
// row (100,000 records: 9.8 s → 1.3 s over a Unix socket).
func (postgresDialect) insertBatch() int { return 256 }

// jsonList: the elements of the array as text.
func (postgresDialect) jsonList(param string) string {
	return "jsonb_array_elements_text(CAST(" + param + " AS jsonb)) AS j(value)"
}

// spoolPath: the failures of a command that could not get the write lock
// wait on the host that ran it, in the user's cache directory, one spool
// per store.
func (postgresDialect) spoolPath(location string) string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	sum := sha256.Sum256([]byte(redactDSN(location)))
	return filepath.Join(dir, "custos", "spool-"+hex.EncodeToString(sum[:8]))
}

// listen opens a connection of its own that LISTENs on custos_audit,
// which the audit log's trigger notifies at every commit that appends to
// it: audit export --follow then wakes within a round trip of a commit,
// and looks anyway after max.
func (postgresDialect) listen(ctx context.Context, s *sqlStore) (func(context.Context, time.Duration) error, func(), error) {
	conn, err := pgx.ConnectConfig(ctx, s.pg.Copy())
	if err != nil {
		return nil, nil, translate(err)
	}
	if _, err := conn.Exec(ctx, "LISTEN custos_audit"); err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, nil, translate(err)
	}
	wait := func(ctx context.Context, max time.Duration) error {
		wctx, cancel := context.WithTimeout(ctx, max)
		defer cancel()
		_, err := conn.WaitForNotification(wctx)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case wctx.Err() != nil:
			return nil // the interval passed: look anyway
		}
		return translate(err)
	}
	return wait, func() { conn.Close(context.Background()) }, nil
}
