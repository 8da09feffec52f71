package initcmd

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/store"
)

// MigrateOptions are the inputs of `custos migrate`.
type MigrateOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
}

// NewCmdMigrate returns `custos migrate`.
func NewCmdMigrate(f *cmdutil.Factory, runF func(*MigrateOptions) error) *cobra.Command {
	opts := &MigrateOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Bring the store's schema up to this version of custos",
		Long: `Bring the store's schema up to the version this custos writes, and say
which version it is at.

On SQLite every command does this when it opens the store; migrate only
makes it explicit. On PostgreSQL the schema belongs to the role
custos_owner, and only a member of it may change it: after upgrading
custos, run migrate once as that role; until then the operators' roles are
refused with a hint to do so (exit 7). A store written by a newer custos is
refused, never changed (exit 1). Only admins may run it.`,
		Example: `  $ custos migrate --db postgres://custos_admin@db.example.org/custos
  The store at postgres://custos_admin@db.example.org/custos is at schema 11, this custos's; it was at 10.`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			if runF != nil {
				return runF(opts)
			}
			return migrateRun(opts)
		},
	}
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// MigrateResult is what `custos migrate` reports.
type MigrateResult struct {
	Store string `json:"store"`
	// Schema is the store's schema version now, Was before.
	Schema int `json:"schema"`
	Was    int `json:"was"`
}

func migrateRun(opts *MigrateOptions) error {
	f := opts.Factory
	var from, to int
	err := cmdutil.Run(f, opts.Cmd, store.Spec{}, func(tx store.Tx) error {
		var err error
		from, to, err = tx.SchemaVersions()
		return err
	})
	if err != nil {
		return err
	}
	st, _ := f.Store()
	if format := opts.Output.Format(); format != output.Table {
		return output.WriteResult(f.IO, format, MigrateResult{st.Path(), to, from})
	}
	if from == to {
		_, err = fmt.Fprintf(f.IO.Out, "The store at %s is at schema %d, this custos's; nothing changed.\n", output.Sanitize(st.Path()), to)
		return err
	}
	_, err = fmt.Fprintf(f.IO.Out, "The store at %s is at schema %d, this custos's; it was at %d.\n", output.Sanitize(st.Path()), to, from)
	return err
}
