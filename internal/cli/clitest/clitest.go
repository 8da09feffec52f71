// Package clitest runs one command's run function in a unit test, over a
// real store of the test's own: a SQLite file in a temporary directory, or,
// when CUSTOS_TEST_POSTGRES names a server, a fresh PostgreSQL database.
// The store is initialised as `custos init` does, with the test's operator
// as its first admin, and every Run is a new invocation (a new factory, as
// a new process would have) through the same audited pipeline as the
// binary, the role matrix and --dry-run included. What the binary adds
// around a command (the root's flags, the confirmation guard, recording a
// refusal) is tested end to end by the testscripts, not here.
package clitest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/cli/initcmd"
	"github.com/custos-dev/custos/internal/iostreams"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/testutil/pgtest"
)

// User is the OS user a test runs as on SQLite; on PostgreSQL the
// operator is the test server's login role (Env.User).
const User = "ana"

// Env is one test's store and the output of its last Run.
type Env struct {
	t *testing.T
	// User is the first admin: the operator every Run acts as.
	User string
	// Now is the clock every Run sees.
	Now time.Time
	// Out and Err are the last Run's stdout and stderr.
	Out, Err *bytes.Buffer
	db       string
}

// New makes a fresh, initialised store for t.
func New(t *testing.T) *Env {
	t.Helper()
	db := filepath.Join(t.TempDir(), "custos.db")
	if pgtest.Enabled() {
		db = pgtest.Database(t)
	}
	// The configuration is the store alone: no system or user file of the
	// machine running the tests.
	t.Setenv("CUSTOS_DB", db)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	e := &Env{t: t, User: User, Now: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC), db: db}
	if err := Run(e, "init", initcmd.NewCmdInit); err != nil {
		t.Fatalf("init: %v\n%s", err, e.Err)
	}
	if pgtest.Enabled() {
		st := e.Store()
		e.User = st.SessionUser()
	}
	return e
}

// Run runs the command that newCmd builds (a NewCmdX given a nil runF, so
// that its own run function runs) under the command path path, as
// `custos PATH ARGS...` would run it, and returns its error.
func Run[O any](e *Env, path string, newCmd func(*cmdutil.Factory, func(*O) error) *cobra.Command, args ...string) error {
	e.t.Helper()
	return e.RunCmd(path, func(f *cmdutil.Factory) *cobra.Command { return newCmd(f, nil) }, args...)
}

// RunCmd is Run for a constructor of any shape.
func (e *Env) RunCmd(path string, build func(*cmdutil.Factory) *cobra.Command, args ...string) error {
	e.t.Helper()
	ios, _, out, errOut := iostreams.Test()
	e.Out, e.Err = out, errOut
	now := e.Now
	f := &cmdutil.Factory{
		IO:           ios,
		Argv:         append(strings.Fields(path), args...),
		OSUser:       func() (string, error) { return User, nil },
		Hostname:     func() string { return "test" },
		PID:          os.Getpid(),
		Now:          func() time.Time { return now },
		Getenv:       os.Getenv,
		SystemConfig: filepath.Join(e.t.TempDir(), "none.yaml"),
	}
	defer f.Close()
	cmd := build(f)
	// The command hangs under its parents, so that its path, the key of
	// the role matrix and of the audit entry, is the real one.
	names := strings.Fields(path)
	parent := &cobra.Command{Use: "custos", SilenceErrors: true, SilenceUsage: true}
	top := parent
	for _, n := range names[:len(names)-1] {
		c := &cobra.Command{Use: n}
		parent.AddCommand(c)
		parent = c
	}
	parent.AddCommand(cmd)
	if cmd.RunE != nil && path != "init" {
		cmdutil.AddDryRunFlag(cmd)
	}
	top.SetArgs(append(names, args...))
	top.SetOut(out)
	top.SetErr(errOut)
	f.Entered()
	_, err := top.ExecuteContextC(context.Background())
	if err == nil {
		err = f.FinishOutput()
	}
	return err
}

// View reads the store as the test's operator, for checking what a Run
// left in it. (The read is an invocation too, recorded as "test view".)
func (e *Env) View(fn func(store.Tx) error) {
	e.t.Helper()
	inv := &store.Invocation{Command: "test view", OSUser: e.User, Host: "test", PID: os.Getpid(), Now: func() time.Time { return e.Now }}
	if err := e.Store().View(context.Background(), inv, store.Spec{}, fn); err != nil {
		e.t.Fatal(err)
	}
}

// Store opens the test's store.
func (e *Env) Store() store.Store {
	e.t.Helper()
	st, err := store.Open(context.Background(), e.db, store.Options{})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { st.Close() })
	return st
}
