package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"syscall"

	"github.com/custos-dev/custos/internal/errs"
)

//go:embed migrations/*.sql
var sqliteMigrations embed.FS

// legacyVersion reads PRAGMA user_version: the schema version of a store
// from before schema_migrations, and the file's mark of a custos store.
// setLegacyVersion keeps it equal to the newest version: the file header
// carries it (checkSQLiteFile reads it before opening), and custos
// versions from before schema_migrations read it, so that they refuse a
// newer store.
func (sqliteDialect) legacyVersion(ctx context.Context, q queryer) (int, error) {
	var v int
	if err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		if errors.Is(err, syscall.EACCES) {
			return 0, errs.Wrap(errs.Busy, err, "the store is unavailable: %v", err)
		}
		return 0, translate(err)
	}
	return v, nil
}

func (sqliteDialect) setLegacyVersion(ctx context.Context, tx *sql.Tx, version int) error {
	// PRAGMA takes no placeholders; version is an integer we control.
	_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", version))
	return err
}

func (sqliteDialect) hasTable(ctx context.Context, q queryer, name string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = $1`, name).Scan(&n)
	return n > 0, err
}

func (sqliteDialect) hasTables(ctx context.Context, q queryer) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema`).Scan(&n)
	return n > 0, err
}
