package store

import (
	"runtime"
	"testing"

	"modernc.org/sqlite"

	"github.com/custos-dev/custos/internal/testutil/pgtest"
)

// A store syncs its commits with fdatasync where the platform has it, as
// the C library's builds do.
func TestCommitsSyncWithFdatasync(t *testing.T) {
	pgtest.Skip(t, "fdatasync is SQLite's switch")
	if runtime.GOOS != "linux" {
		t.Skip("fdatasync is only asked for where SQLite can use it")
	}
	MustOpen(t)
	if !sqlite.FdatasyncEnabled() {
		t.Fatal("opening a store left SQLite syncing with fsync")
	}
}
