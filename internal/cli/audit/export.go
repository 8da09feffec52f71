package audit

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/audit"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/store"
)

// ExportOptions are the inputs of `audit export`.
type ExportOptions struct {
	Factory  *cmdutil.Factory
	Cmd      *cobra.Command
	Output   *cmdutil.Output
	After    int64
	Follow   bool
	Interval time.Duration
}

func newCmdExport(f *cmdutil.Factory, runF func(*ExportOptions) error) *cobra.Command {
	opts := &ExportOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "export -o jsonl|csv [--after SEQ] [--follow]",
		Short: "Export audit entries for a SIEM",
		Long: `Write every entry after --after SEQ with all its fields, hashes included, as
JSON Lines or CSV. With --follow, keep running and write new entries as they
are committed, until interrupted; a shipper restarts from the last seq it
stored with --after. The export itself is recorded once, when it starts.`,
		Example: `  $ custos audit export -o jsonl --after 1200
  $ custos audit export -o jsonl --follow | vector --config siem.toml`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			if opts.After < 0 {
				return errs.Invalidf("--after must be a sequence number, 0 or more")
			}
			if opts.Interval < 10*time.Millisecond {
				return errs.Invalidf("--interval must be at least 10ms")
			}
			if runF != nil {
				return runF(opts)
			}
			return exportRun(opts)
		},
	}
	cmd.Flags().Int64Var(&opts.After, "after", 0, "export the entries after this sequence number")
	cmd.Flags().BoolVar(&opts.Follow, "follow", false, "keep writing new entries until interrupted")
	cmd.Flags().DurationVar(&opts.Interval, "interval", time.Second, "how often --follow looks for new entries (on PostgreSQL, the longest wait: a commit wakes it)")
	opts.Output = cmdutil.AddOutputFlag(f, cmd, output.JSONL, output.CSV)
	return cmdutil.MarkStore(cmd)
}

func exportRun(opts *ExportOptions) error {
	f := opts.Factory
	format := opts.Output.Format()
	w := output.NewResultList[EntryResult](f.IO, format)
	last := opts.After
	row := func(e *audit.Entry) error {
		last = e.Seq
		r := entryResult(e, format)
		return w.Write(&r)
	}
	ctx := opts.Cmd.Context()
	var st store.Store
	var wait func(context.Context, time.Duration) error
	if opts.Follow {
		// Listening starts before the first read, so that no commit
		// falls between the two unheard.
		var err error
		if st, err = f.Store(); err != nil {
			return err
		}
		var stop func()
		if wait, stop, err = st.ListenAudit(ctx); err != nil {
			return err
		}
		defer stop()
	}
	err := cmdutil.Run(f, opts.Cmd, store.Spec{}, func(tx store.Tx) error {
		return tx.Audit().AuditLog(store.AuditFilter{After: opts.After}, row)
	})
	if err != nil || !opts.Follow {
		if err == nil {
			err = w.Close()
		}
		return err
	}
	for {
		if err := w.Close(); err != nil { // flushes CSV
			return err
		}
		if err := wait(ctx, opts.Interval); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if last, err = st.TailAudit(ctx, last, row); err != nil && ctx.Err() == nil {
			return err
		}
	}
}
