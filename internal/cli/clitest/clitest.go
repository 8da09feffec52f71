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
	"net/url"
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
	// osUser is who the next Run is: on SQLite the OS user, on
	// PostgreSQL the login role (see Become).
	osUser string
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
	e := &Env{t: t, User: User, Now: Now, db: db, osUser: User}
	if err := Run(e, "init", initcmd.NewCmdInit); err != nil {
		t.Fatalf("init: %v\n%s", err, e.Err)
	}
	if pgtest.Enabled() {
		st := e.Store()
		e.User = st.SessionUser()
	}
	e.osUser = e.User
	return e
}

// Become makes the following Runs those of the operator name (an
// operator added by an earlier Run), as a second person at another
// terminal: the OS user on SQLite, a login role of that name on
// PostgreSQL, which it makes. Become(e.User) is the first admin again.
func (e *Env) Become(name string) {
	e.t.Helper()
	e.osUser = name
	if !pgtest.Enabled() {
		return
	}
	if err := pgtest.Logins(name); err != nil {
		e.t.Fatal(err)
	}
	u, err := url.Parse(e.db)
	if err != nil {
		e.t.Fatal(err)
	}
	u.User = url.User(name)
	e.t.Setenv("CUSTOS_DB", u.String())
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
		OSUser:       func() (string, error) { return e.osUser, nil },
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

// Now is the clock of Parse, and every Env's to begin with.
var Now = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

// Parse runs only what the command does before its run function: the
// flags and arguments parsed and checked in RunE, with a runF that keeps
// the options and touches nothing. It returns them (nil when a check
// refused) and the refusal.
func Parse[O any](t *testing.T, newCmd func(*cmdutil.Factory, func(*O) error) *cobra.Command, args ...string) (*O, error) {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IO: ios, Now: func() time.Time { return Now }, Getenv: os.Getenv}
	var got *O
	cmd := newCmd(f, func(o *O) error { got = o; return nil })
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs(args)
	cmd.SetOut(ios.Out)
	cmd.SetErr(ios.ErrOut)
	return got, cmd.Execute()
}

// Sub builds the subcommand at path of the command group builds, for
// RunCmd: a verb of another noun that a test needs on the way (an account
// requested before access is granted to it).
func Sub(group func(*cmdutil.Factory) *cobra.Command, path ...string) func(*cmdutil.Factory) *cobra.Command {
	return func(f *cmdutil.Factory) *cobra.Command {
		c, _, err := group(f).Find(path)
		if err != nil {
			panic(err)
		}
		return c
	}
}

// Refusal is one case of a table of flag rules: it runs Parse of newCmd
// with args and reports whether the run function was reached, and the
// refusal.
func Refusal[O any](t *testing.T, newCmd func(*cmdutil.Factory, func(*O) error) *cobra.Command, args ...string) func() (bool, error) {
	return func() (bool, error) {
		t.Helper()
		o, err := Parse(t, newCmd, args...)
		return o != nil, err
	}
}
