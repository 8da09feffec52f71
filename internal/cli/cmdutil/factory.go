// Package cmdutil is what every custos command shares: the factory of lazy
// dependencies, the one entry into the audited pipeline, the output flag,
// argument validation and the marks that tell Main how to treat a command.
package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/custos-dev/custos/internal/config"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/iostreams"
	"github.com/custos-dev/custos/internal/operator"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/store"
)

// Factory hands commands their dependencies. Each is a function so that a
// command that never needs the store never opens it.
type Factory struct {
	IO *iostreams.IOStreams
	// Argv is the argument vector after the program name, for the audit entry.
	Argv []string
	// OSUser returns the login name of the process's real uid: the real
	// operator. An unknown uid is Denied and wraps an
	// *identity.UnknownUIDError.
	OSUser func() (string, error)
	// Hostname returns the host name recorded in audit entries.
	Hostname func() string
	// PID is the process id recorded in audit entries.
	PID int
	// Now is the clock.
	Now func() time.Time
	// Getenv reads the environment (CUSTOS_AUDIT_KEY and the like).
	Getenv func(string) string
	// LookupEnv reads the environment where set-but-empty differs from
	// unset (CUSTOS_PAGER); nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// As is the operator named by --as.
	As string
	// SystemConfig is the system config file; "" means
	// /etc/custos/config.yaml.
	SystemConfig string

	// rootFlags are the root's persistent flags, set by the root command.
	rootFlags *pflag.FlagSet

	cfgOnce sync.Once
	cfg     *config.Config
	cfgErr  error

	store    store.Store
	storeErr error
	opened   bool

	// entered is set when a command's RunE starts: errors before that are
	// cobra's own (unknown command, bad arguments) and are invalid input.
	entered bool
	// recorded is set once the invocation's entry is in the log, so a
	// failure after it (stdout closed while the last rows are written) is
	// not recorded as a second invocation.
	recorded bool
	// outputs are the -o flags of the commands, for error formatting.
	outputs map[*cobra.Command]*Output
	// json is what --json FIELDS captured, written by FinishOutput.
	json *jsonFields
	// dry is the running command's dry run, or nil.
	dry *dryRun
}

// New returns the factory of a real process.
func New() *Factory {
	return &Factory{
		IO:   iostreams.System(),
		Argv: os.Args[1:],
		// Resolved once: a batch asks for every row, and a directory
		// user costs a getent each time.
		OSUser: sync.OnceValues(func() (string, error) {
			return identity.System().Current(context.Background())
		}),
		Hostname: func() string {
			h, _ := os.Hostname()
			return h
		},
		PID:    os.Getpid(),
		Now:    time.Now,
		Getenv: os.Getenv,
	}
}

// SetRootFlags gives the factory the root's persistent flags.
func (f *Factory) SetRootFlags(fs *pflag.FlagSet) { f.rootFlags = fs }

// Config loads the client configuration once and applies its color choice.
func (f *Factory) Config() (*config.Config, error) {
	f.cfgOnce.Do(func() {
		fs := f.rootFlags
		if fs == nil {
			fs = pflag.NewFlagSet("custos", pflag.ContinueOnError)
		}
		strict, _ := fs.GetBool("strict-config")
		f.cfg, f.cfgErr = config.LoadWith(fs, config.Options{System: f.SystemConfig, Strict: strict})
		if f.cfgErr == nil {
			f.IO.SetColorMode(f.cfg.Color)
			f.warnAll(f.cfg.Warnings)
		}
	})
	return f.cfg, f.cfgErr
}

// ConfigFiles are the system file and the user's file, for `config set`.
func (f *Factory) ConfigFiles() (system, user string) {
	system = f.SystemConfig
	if system == "" {
		system = config.SystemFile
	}
	return system, config.UserFile()
}

// ConfigFlag is the file named by --config, or "".
func (f *Factory) ConfigFlag() string {
	if f.rootFlags == nil {
		return ""
	}
	s, _ := f.rootFlags.GetString("config")
	return s
}

// Store opens the configured store once. A missing store is NotFound.
func (f *Factory) Store() (store.Store, error) {
	if f.opened {
		return f.store, f.storeErr
	}
	f.opened = true
	cfg, err := f.Config()
	if err != nil {
		f.storeErr = err
		return nil, err
	}
	f.store, f.storeErr = store.Open(context.Background(), cfg.DB, store.Options{BusyTimeout: cfg.BusyTimeout, Notice: f.notice})
	if f.store != nil {
		f.warnAll(f.store.Warnings())
	}
	return f.store, f.storeErr
}

// CreateStore creates the configured store if needed; for `custos init`.
// parents allows creating missing directories of its path; they are
// always created for the default location, which nobody types.
func (f *Factory) CreateStore(ctx context.Context, parents bool) (store.Store, bool, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, false, err
	}
	parents = parents || cfg.DB == config.DefaultDB()
	st, created, err := store.Create(ctx, cfg.DB, store.Options{BusyTimeout: cfg.BusyTimeout, Parents: parents, Notice: f.notice})
	if st != nil {
		f.store, f.opened = st, true
		f.warnAll(st.Warnings())
	}
	return st, created, err
}

// notice prints a message the store has for the operator while it works.
func (f *Factory) notice(msg string) {
	f.IO.ErrOut.Write([]byte("custos: " + output.Sanitize(msg) + "\n"))
}

func (f *Factory) warnAll(ws []string) {
	for _, w := range ws {
		f.IO.ErrOut.Write([]byte("custos: warning: " + output.Sanitize(w) + "\n"))
	}
}

// Close closes the store if it was opened.
func (f *Factory) Close() {
	if f.store != nil {
		f.store.Close()
	}
}

// Invocation describes the running command for its audit entry.
func (f *Factory) Invocation(cmd *cobra.Command) (*store.Invocation, error) {
	name, err := f.RealUser()
	if err != nil {
		return nil, err
	}
	return f.invocation(cmd, name), nil
}

// OnServer reports whether the configured store is on a database server
// (PostgreSQL), where the real operator is the session's login role.
func (f *Factory) OnServer() bool {
	cfg, err := f.Config()
	return err == nil && store.IsPostgres(cfg.DB)
}

// RealUser is the real operator's login name: on SQLite the OS user of
// the process's real uid, on PostgreSQL the role the store's session
// logged in as (which opens the store), never an OS name.
func (f *Factory) RealUser() (string, error) {
	if !f.OnServer() {
		return f.OSUser()
	}
	st, err := f.Store()
	if err != nil {
		return "", err
	}
	return st.SessionUser(), nil
}

func (f *Factory) invocation(cmd *cobra.Command, osUser string) *store.Invocation {
	return &store.Invocation{
		Command: CommandName(cmd),
		Args:    Redact(cmd, f.Argv),
		OSUser:  osUser,
		As:      f.As,
		Host:    f.Hostname(),
		PID:     f.PID,
		Now:     f.Now,
	}
}

// CommandName is the command path without the program name.
func CommandName(cmd *cobra.Command) string {
	path := cmd.CommandPath()
	if i := strings.IndexByte(path, ' '); i >= 0 {
		return path[i+1:]
	}
	return path
}

// Permit returns spec with the roles the role matrix (operator.Permissions)
// gives cmd; the listing form of a command is a read without arguments
// (never a write, whatever its arguments).
// Every entry into the pipeline passes through it, so no command states
// its own roles.
func Permit(cmd *cobra.Command, spec store.Spec) (store.Spec, error) {
	p, roles, err := operator.Permissions.For(CommandName(cmd), !spec.Write && cmd.Flags().NArg() == 0)
	if err != nil {
		return spec, err
	}
	spec.Roles, spec.Bootstrap = roles, p.Bootstrap
	return spec, nil
}

// Run runs fn through the audited pipeline of the store (see store.Invoke)
// with the roles of the role matrix. Every command that touches the store
// calls it exactly once.
func Run(f *Factory, cmd *cobra.Command, spec store.Spec, fn func(store.Tx) error) error {
	spec, err := Permit(cmd, spec)
	if err != nil {
		return err
	}
	if spec.Write && !spec.Bootstrap {
		if err := checkDryRunnable(cmd); err != nil {
			return err
		}
	}
	if IsDryRun(cmd) {
		// The operation runs as it would for real, every rule checked,
		// and is rolled back; only the audit entry is written, which
		// audit log marks "dry run" from its arguments.
		spec.DryRun = spec.Write
		f.StartDryRun(cmd)
	}
	// Who is running comes first: an unknown uid is refused before the
	// store is opened (or, for init, created). On PostgreSQL the store
	// says who.
	inv, err := f.Invocation(cmd)
	if err != nil {
		return err
	}
	st, err := f.Store()
	if err != nil {
		return err
	}
	if !spec.Write {
		// A read never prompts, so its output may go to a pager.
		f.startPager()
	}
	// A mistake in how the output was asked for (--columns, --jq) is
	// refused inside the pipeline, so the refusal is what gets recorded,
	// whether it was found before the command's work or during it.
	checked := func(tx store.Tx) error {
		if err := f.IO.OutputErr(); err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			return err
		}
		return f.IO.OutputErr()
	}
	if err := st.Invoke(cmd.Context(), inv, spec, checked); err != nil {
		return err
	}
	f.recorded = !st.ReadOnly()
	if st.ReadOnly() {
		// A read of an auditor's copy works, but the log must not seem
		// to hold an entry it does not.
		fmt.Fprintf(f.IO.ErrOut, "custos: notice: this invocation was not recorded in the audit log: the store %s is read-only\n", output.Sanitize(st.Path()))
	}
	return nil
}

// startPager pages the output on a terminal unless --no-pager, or
// CUSTOS_PAGER set empty or to cat, says not to.
func (f *Factory) startPager() {
	if !f.IO.IsStdoutTTY() {
		return
	}
	if f.rootFlags != nil {
		if off, _ := f.rootFlags.GetBool("no-pager"); off {
			return
		}
	}
	lookup := f.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	f.IO.StartPager(iostreams.PagerCommand(lookup))
}

// RecordFailure writes the audit entry of a store command that failed
// before it reached the pipeline (or whose entry the pipeline could not
// write). It returns false only when a store exists but the entry could not
// be written, which the user should be told; without a store there is
// nothing to record in.
func (f *Factory) RecordFailure(cmd *cobra.Command, failure error) bool {
	if f.recorded {
		return true
	}
	st, err := f.Store()
	if err != nil {
		return true
	}
	inv, err := f.Invocation(cmd)
	var unknown *identity.UnknownUIDError
	switch {
	case errors.As(err, &unknown):
		// A uid with no name is still somebody: its refusal is recorded
		// under the number, which no login name can be confused with.
		inv = f.invocation(cmd, fmt.Sprintf("uid:%d", unknown.UID))
	case err != nil:
		return false
	}
	return st.RecordFailure(context.Background(), inv, failure, nil)
}

// MarkRecorded says that the invocation's entry is in the log, for a
// command that entered the pipeline through a store service (records
// import): a failure after it is not a second invocation.
func (f *Factory) MarkRecorded() { f.recorded = true }

// Entered marks that the running command's RunE started.
func (f *Factory) Entered() { f.entered = true }

// HasEntered reports whether a RunE started.
func (f *Factory) HasEntered() bool { return f.entered }
