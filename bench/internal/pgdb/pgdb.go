// Package pgdb gives a benchmark a fresh PostgreSQL database for a custos
// store, on a server named by a superuser's location (as
// scripts/pg-test-server prints it), and that database's location over
// another route to the same server (the Unix socket, or TCP).
package pgdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"

	"github.com/jackc/pgx/v5"
)

// Create makes an empty database in the C collation custos needs, owned
// by the role of admin, and returns its name and the function that drops
// it.
func Create(ctx context.Context, admin string) (name string, drop func() error, err error) {
	b := make([]byte, 6)
	rand.Read(b)
	name = "custos_bench_" + hex.EncodeToString(b)
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", nil, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+name+` TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`); err != nil {
		return "", nil, err
	}
	drop = func() error {
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, `DROP DATABASE `+name+` WITH (FORCE)`)
		return err
	}
	return name, drop, nil
}

// Location is location (a postgres:// URL) with its database replaced by
// name.
func Location(location, name string) (string, error) {
	u, err := url.Parse(location)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("not a postgres:// URL: %s", location)
	}
	u.Path = "/" + name
	q := u.Query()
	q.Del("dbname")
	u.RawQuery = q.Encode()
	return u.String(), nil
}
