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
// write lock when it begins (the dialect's beginWrite), so writers run one
// at a time and each sees everything committed before it. Ids and sequence
// numbers are allocated under that lock as one more than the largest
// (nextNumber, the one place that does it), the audit chain's head is read
// under it, and no code may write outside such a transaction.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/custos-dev/custos/internal/errs"
)

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
	// ReadOnly opens the store for reading only: no migration, no write
	// of any kind (shell completion, which must never change a store).
	ReadOnly bool
}

// DefaultBusyTimeout is used when Options.BusyTimeout is zero.
const DefaultBusyTimeout = 10 * time.Second

// Store is an open custos store.
type sqlStore struct {
	db   *sql.DB
	d    dialect
	path string
	opts Options
	// readOnly is set when the file may not be written (see readOnlyFile).
	readOnly bool
	// pg is the connection of a PostgreSQL store, and user its session's
	// role, the real operator.
	pg   *pgx.ConnConfig
	user string
	// migratedFrom is the schema version the store had when this process
	// opened it, when it migrated it.
	migratedFrom int
	// Warnings are notices for the operator found while opening, such as a
	// store file readable by other users.
	warnings []string
}

// Path is the store's file path.
func (s *sqlStore) Path() string { return s.path }

// Close closes the store.
func (s *sqlStore) Close() error { return s.d.close(s) }

// Open opens an existing store, migrating its schema forward if needed. A
// missing store is NotFound with the hint to run `custos init`.
func Open(ctx context.Context, path string, opts Options) (Store, error) {
	s, err := openSQL(ctx, path, opts)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// openSQL is Open with the store's one implementation.
func openSQL(ctx context.Context, path string, opts Options) (*sqlStore, error) {
	return dialectFor(path).open(ctx, path, opts)
}

// Create creates the store if it does not exist and opens it. created
// reports whether this call made it.
func Create(ctx context.Context, path string, opts Options) (Store, bool, error) {
	s, created, err := createSQL(ctx, path, opts)
	if err != nil {
		return nil, false, err
	}
	return s, created, nil
}

// createSQL is Create with the store's one implementation.
func createSQL(ctx context.Context, path string, opts Options) (s *sqlStore, created bool, err error) {
	return dialectFor(path).create(ctx, path, opts)
}

// checkReadOnlySchema stands in for migrate on a store that cannot be
// written: a schema older than this custos cannot be brought forward.
func (s *sqlStore) checkReadOnlySchema(ctx context.Context) error {
	have, _, err := s.schemaVersion(ctx, s.db)
	if err != nil {
		return err
	}
	switch want := SchemaVersion(); {
	case have == 0:
		return s.d.foreign(s.path)
	case have < want:
		return errs.New(errs.Busy, "the store %s has schema version %d and needs migrating to %d, which a read-only store cannot be", s.path, have, want).
			WithHint("open it once with write access to migrate it, or read it with the custos version that wrote it")
	case have > want:
		return errs.New(errs.Internal, "the store %s has schema version %d, newer than this custos understands (%d)", s.path, have, want).
			WithHint("upgrade custos")
	}
	return nil
}

// newStore opens the store at path with the dialect d, once d has checked
// the location, and migrates it unless it is read-only.
func newStore(ctx context.Context, d dialect, path string, opts Options, readOnly bool) (*sqlStore, error) {
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = DefaultBusyTimeout
	}
	s := &sqlStore{d: d, path: path, opts: opts, readOnly: readOnly || opts.ReadOnly}
	readOnly = s.readOnly
	db, err := d.connect(s)
	if err != nil {
		return nil, errs.Wrap(errs.Busy, err, "cannot open the store: %v", err)
	}
	// One connection: a command is one sequence of transactions, and a
	// second connection would only cost another open and its settings.
	db.SetMaxOpenConns(1)
	s.db = db
	if readOnly {
		if err := s.checkReadOnlySchema(ctx); err != nil {
			db.Close()
			return nil, err
		}
		return s, nil
	}
	if err := d.prepare(ctx, db); err != nil {
		db.Close()
		return nil, translate(err)
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// migration is one step of the schema: its SQL brings a store to version.
type migration struct {
	version int
	sql     string
}

// migrations returns the dialect's migrations in order. A file's number is
// the version it brings the schema to; on SQLite they run 1, 2, 3, …,
// while a dialect added later starts from a baseline that creates the
// schema of its first version at once.
func migrations(d dialect) ([]migration, error) {
	fsys := d.migrations()
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	out := make([]migration, len(names))
	for i, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		v, err := strconv.Atoi(strings.SplitN(strings.TrimPrefix(n, "migrations/"), "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("migration %s is not numbered", n)
		}
		out[i] = migration{v, string(b)}
	}
	return out, nil
}

// SchemaVersion is the schema version this binary writes: the number of
// migrations, counted without reading them, since every command asks.
func SchemaVersion() int { return dialectVersion(builtin) }

// dialectVersion is the version the newest of d's migrations brings a
// store to, read from its file name. Every dialect's is SchemaVersion
// (a test holds them to it).
func dialectVersion(d dialect) int {
	names, _ := fs.Glob(d.migrations(), "migrations/*.sql")
	if len(names) == 0 {
		return 0
	}
	slices.Sort(names)
	v, _ := strconv.Atoi(strings.SplitN(strings.TrimPrefix(names[len(names)-1], "migrations/"), "_", 2)[0])
	return v
}

// The schema's version is recorded in schema_migrations, one row per
// migration applied (applied_at ” for the versions a store already had
// when it was adopted: before this table, the version lived only where the
// engine keeps it, the dialect's legacyVersion). Each migration also sets
// the legacy version, for custos versions from before schema_migrations.
const createSchemaMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER PRIMARY KEY,
    applied_at  TEXT NOT NULL
)`

// schemaVersion returns the store's schema version, and whether it is
// recorded in schema_migrations (false: in the legacy version only, a store to
// adopt, or a new or foreign file at version 0). The check on every start
// is one query.
func (s *sqlStore) schemaVersion(ctx context.Context, q queryer) (int, bool, error) {
	var v sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v)
	if err == nil {
		return int(v.Int64), true, nil
	}
	if has, err2 := s.d.hasTable(ctx, q, "schema_migrations"); err2 != nil || has {
		if errors.Is(err, syscall.EACCES) {
			return 0, false, errs.Wrap(errs.Busy, err, "the store is unavailable: %v", err)
		}
		return 0, false, translate(err)
	}
	have, err := s.d.legacyVersion(ctx, q)
	return have, false, err
}

// lockedSchemaVersion is schemaVersion inside the migration's
// transaction, where a failed statement would end the transaction on
// PostgreSQL: it asks whether schema_migrations exists before reading it.
func (s *sqlStore) lockedSchemaVersion(ctx context.Context, tx *sql.Tx) (int, bool, error) {
	has, err := s.d.hasTable(ctx, tx, "schema_migrations")
	if err != nil {
		return 0, false, translate(err)
	}
	if !has {
		v, err := s.d.legacyVersion(ctx, tx)
		return v, false, err
	}
	return s.schemaVersion(ctx, tx)
}

// migrate brings the schema up to date, in one write transaction that
// re-reads the version under the lock, so concurrent first starts are safe.
func (s *sqlStore) migrate(ctx context.Context) error {
	want := dialectVersion(s.d)
	have, recorded, err := s.schemaVersion(ctx, s.db)
	if err != nil {
		return err
	}
	if have == want && recorded {
		return nil
	}
	if have == 0 {
		// Another program's database that the dialect's checks before
		// opening could not see (a schema still in a write-ahead log, say):
		// a custos schema is
		// never there at version 0, as each migration sets the version in
		// its own transaction.
		tables, err := s.d.hasTables(ctx, s.db)
		if err != nil {
			return translate(err)
		}
		if tables {
			return s.d.foreign(s.path)
		}
	}
	if have > want {
		return s.newerSchema(have, want)
	}
	steps, err := migrations(s.d)
	if err != nil {
		return err
	}
	tx, err := s.d.beginMigrate(ctx, s)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if have, recorded, err = s.lockedSchemaVersion(ctx, tx); err != nil || (have >= want && recorded) {
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
	s.migratedFrom = have
	now := formatTime(time.Now())
	for _, step := range steps {
		if step.version <= have {
			continue
		}
		if _, err := tx.ExecContext(ctx, step.sql); err != nil {
			return errs.Wrap(errs.Internal, translate(err), "migrating the store to schema %d: %v", step.version, err)
		}
		// A baseline covers the versions before it too.
		for ; have < step.version; have++ {
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`, have+1, now); err != nil {
				return translate(err)
			}
		}
	}
	if s.migratedFrom < treeVersion && want >= treeVersion {
		if err := buildTree(ctx, tx); err != nil {
			return errs.Wrap(errs.Internal, translate(err), "migrating the store to schema %d: %v", treeVersion, err)
		}
	}
	if err := s.d.setLegacyVersion(ctx, tx, want); err != nil {
		return translate(err)
	}
	return translate(tx.Commit())
}

// SchemaVersions are the schema version the store had when this process
// opened it and the one it has now.
func (t *txn) SchemaVersions() (from, to int, err error) {
	to, _, err = t.store.schemaVersion(t.ctx, t.tx)
	from = to
	if t.store.migratedFrom > 0 {
		from = t.store.migratedFrom
	}
	return from, to, err
}

// newerSchema refuses a store written by a newer custos (exit 1).
func (s *sqlStore) newerSchema(have, want int) error {
	return errs.New(errs.Internal, "the store %s has schema version %d, newer than this custos understands (%d)", s.path, have, want).
		WithHint("upgrade custos; this version refuses to touch the store so it cannot damage it")
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}
