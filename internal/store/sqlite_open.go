package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/custos-dev/custos/internal/errs"
)

// openSQLite opens an existing store file, migrating its schema forward if
// needed. A missing store is NotFound with the hint to run `custos init`.
func openSQLite(ctx context.Context, path string, opts Options) (*sqlStore, error) {
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
func openFile(ctx context.Context, path string, info fs.FileInfo, opts Options) (*sqlStore, error) {
	s, err := newStore(ctx, sqliteDialect{}, path, opts, readOnlyFile(path, info))
	if err != nil {
		return nil, err
	}
	if info.Mode().Perm()&0o007 != 0 {
		s.warnings = append(s.warnings, fmt.Sprintf("the store %s is accessible to every user on this host (mode %04o); run: chmod o-rwx %s", path, info.Mode().Perm(), path))
	}
	return s, nil
}

// createSQLite creates the store file if it does not exist and opens it. created
// reports whether this call made the file. A new file is mode 0600, or 0660
// when its directory is set-group-ID, the convention for a directory shared
// by a group of administrators.
func createSQLite(ctx context.Context, path string, opts Options) (s *sqlStore, created bool, err error) {
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
		s, err = openSQLite(ctx, path, opts)
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
func (s *sqlStore) dsn() string {
	if s.readOnly {
		return readOnlyDSN(s.path) + fmt.Sprintf("&_pragma=busy_timeout(%d)", s.opts.BusyTimeout.Milliseconds())
	}
	return dsn(s.path, s.opts.BusyTimeout, !inWALMode(s.path))
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

// persistWAL keeps the WAL and shared-memory files when the last
// connection closes. With journal_size_limit 0 the closing checkpoint
// truncates the WAL to nothing, so the next command finds an empty WAL to
// append to: it neither recreates the two files (and syncs the directory)
// nor replays old frames.
//
// It also has SQLite sync with fdatasync(2) instead of fsync(2), as the
// C library does wherever its build finds fdatasync (every Linux
// distribution's sqlite3): a commit still waits for the WAL's frames and
// its size to reach the disk, only not for its modification time.
// modernc.org/sqlite keeps fsync unless asked.
func persistWAL(ctx context.Context, db *sql.DB) error {
	sqlite.Fdatasync(true)
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

// readOnlyFile reports whether the store file is one this process must
// not write: an auditor's copy, a file of another user it may only read,
// a read-only mount. Such a store is opened read-only so that commands
// that only read still work (and say they could not be recorded) instead
// of failing on SQLite's "attempt to write a readonly database".
//
// Root may write any file on a writable mount whatever its mode, so for
// root a file with no write bit at all (chmod 0400, 0440, 0444) counts as
// read-only too: it is the clearest statement an administrator can make
// that a copy is to be kept as it is, and writing it anyway would make a
// verified copy change under the auditor's hands.
func readOnlyFile(path string, info fs.FileInfo) bool {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS)
	}
	f.Close()
	return os.Geteuid() == 0 && info.Mode().Perm()&0o222 == 0
}

// readOnlyDSN opens the file with mode=ro, through its WAL when one is
// beside it (a live store, or a copy of all its files), or with
// immutable=1 when there is none (a single-file copy): a read-only
// connection would otherwise need to create the WAL index, and with
// immutable SQLite neither locks nor looks for a WAL, which no one can
// write into a file nobody may write anyway.
func readOnlyDSN(path string) string {
	mode := "mode=ro"
	if _, err := os.Stat(path + "-wal"); err != nil {
		mode = "immutable=1"
	}
	// The path is a URI here: '%' would start an escape ('?' and '#' are
	// refused by checkLocation).
	return "file:" + strings.ReplaceAll(path, "%", "%25") + "?" + mode + "&_pragma=foreign_keys(1)&_pragma=query_only(1)"
}
