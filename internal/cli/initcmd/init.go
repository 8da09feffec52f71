// Package initcmd implements `custos init`.
package initcmd

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/operator"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/store"
)

// Options are the inputs of `custos init`.
type Options struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
	// Parents creates the missing directories of the store's path.
	Parents bool
}

// NewCmdInit returns `custos init`; runF replaces the run for tests.
func NewCmdInit(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create the store and register yourself as its first admin",
		Long: `Create the custos store (a SQLite file, mode 0600) if it does not exist,
and register the OS user running the command as its first admin operator.

On a store that is already initialised, init changes nothing, says so and
exits 0, so it is safe in provisioning scripts. The store is
$XDG_DATA_HOME/custos/custos.db unless --db, CUSTOS_DB or the config file
say otherwise. The directories of the default location are created; for
any other path a missing directory is refused (exit 2) unless --parents
says to create it. An existing file that is empty or not a SQLite
database is refused (exit 2) and left as it was. A directory with the
set-group-ID bit gets a group-writable (0660) store, for administrators
who share one store on one host.

With --db postgres://ROLE@HOST/DATABASE, init creates the schema custos in
that database (which must use the C collation, or init refuses, exit 2),
the roles custos_owner, which owns it, and custos_app, whose members are
the operators and may only read and append to the audit log, makes ROLE a
member of custos_owner, and registers ROLE, the session's login role, as
the first admin. Run it as the database's owner; the first time on a
server the role must also be allowed to create roles (or a superuser
creates the two roles first: the refusal says how). See
docs/postgresql.md.`,
		Example: `  $ custos init
  Initialised the custos store at /home/ana/.local/share/custos/custos.db.
  ana is its first admin operator.

  # a store shared by the admins of one host
  $ sudo install -d -m 2770 -g custos-admins /var/lib/custos
  $ custos init --db /var/lib/custos/custos.db

  # a store in a directory that does not exist yet
  $ custos init --db /srv/governance/custos.db --parents

  # a store on a PostgreSQL server that several hosts share
  $ custos init --db postgres://custos_admin@db.example.org/custos`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			if runF != nil {
				return runF(opts)
			}
			return initRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Parents, "parents", false, "create the missing directories of the store's path (mode 0700)")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// Result is what `custos init` reports.
type Result struct {
	Store string `json:"store"`
	// Created is whether this init created the store, Initialised
	// whether it registered the first admin, Admin.
	Created     bool   `json:"created"`
	Initialised bool   `json:"initialised"`
	Admin       string `json:"admin"`
}

func initRun(opts *Options) error {
	f := opts.Factory
	// An unknown uid is refused before any file is created. (On
	// PostgreSQL the first admin is the session's role.)
	if !f.OnServer() {
		if _, err := f.OSUser(); err != nil {
			return err
		}
	}
	st, created, err := f.CreateStore(opts.Cmd.Context(), opts.Parents)
	if err != nil {
		return err
	}
	var admin string
	var registered bool
	err = cmdutil.Run(f, opts.Cmd, store.Spec{Write: true, Bootstrap: true}, func(tx store.Tx) error {
		n, err := tx.Operators().OperatorCount()
		if err != nil || n > 0 {
			return err
		}
		name := tx.Invocation().OSUser
		if err := operator.ValidateName(name); err != nil {
			return err
		}
		if _, err := tx.Operators().AddOperator(&operator.Operator{Name: name, Roles: []operator.Role{operator.Admin}, CreatedBy: name}); err != nil {
			return err
		}
		admin, registered = name, true
		return nil
	})
	if err != nil {
		return err
	}
	format := opts.Output.Format()
	if format != output.Table {
		return output.WriteResult(f.IO, format, Result{st.Path(), created, registered, admin})
	}
	if !registered {
		fmt.Fprintf(f.IO.Out, "The custos store at %s is already initialised; nothing changed.\n", output.Sanitize(st.Path()))
		return nil
	}
	fmt.Fprintf(f.IO.Out, "Initialised the custos store at %s.\n%s is its first admin operator.\n",
		output.Sanitize(st.Path()), output.Sanitize(admin))
	return nil
}
