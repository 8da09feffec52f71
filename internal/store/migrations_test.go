package store

import (
	"fmt"
	"io/fs"
	"strings"
	"testing"
)

// A schema version is a migration's position, so the files must be
// numbered 0001, 0002, … without a gap or a repeat: a store built while
// two branches each had a "0010" would otherwise skip a migration for
// ever after they merge.
func TestMigrationsAreNumberedByPosition(t *testing.T) {
	names, err := fs.Glob(sqliteMigrations, "migrations/*.sql")
	if err != nil || len(names) == 0 {
		t.Fatalf("%v %v", names, err)
	}
	for i, name := range names {
		if want := fmt.Sprintf("migrations/%04d_", i+1); !strings.HasPrefix(name, want) {
			t.Errorf("migration %d is %s; it must start %s", i+1, name, strings.TrimPrefix(want, "migrations/"))
		}
	}
}
