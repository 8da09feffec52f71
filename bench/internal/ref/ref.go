// Package ref is the sqlite3 reference the benchmarks measure custos
// against: a WAL database whose table has what one audit entry has, a key
// and a row of text, with one secondary index.
package ref

import "fmt"

// Schema creates the reference table in WAL mode.
const Schema = `PRAGMA journal_mode=WAL; CREATE TABLE t (seq INTEGER PRIMARY KEY, at TEXT NOT NULL, who TEXT NOT NULL, what TEXT NOT NULL, hash TEXT NOT NULL); CREATE INDEX t_at ON t (at);`

// Insert is one durable insert (synchronous=FULL) describing the command
// what, waiting up to 10 s for another writer.
func Insert(what string) string {
	return fmt.Sprintf(`PRAGMA busy_timeout=10000; PRAGMA synchronous=FULL; INSERT INTO t (at, who, what, hash) VALUES (strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ'), 'root', '%s', hex(randomblob(32)));`, what)
}
