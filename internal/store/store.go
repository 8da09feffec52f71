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
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"modernc.org/sqlite" // registers the "sqlite" driver

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

// Open opens an existing store, migrating its schema forward if needed. A
// missing store is NotFound with the hint to run `custos init`.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if err := checkLocation(path); err != nil {
		return nil, err
	}
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errs.NotFoundf("no custos store at %s", path).
			WithHint("run `custos init` to create it, or point --db or CUSTOS_DB at an existing store")
	}
	if err != nil {
		return nil, errs.Wrap(errs.Busy, err, "the store is unavailable: %v", err)
	}
	if info.IsDir() {
		return nil, errs.Invalidf("the store path %s is a directory", path).WithHint("give the path of the store file, e.g. %s", filepath.Join(path, "custos.db"))
	}
	if err := checkSQLiteFile(path, info); err != nil {
		return nil, err
	}
	return openFile(ctx, path, info, opts)
}

// openFile opens the file at path, found by Open to be a store or made
// empty by Create.
func openFile(ctx context.Context, path string, info fs.FileInfo, opts Options) (*Store, error) {
	s, err := open(ctx, path, opts, readOnlyFile(path, info))
	if err != nil {
		return nil, err
	}
	if info.Mode().Perm()&0o007 != 0 {
		s.Warnings = append(s.Warnings, fmt.Sprintf("the store %s is accessible to every user on this host (mode %04o); run: chmod o-rwx %s", path, info.Mode().Perm(), path))
	}
	return s, nil
}

// Create creates the store file if it does not exist and opens it. created
// reports whether this call made the file. A new file is mode 0600, or 0660
// when its directory is set-group-ID, the convention for a directory shared
// by a group of administrators.
func Create(ctx context.Context, path string, opts Options) (s *Store, created bool, err error) {
	if err := checkLocation(path); err != nil {
		return nil, false, err
	}
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) && !opts.Parents {
		return nil, false, errs.Invalidf("the directory %s of the store does not exist", dir).
			WithHint("create it, or run custos init --parents to create it (mode 0700)")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, false, errs.Wrap(errs.Busy, err, "cannot create the store directory: %v", err)
	}
	mode := os.FileMode(0o600)
	if di, err := os.Stat(dir); err == nil && di.Mode()&os.ModeSetgid != 0 {
		mode = 0o660
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, mode)
	switch {
	case err == nil:
		created = true
		// The umask may have narrowed the mode; a shared store needs exactly it.
		chmodErr := f.Chmod(mode)
		if closeErr := f.Close(); chmodErr == nil {
			chmodErr = closeErr
		}
		if chmodErr != nil {
			return nil, false, errs.Wrap(errs.Internal, chmodErr, "cannot set the store's mode: %v", chmodErr)
		}
	case errors.Is(err, fs.ErrExist):
		s, err = Open(ctx, path, opts)
		return s, false, err
	default:
		return nil, false, errs.Wrap(errs.Busy, err, "cannot create the store: %v", err)
	}
	// Only the file made just now may be empty: Open refuses any other.
	info, err := os.Stat(path)
	if err == nil {
		s, err = openFile(ctx, path, info, opts)
	}
	if err != nil {
		os.Remove(path)
		return nil, false, translate(err)
	}
	return s, true, nil
}

// sqliteHeader starts every SQLite database file.
const sqliteHeader = "SQLite format 3\x00"

// checkSQLiteFile refuses an existing file that is not a SQLite database:
// an empty file (a touch, a failed copy) or anything else given to --db by
// mistake would otherwise be filled with a schema, and the file, whatever
// its mode, would become a store. An empty file whose write-ahead log
// holds data is a store whose first pages are not checkpointed yet.
func checkSQLiteFile(path string, info fs.FileInfo) error {
	if info.Size() == 0 {
		if wal, err := os.Stat(path + "-wal"); err == nil && wal.Size() > 0 {
			return nil
		}
		return errs.Invalidf("%s is empty, not a custos store", path).
			WithHint("give the path of an existing store, or remove the empty file and run custos init")
	}
	f, err := os.Open(path)
	if err != nil {
		// Unreadable: let the open report it with SQLite's words.
		return nil
	}
	defer f.Close()
	hdr := make([]byte, 100)
	n, _ := io.ReadFull(f, hdr)
	if n < len(sqliteHeader) || string(hdr[:len(sqliteHeader)]) != sqliteHeader {
		return errs.Invalidf("%s is not a SQLite database, not a custos store", path).
			WithHint("check the --db path; custos never overwrites a file that is not its store")
	}
	// Checked here from the header too, before opening the file switches
	// it to WAL mode: a schema (cookie at byte 40) without a custos schema
	// version (user_version at byte 60) is another program's database.
	if n == len(hdr) && binary.BigEndian.Uint32(hdr[40:]) != 0 && binary.BigEndian.Uint32(hdr[60:]) == 0 {
		return foreignDatabase(path)
	}
	return nil
}

func foreignDatabase(path string) error {
	return errs.Invalidf("%s is a SQLite database of another program, not a custos store", path).
		WithHint("check the --db path; custos never adds its tables to another database")
}

// checkLocation refuses paths the SQLite store cannot safely live at.
func checkLocation(path string) error {
	if strings.HasPrefix(path, "postgres://") || strings.HasPrefix(path, "postgresql://") {
		return errs.Invalidf("PostgreSQL stores are not supported by this version of custos").
			WithHint("use a SQLite store path for --db")
	}
	if strings.ContainsAny(path, "?#") {
		return errs.Invalidf("the store path %q may not contain '?' or '#'", path)
	}
	if path == "" {
		return errs.Invalidf("no store path: set --db, CUSTOS_DB or db in the config file")
	}
	if fsName := networkFS(filepath.Dir(path)); fsName != "" {
		return errs.New(errs.Busy, "the store %s is on a network file system (%s), where SQLite's write-ahead log is unsafe", path, fsName).
			WithHint("keep the SQLite store on a local disk of one host, or use PostgreSQL when several hosts must share it")
	}
	return nil
}

// dsn builds the connection string. Every connection gets:
//   - journal_mode=WAL: readers never block the writer, and a commit is one
//     append to the log;
//   - synchronous=FULL: the WAL is synced at every commit, so an audit tool
//     never loses its last committed entry on power loss;
//   - foreign_keys=1: SQLite leaves them off unless asked;
//   - busy_timeout: a process waiting for the write lock queues instead of
//     failing at once;
//   - _txlock=immediate: write transactions take the write lock at BEGIN,
//     so two processes never both read and then fail to upgrade.
//
// journal_mode is persistent in the file, so it is set once, when the
// header says the file is not in WAL mode yet, not on every start.
func dsn(path string, timeout time.Duration, setWAL bool) string {
	wal := ""
	if setWAL {
		wal = "&_pragma=journal_mode(WAL)"
	}
	return fmt.Sprintf("%s?_pragma=busy_timeout(%d)%s&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)&_pragma=journal_size_limit(0)&_txlock=immediate",
		path, timeout.Milliseconds(), wal)
}

// dsn is the connection string of the store's own connections.
func (s *Store) dsn() string {
	if s.readOnly {
		return readOnlyDSN(s.path) + fmt.Sprintf("&_pragma=busy_timeout(%d)", s.opts.BusyTimeout.Milliseconds())
	}
	return dsn(s.path, s.opts.BusyTimeout, !inWALMode(s.path))
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

// inWALMode reads the file header: bytes 18 and 19 are 2 in WAL mode.
func inWALMode(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var hdr [20]byte
	if _, err := io.ReadFull(f, hdr[:]); err != nil {
		return false
	}
	return string(hdr[:16]) == "SQLite format 3\x00" && hdr[18] == 2 && hdr[19] == 2
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

// persistWAL keeps the WAL and shared-memory files when the last
// connection closes. With journal_size_limit 0 the closing checkpoint
// truncates the WAL to nothing, so the next command finds an empty WAL to
// append to: it neither recreates the two files (and syncs the directory)
// nor replays old frames.
func persistWAL(ctx context.Context, db *sql.DB) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		fc, ok := dc.(sqlite.FileControl)
		if !ok {
			return nil
		}
		if _, err := fc.FileControlPersistWAL("main", 1); err != nil {
			return err
		}
		deferCheckpoints(dc)
		return nil
	})
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
