package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/errs"
)

// SQLite's errors reach the administrator in words: "attempt to write a
// readonly database", never "… (8)" or "(1544)".
func TestSQLiteErrorsCarryNoResultCodes(t *testing.T) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "x.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = db.ExecContext(context.Background(), "CREATE TABLE t (x)")
	if err == nil {
		t.Fatal("write to a read-only database succeeded")
	}
	got := translate(err)
	if errs.CodeOf(got) == errs.Internal && got == err {
		t.Fatalf("untranslated: %v", got)
	}
	if !strings.Contains(err.Error(), "(") {
		t.Fatalf("the raw error %q has no code to strip: the test proves nothing", err)
	}
	if strings.ContainsAny(got.Error(), "()") {
		t.Errorf("message %q carries a SQLite result code (raw: %q)", got, err)
	}
}
