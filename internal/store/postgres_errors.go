package store

import (
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/custos-dev/custos/internal/errs"
)

// isBusy: the advisory lock (or another lock) was not had within
// lock_timeout, or the server gave up the transaction for another's sake.
func (postgresDialect) isBusy(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code {
	case "55P03", "57014", "40001", "40P01":
		return true
	}
	return false
}

// translate codes PostgreSQL's errors by SQLSTATE: a lock not had in time
// is Busy, a uniqueness violation a Conflict, a privilege the role lacks
// (or the append-only triggers) Denied, a server that cannot be reached
// Busy.
func (d postgresDialect) translate(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case d.isBusy(err):
			return errs.Wrap(errs.Busy, err, "the store is busy: another custos process held it for longer than the busy timeout").
				WithHint("try again; raise busy_timeout in the config if this recurs")
		case pe.Code == "23505":
			return errs.Wrap(errs.Conflict, err, "already exists: %v", pe.Message)
		case pe.Code == "42501":
			return errs.Wrap(errs.Denied, err, "the database refused: %s", pe.Message).
				WithHint("operators log in as roles that are members of custos_app; the audit log is append-only for every role")
		case pe.Code == "28P01" || pe.Code == "28000":
			return errs.Wrap(errs.Denied, err, "the database refused the login: %s", pe.Message)
		case strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "57P") || pe.Code == "53300":
			return errs.Wrap(errs.Busy, err, "the store is unavailable: %s", pe.Message)
		}
		return nil
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return errs.Wrap(errs.Busy, err, "cannot connect to the PostgreSQL store: %v", err).
			WithHint("check that the server runs and the --db location; a password goes in ~/.pgpass, never on the command line")
	}
	return nil
}
