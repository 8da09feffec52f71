package store

import (
	"errors"
	"regexp"
	"sync"

	"github.com/custos-dev/custos/internal/errs"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

func (sqliteDialect) isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

// translate codes SQLite's errors: a lock that could not be had is Busy,
// a uniqueness violation a Conflict.
func (sqliteDialect) translate(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return errs.Wrap(errs.Busy, err, "the store is busy: another custos process held it for longer than the busy timeout").
				WithHint("try again; raise busy_timeout in the config if this recurs")
		case sqlite3.SQLITE_CONSTRAINT:
			switch se.Code() {
			case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
				return errs.Wrap(errs.Conflict, err, "already exists: %s", sqliteWords(err))
			}
		case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM:
			return errs.Wrap(errs.Busy, err, "the store is unavailable: %s", sqliteWords(err)).
				WithHint("check that you may read and write the store file and its directory")
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return errs.Wrap(errs.Integrity, err, "the store file is damaged or not a custos store: %s", sqliteWords(err))
		}
		// Any other SQLite failure is an internal error, still told in
		// words rather than SQLite's numbers.
		return errs.Wrap(errs.Internal, err, "%s", sqliteWords(err))
	}
	return nil
}

// sqliteCode is the " (1544)" SQLite appends to its messages: a number
// for SQLite's developers, noise for an administrator, who gets the words.
// It is compiled on the first error, not at every start.
var sqliteCode = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(` \(\d+\)`) })

// sqliteWords is err's message without SQLite's numeric result codes.
func sqliteWords(err error) string {
	return sqliteCode().ReplaceAllString(err.Error(), "")
}
