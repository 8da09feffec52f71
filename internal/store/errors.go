package store

import (
	"context"
	"errors"
	"syscall"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/custos-dev/custos/internal/errs"
)

// translate turns driver errors into coded errors at the store boundary:
// a lock that could not be had is Busy, a uniqueness violation a Conflict.
// Errors that already carry a code pass through.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var coded *errs.Error
	if errors.As(err, &coded) {
		return err
	}
	if errors.Is(err, context.Canceled) {
		return errs.Wrap(errs.Interrupted, err, "interrupted")
	}
	if errors.Is(err, syscall.EPIPE) {
		return errs.Wrap(errs.Interrupted, err, "interrupted: the output was closed (broken pipe)")
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return errs.Wrap(errs.Busy, err, "the store is busy: another custos process held it for longer than the busy timeout").
				WithHint("try again; raise busy_timeout in the config if this recurs")
		case sqlite3.SQLITE_CONSTRAINT:
			switch se.Code() {
			case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
				return errs.Wrap(errs.Conflict, err, "already exists: %v", err)
			}
		case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM:
			return errs.Wrap(errs.Busy, err, "the store is unavailable: %v", err).
				WithHint("check that you may read and write the store file and its directory")
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return errs.Wrap(errs.Integrity, err, "the store file is damaged or not a custos store: %v", err)
		}
	}
	return err
}
