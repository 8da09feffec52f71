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

// Every engine's migrations bring a store to the same version.
func TestEveryDialectWritesTheSchemaVersion(t *testing.T) {
	for _, d := range dialects {
		if got := dialectVersion(d); got != SchemaVersion() {
			t.Errorf("%T: migrations reach %d, want %d", d, got, SchemaVersion())
		}
		steps, err := migrations(d)
		if err != nil || len(steps) == 0 {
			t.Fatalf("%T: %v", d, err)
		}
		for i := 1; i < len(steps); i++ {
			if steps[i].version != steps[i-1].version+1 {
				t.Errorf("%T: migration %d follows %d", d, steps[i].version, steps[i-1].version)
			}
		}
	}
}
