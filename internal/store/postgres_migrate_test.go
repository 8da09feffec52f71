package store

import (
	"context"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/testutil/pgtest"
)

// A schema older than the binary is migrated by the owner's role and
// refused, with the hint to run custos migrate as the owner, for an
// operator's role, which could not change it anyway.
func TestPostgresOlderSchemaNeedsTheOwner(t *testing.T) {
	if !pgtest.Enabled() {
		t.Skip("PostgreSQL only (CUSTOS_TEST_POSTGRES)")
	}
	ctx := context.Background()
	s := MustOpen(t)
	owner := s.Path()
	s.Close()

	// This binary's migrations, and one more.
	next := fstest.MapFS{}
	names, err := fs.Glob(postgresMigrations, "migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		b, err := fs.ReadFile(postgresMigrations, name)
		if err != nil {
			t.Fatal(err)
		}
		next[name] = &fstest.MapFile{Data: b}
	}
	want := dialectVersion(postgresDialect{}) + 1
	next[fmt.Sprintf("migrations/%04d_next.sql", want)] = &fstest.MapFile{Data: []byte(`CREATE TABLE next_step (x BIGINT); GRANT SELECT ON next_step TO custos_app;`)}
	old := postgresMigrations
	t.Cleanup(func() { postgresMigrations = old })
	postgresMigrations = next

	if err := pgtest.AppLogin("custos_test_app"); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(owner)
	u.User = url.User("custos_test_app")
	_, err = openSQL(ctx, u.String(), Options{})
	if errs.CodeOf(err) != errs.Busy || !strings.Contains(errs.HintOf(err), "custos migrate") {
		t.Fatalf("an operator's role on an older schema: %v (hint %q)", err, errs.HintOf(err))
	}
	s, err = openSQL(ctx, owner, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var v int
	if err := s.db.QueryRow(`SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil || v != want {
		t.Fatalf("version %d, %v", v, err)
	}
	app, err := openSQL(ctx, u.String(), Options{})
	if err != nil {
		t.Fatalf("once migrated, the operator's role opens it: %v", err)
	}
	app.Close()
}
