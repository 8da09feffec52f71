// Package store is custos's persistence: opening the store file, migrating
// its schema, the audited invocation pipeline, and the SQL behind every
// domain service. No SQL lives outside this package.
//
// Statements are written portably ($1 placeholders, TEXT hex hashes,
// sequence numbers assigned here rather than by the database) so that a
// PostgreSQL implementation can sit behind the same API. Every stored time
// is TEXT in one fixed-width UTC form (formatTime), so text order is time
// order on both engines.
//
// The single-writer invariant: every write transaction takes the store's
// write lock when it begins (BEGIN IMMEDIATE on SQLite), so writers run one
// at a time and each sees everything committed before it. Ids and sequence
// numbers are allocated under that lock as one more than the largest
// (nextNumber, the one place that does it), the audit chain's head is read
// under it, and no code may write outside such a transaction.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"syscall"
	"time"

	"github.com/custos-dev/custos/internal/errs"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Options configure how a store is opened.
type Options struct {
	// BusyTimeout is how long a command waits for another process's write
	// lock before it gives up with exit 7.
	BusyTimeout time.Duration
	// Parents lets Create make the missing directories of the store's
	// path (init --parents, or the default location); otherwise a missing
	// directory is more likely a typo than a wish.
	Parents bool
	// Notice receives messages for the operator that come up while a
	// command runs ("warning: ...", "notice: ..."); nil drops them.
	Notice func(msg string)
}

// DefaultBusyTimeout is used when Options.BusyTimeout is zero.
const DefaultBusyTimeout = 10 * time.Second

// Store is an open custos store.
type Store struct {
	db   *sql.DB
	path string
	opts Options
	// readOnly is set when the file may not be written (see readOnlyFile).
	readOnly bool
	// Warnings are notices for the operator found while opening, such as a
	// store file readable by other users.
	Warnings []string
}

// Path is the store's file path.
func (s *Store) Path() string { return s.path }

// Close closes the store, first checkpointing the WAL if it has grown (see
// walTruncateAt).
func (s *Store) Close() error {
	if !s.readOnly {
		checkpointIfLarge(context.Background(), s.db, s.path)
	}
	return s.db.Close()
}

// checkReadOnlySchema stands in for migrate on a store that cannot be
// written: a schema older than this custos cannot be brought forward.
func (s *Store) checkReadOnlySchema(ctx context.Context) error {
	have, _, err := s.schemaVersion(ctx, s.db)
	if err != nil {
		return err
	}
	switch want := SchemaVersion(); {
	case have == 0:
		return foreignDatabase(s.path)
	case have < want:
		return errs.New(errs.Busy, "the store %s has schema version %d and needs migrating to %d, which a read-only store cannot be", s.path, have, want).
			WithHint("open it once with write access to migrate it, or read it with the custos version that wrote it")
	case have > want:
		return errs.New(errs.Internal, "the store %s has schema version %d, newer than this custos understands (%d)", s.path, have, want).
			WithHint("upgrade custos")
	}
	return nil
}

func open(ctx context.Context, path string, opts Options, readOnly bool) (*Store, error) {
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = DefaultBusyTimeout
	}
	s := &Store{path: path, opts: opts, readOnly: readOnly}
	db, err := sql.Open("sqlite", s.dsn())
	if err != nil {
		return nil, errs.Wrap(errs.Busy, err, "cannot open the store: %v", err)
	}
	// One connection: a command is one sequence of transactions, and a
	// second connection would only cost another open and pragma round.
	db.SetMaxOpenConns(1)
	s.db = db
	if readOnly {
		if err := s.checkReadOnlySchema(ctx); err != nil {
			db.Close()
			return nil, err
		}
		return s, nil
	}
	if err := persistWAL(ctx, db); err != nil {
		db.Close()
		return nil, translate(err)
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// migrations returns the embedded migrations in order; migration i+1 brings
// the schema to version i+1.
func migrations() ([]string, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	out := make([]string, len(names))
	for i, n := range names {
		b, err := migrationFS.ReadFile(n)
		if err != nil {
			return nil, err
		}
		out[i] = string(b)
	}
	return out, nil
}

// SchemaVersion is the schema version this binary writes: the number of
// migrations, counted without reading them, since every command asks.
func SchemaVersion() int {
	names, _ := fs.Glob(migrationFS, "migrations/*.sql")
	return len(names)
}

// The schema's version is recorded in schema_migrations, one row per
// migration applied (applied_at ” for the versions a store already had
// when it was adopted: before this table, the version lived only in PRAGMA
// user_version). The SQLite dialect also keeps user_version equal to the
// newest version: it is the file header's mark of a custos store
// (checkSQLiteFile reads it before opening) and what custos versions from
// before schema_migrations read, so that they refuse a newer store.
const createSchemaMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER PRIMARY KEY,
    applied_at  TEXT NOT NULL
)`

// schemaVersion returns the store's schema version, and whether it is
// recorded in schema_migrations (false: in user_version only, a store to
// adopt, or a new or foreign file at version 0). The check on every start
// is one query.
func (s *Store) schemaVersion(ctx context.Context, q queryer) (int, bool, error) {
	var v sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v)
	if err == nil {
		return int(v.Int64), true, nil
	}
	var tables int
	if err2 := q.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&tables); err2 != nil || tables > 0 {
		if errors.Is(err, syscall.EACCES) {
			return 0, false, errs.Wrap(errs.Busy, err, "the store is unavailable: %v", err)
		}
		return 0, false, translate(err)
	}
	have, err := s.userVersion(ctx, q)
	return have, false, err
}

// migrate brings the schema up to date, in one write transaction that
// re-reads the version under the lock, so concurrent first starts are safe.
func (s *Store) migrate(ctx context.Context) error {
	want := SchemaVersion()
	have, recorded, err := s.schemaVersion(ctx, s.db)
	if err != nil {
		return err
	}
	if have == want && recorded {
		return nil
	}
	if have == 0 {
		// Another program's database whose schema is still in its WAL
		// (checkSQLiteFile reads only the main file): a custos schema is
		// never there at version 0, as each migration sets the version in
		// its own transaction.
		var tables int
		if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema`).Scan(&tables); err != nil {
			return translate(err)
		}
		if tables > 0 {
			return foreignDatabase(s.path)
		}
	}
	if have > want {
		return s.newerSchema(have, want)
	}
	steps, err := migrations()
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return translate(err)
	}
	defer tx.Rollback()
	if have, recorded, err = s.schemaVersion(ctx, tx); err != nil || (have >= want && recorded) {
		return err
	}
	if have > want {
		return s.newerSchema(have, want)
	}
	if !recorded {
		if _, err := tx.ExecContext(ctx, createSchemaMigrations); err != nil {
			return translate(err)
		}
		for v := 1; v <= have; v++ {
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, '')`, v); err != nil {
				return translate(err)
			}
		}
	}
	now := formatTime(time.Now())
	for i := have; i < want; i++ {
		if _, err := tx.ExecContext(ctx, steps[i]); err != nil {
			return errs.Wrap(errs.Internal, translate(err), "migrating the store to schema %d: %v", i+1, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`, i+1, now); err != nil {
			return translate(err)
		}
	}
	// PRAGMA takes no placeholders; want is an integer we control.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", want)); err != nil {
		return translate(err)
	}
	return translate(tx.Commit())
}

// newerSchema refuses a store written by a newer custos (exit 1).
func (s *Store) newerSchema(have, want int) error {
	return errs.New(errs.Internal, "the store %s has schema version %d, newer than this custos understands (%d)", s.path, have, want).
		WithHint("upgrade custos; this version refuses to touch the store so it cannot damage it")
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}
