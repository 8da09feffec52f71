// Package pgtest gives tests a PostgreSQL database of their own when
// CUSTOS_TEST_POSTGRES names a server (a superuser's DSN, as
// scripts/pg-test-server prints it): each test's store is a fresh
// database in the C collation, owned by custos_owner and dropped when the
// test ends, so the same tests run on both engines.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

// Env is the variable that names the test server.
const Env = "CUSTOS_TEST_POSTGRES"

// Admin is the superuser DSN of the test server, or "" when the tests run
// on SQLite only.
func Admin() string { return os.Getenv(Env) }

// Enabled reports whether the tests run on PostgreSQL.
func Enabled() bool { return Admin() != "" }

var (
	adminOnce sync.Once
	adminDB   *sql.DB
	adminErr  error
)

// admin is a pool on the server's maintenance database, with the group
// roles of a store made once per server.
func admin() (*sql.DB, error) {
	adminOnce.Do(func() {
		adminDB, adminErr = sql.Open("pgx", Admin())
		if adminErr != nil {
			return
		}
		adminDB.SetMaxOpenConns(4)
		for _, role := range []string{"custos_owner", "custos_app"} {
			if adminErr = createRole(adminDB, role, "NOLOGIN"); adminErr != nil {
				return
			}
		}
	})
	return adminDB, adminErr
}

// createRole makes a role unless it exists; two test processes may race.
func createRole(db *sql.DB, name, options string) error {
	q := fmt.Sprintf(`DO $$ BEGIN
		IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = %s) THEN CREATE ROLE %s %s; END IF;
	EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
	END $$`, quoteLiteral(name), pgx.Identifier{name}.Sanitize(), options)
	_, err := db.Exec(q)
	return err
}

func quoteLiteral(s string) string {
	out := []byte{'\''}
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			out = append(out, '\'')
		}
		out = append(out, s[i])
	}
	return string(append(out, '\''))
}

// Logins makes login roles for the operators tests play (an operator in
// a test script is CUSTOS_TEST_OSUSER, which the test binary turns into
// PGUSER): members of custos_app, and of custos_owner too, since any of
// them may run `custos init` on a test's database.
func Logins(names ...string) error {
	db, err := admin()
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := createRole(db, n, "LOGIN"); err != nil {
			return fmt.Errorf("role %s: %w", n, err)
		}
		if _, err := db.Exec(`GRANT custos_app, custos_owner TO ` + pgx.Identifier{n}.Sanitize()); err != nil {
			return fmt.Errorf("role %s: %w", n, err)
		}
	}
	return nil
}

// AppLogin makes a login role that is a member of custos_app only: an
// operator, not an owner.
func AppLogin(name string) error {
	db, err := admin()
	if err != nil {
		return err
	}
	return createRole(db, name, "LOGIN IN ROLE custos_app")
}

// CreateDatabase makes a fresh database and returns its location for
// --db (with the user of the admin DSN, or none when noUser, so that
// PGUSER chooses) and the function that drops it.
func CreateDatabase(noUser bool) (location string, drop func(), err error) {
	db, err := admin()
	if err != nil {
		return "", nil, err
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "custos_t_" + hex.EncodeToString(b)
	if _, err := db.Exec(`CREATE DATABASE ` + name + ` OWNER custos_owner TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`); err != nil {
		return "", nil, err
	}
	u, err := url.Parse(Admin())
	if err != nil {
		return "", nil, err
	}
	u.Path = "/" + name
	if noUser {
		u.User = nil
	}
	drop = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
	}
	return u.String(), drop, nil
}

// Database is CreateDatabase for a test, dropped when it ends.
func Database(t testing.TB) string {
	t.Helper()
	loc, drop, err := CreateDatabase(false)
	if err != nil {
		t.Fatalf("creating a PostgreSQL test database: %v", err)
	}
	t.Cleanup(drop)
	return loc
}

// Open connects to the database at location as the admin, with the
// store's schema first in the search path: what an intruder with the
// server's superuser would have.
func Open(location string) (*sql.DB, error) {
	u, err := url.Parse(location)
	if err != nil {
		return nil, err
	}
	a, err := url.Parse(Admin())
	if err != nil {
		return nil, err
	}
	a.Path = u.Path
	q := a.Query()
	q.Set("search_path", "custos")
	a.RawQuery = q.Encode()
	return sql.Open("pgx", a.String())
}

// Skip skips t on PostgreSQL, saying why the test is SQLite's alone.
func Skip(t testing.TB, why string) {
	t.Helper()
	if Enabled() {
		t.Skip("SQLite only: " + why)
	}
}
