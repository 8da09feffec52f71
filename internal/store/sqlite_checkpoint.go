package store

import (
	"context"
	"database/sql"
	"os"
	"reflect"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// walTruncateAt is the WAL size at which a closing command checkpoints it
// back into the database file and truncates it. Below it, the committed
// frames stay in the WAL and the next command reads them back when it
// opens the store.
//
// A commit is durable once its WAL frames are synced (synchronous=FULL);
// copying them into the database file is bookkeeping. SQLite does that copy
// by default whenever the last connection closes, which for a command-line
// tool means on every command: two more syncs and a truncation, about half
// of what one command costs. custos does it every few commands instead,
// when the WAL has grown past this size, so the WAL a command reads back on
// start stays small.
const walTruncateAt = 256 << 10

// deferCheckpoints turns off SQLite's checkpoint when the connection
// closes (SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE). modernc.org/sqlite does not
// expose sqlite3_db_config, so this reads the connection's handle by
// reflection; if the driver's layout ever changes it reports false and the
// store keeps SQLite's default behaviour, which is correct, only slower.
func deferCheckpoints(dc any) bool {
	v := reflect.ValueOf(dc)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return false
	}
	v = v.Elem()
	dbf, tlsf := v.FieldByName("db"), v.FieldByName("tls")
	if !dbf.IsValid() || dbf.Kind() != reflect.Uintptr || !tlsf.IsValid() || tlsf.Type() != reflect.TypeFor[*libc.TLS]() {
		return false
	}
	db := uintptr(dbf.Uint())
	tls := (*libc.TLS)(unsafe.Pointer(tlsf.Pointer()))
	if db == 0 || tls == nil {
		return false
	}
	const slot = 8 // libc.VaList stores every argument in 8 bytes
	va := libc.Xmalloc(tls, 2*slot)
	if va == 0 {
		return false
	}
	defer libc.Xfree(tls, va)
	rc := sqlite3.Xsqlite3_db_config(tls, db, sqlite3.SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, libc.VaList(va, int32(1), uintptr(0)))
	return rc == sqlite3.SQLITE_OK
}

// checkpointIfLarge runs before the store closes: when the WAL has grown
// past walTruncateAt it copies the frames into the database file and
// truncates the WAL. It never waits: with busy_timeout 0 a reader that
// holds old frames makes it give up, and a later command tries again.
func checkpointIfLarge(ctx context.Context, db *sql.DB, path string) {
	fi, err := os.Stat(path + "-wal")
	if err != nil || fi.Size() < walTruncateAt {
		return
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout=0"); err != nil {
		return
	}
	var busy, frames, done int
	_ = conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &frames, &done)
}
