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
	// Branches reserve numbers ahead (people has 0016 while 0014 and
	// 0015 are on other branches), so a branch may show a gap that the
	// merge fills; a repeat, or a number out of order, is never allowed.
	last := 0
	for _, name := range names {
		var v int
		if _, err := fmt.Sscanf(strings.TrimPrefix(name, "migrations/"), "%04d_", &v); err != nil || v <= last {
			t.Errorf("migration %s does not follow %04d", name, last)
		}
		last = v
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
			if steps[i].version <= steps[i-1].version {
				t.Errorf("%T: migration %d follows %d", d, steps[i].version, steps[i-1].version)
			}
		}
	}
}
