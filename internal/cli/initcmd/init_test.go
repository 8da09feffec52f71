package initcmd_test

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/custos-dev/custos/internal/cli/clitest"
	"github.com/custos-dev/custos/internal/cli/initcmd"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/testutil/pgtest"
)

// init on an initialised store changes nothing and says so; migrate
// finds the schema current; the first admin is the one operator.
func TestInitRunAgain(t *testing.T) {
	e := clitest.New(t)
	if err := clitest.Run(e, "init", initcmd.NewCmdInit, "-o", "json"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	var got initcmd.Result
	if err := json.Unmarshal(e.Out.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, e.Out)
	}
	if got.Store == "" || got.Created || got.Initialised || got.Admin != "" {
		t.Errorf("init again: %+v", got)
	}
	if err := clitest.Run(e, "migrate", initcmd.NewCmdMigrate, "-o", "json"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	var m initcmd.MigrateResult
	if err := json.Unmarshal(e.Out.Bytes(), &m); err != nil {
		t.Fatalf("%v: %s", err, e.Out)
	}
	if m.Store != got.Store || m.Schema == 0 || m.Schema != m.Was {
		t.Errorf("migrate: %+v", m)
	}
	e.View(func(tx store.Tx) error {
		n, err := tx.Operators().OperatorCount()
		if err == nil && n != 1 {
			t.Errorf("%d operators after init twice, want 1", n)
		}
		return err
	})
}

// A new store in a directory that does not exist is refused without
// --parents, and nothing is created; with it, the store is made.
func TestInitRunMissingDirectory(t *testing.T) {
	if pgtest.Enabled() {
		t.Skip("a PostgreSQL store has no directory")
	}
	e := clitest.New(t)
	dir := filepath.Join(t.TempDir(), "missing")
	db := filepath.Join(dir, "custos.db")
	t.Setenv("CUSTOS_DB", db)
	err := clitest.Run(e, "init", initcmd.NewCmdInit)
	if errs.CodeOf(err) != errs.Invalid {
		t.Errorf("init in a missing directory: %v, want invalid", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the refused init left %s: %v", dir, err)
	}
	if err := clitest.Run(e, "init", initcmd.NewCmdInit, "--parents", "-o", "json"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	var got initcmd.Result
	if err := json.Unmarshal(e.Out.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, e.Out)
	}
	if got != (initcmd.Result{db, true, true, clitest.User}) {
		t.Errorf("init --parents: %+v", got)
	}
}
