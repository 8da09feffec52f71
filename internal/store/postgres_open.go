package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/custos-dev/custos/internal/errs"
)

// pgConnectTimeout bounds the wait for the server to answer.
const pgConnectTimeout = 30 * time.Second

// openPostgres connects to the store at location and migrates it; with
// create, it first makes the roles and the schema when the database has
// none, reporting whether it did.
func openPostgres(ctx context.Context, location string, opts Options, create bool) (*sqlStore, bool, error) {
	cfg, err := pgConfig(location)
	if err != nil {
		return nil, false, err
	}
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = DefaultBusyTimeout
	}
	// Reaching the server is not waiting for the lock: a short busy
	// timeout must not make a slow network refuse the command (and so
	// lose its audit entry). connect_timeout in the URL decides otherwise.
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = pgConnectTimeout
	}
	d := postgresDialect{}
	s := &sqlStore{d: d, path: redactDSN(location), opts: opts, pg: cfg}
	db, _ := d.connect(s)
	// One connection, as on SQLite: a command is one sequence of
	// transactions.
	db.SetMaxOpenConns(1)
	s.db = db
	ok := false
	defer func() {
		if !ok {
			db.Close()
		}
	}()

	// Who is connected, and whether the database holds a store: one
	// round trip.
	var collate string
	var exists bool
	err = db.QueryRowContext(ctx, `SELECT session_user,
		(SELECT datcollate FROM pg_database WHERE datname = current_database()),
		to_regclass('`+pgSchema+`.schema_migrations') IS NOT NULL`).Scan(&s.user, &collate, &exists)
	if err != nil {
		return nil, false, pgUnavailable(s.path, err)
	}
	created := false
	switch {
	case !exists && !create:
		return nil, false, errs.NotFoundf("no custos store in the PostgreSQL database %s", s.path).
			WithHint("run `custos init --db %s` as the database's owner to create it", s.path)
	case !exists:
		if collate != "C" && collate != "POSIX" {
			return nil, false, errs.Invalidf("the database %s sorts text by the collation %q; custos needs C, so that text order is the order of its times and names", s.path, collate).
				WithHint("create the database with: CREATE DATABASE NAME TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'")
		}
		if created, err = bootstrapPostgres(ctx, s); err != nil {
			return nil, false, err
		}
	}
	if opts.ReadOnly {
		s.readOnly = true
		if err := s.checkReadOnlySchema(ctx); err != nil {
			return nil, false, err
		}
	} else if err := s.migrate(ctx); err != nil {
		return nil, false, err
	}
	ok = true
	return s, created, nil
}

// pgUnavailable is the error of a store that cannot be reached.
func pgUnavailable(location string, err error) error {
	if coded := translate(err); coded != err {
		return coded
	}
	return errs.Wrap(errs.Busy, err, "cannot connect to the PostgreSQL store %s: %v", location, err).
		WithHint("check the server, the --db location and your role's password (~/.pgpass)")
}

// bootstrapPostgres makes what a store needs beside its tables, under the
// write lock so that two first inits do not race: the NOLOGIN roles
// custos_owner (which owns the schema) and custos_app (whose members are
// the operators), the connecting role's membership of custos_owner, and
// the schema. It needs a role that may create roles (or a superuser) the
// first time on a server, and one that may create schemas in the
// database.
func bootstrapPostgres(ctx context.Context, s *sqlStore) (bool, error) {
	tx, err := s.d.beginWrite(ctx, s.db, s.opts.BusyTimeout, s.opts.BusyTimeout)
	if err != nil {
		return false, translate(err)
	}
	defer tx.Rollback()
	var exists bool
	if err := tx.QueryRowContext(ctx, `SELECT to_regclass('`+pgSchema+`.schema_migrations') IS NOT NULL`).Scan(&exists); err != nil || exists {
		return false, translate(err)
	}
	user := pgx.Identifier{s.user}.Sanitize()
	steps := []string{
		`DO $$ BEGIN
			IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'custos_owner') THEN CREATE ROLE custos_owner NOLOGIN; END IF;
			IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'custos_app') THEN CREATE ROLE custos_app NOLOGIN; END IF;
		END $$`,
		`DO $$ BEGIN
			IF NOT pg_has_role(session_user, 'custos_owner', 'MEMBER') THEN GRANT custos_owner TO ` + user + `; END IF;
		END $$`,
		`CREATE SCHEMA IF NOT EXISTS ` + pgSchema + ` AUTHORIZATION custos_owner`,
	}
	for _, step := range steps {
		if _, err := tx.ExecContext(ctx, step); err != nil {
			return false, errs.Wrap(errs.Denied, err, "cannot create the store in %s as %s: %v", s.path, s.user, err).
				WithHint("run custos init as the database's owner; the first time on a server a superuser must run: CREATE ROLE custos_owner NOLOGIN; CREATE ROLE custos_app NOLOGIN; GRANT custos_owner TO %s;", user)
		}
	}
	return true, translate(tx.Commit())
}

// SessionUser is the role the store's session logged in as: on
// PostgreSQL, the real operator. It is "" on SQLite, whose real operator
// is the OS user.
func (s *sqlStore) SessionUser() string { return s.user }

// LoginStatement is, on PostgreSQL, the statement that would let the
// operator name log in to the store when its role is missing or not a
// member of custos_app, for an owner to run (custos needs no CREATEROLE);
// "" when nothing is needed, and always on SQLite.
func (t *txn) LoginStatement(name string) (string, error) {
	if _, ok := t.store.d.(postgresDialect); !ok {
		return "", nil
	}
	var exists, member bool
	err := t.tx.QueryRowContext(t.ctx, `SELECT count(*) > 0,
		coalesce(bool_or(pg_has_role(oid, 'custos_app', 'MEMBER') OR pg_has_role(oid, 'custos_owner', 'MEMBER')), false)
		FROM pg_roles WHERE rolname = $1 AND rolcanlogin`, name).Scan(&exists, &member)
	role := pgx.Identifier{name}.Sanitize()
	switch {
	case err != nil:
		return "", translate(err)
	case !exists:
		return "CREATE ROLE " + role + " LOGIN IN ROLE custos_app;", nil
	case !member:
		return "GRANT custos_app TO " + role + ";", nil
	}
	return "", nil
}
