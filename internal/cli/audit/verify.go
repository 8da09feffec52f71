package audit

import (
	"cmp"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/audit"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/store"
)

// VerifyOptions are the inputs of `audit verify`.
type VerifyOptions struct {
	Factory    *cmdutil.Factory
	Cmd        *cobra.Command
	Output     *cmdutil.Output
	Checkpoint string
	MaxSkew    time.Duration
}

func newCmdVerify(f *cmdutil.Factory, runF func(*VerifyOptions) error) *cobra.Command {
	opts := &VerifyOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "verify [--checkpoint FILE]",
		Short: "Verify the audit log's hash chain",
		Long: `Re-compute the hash of every entry and check that each follows the one
before it. Exit 0 when the chain is intact; exit 6 naming the first bad entry
when any entry was edited, deleted, inserted or reordered.

It also checks the object index (what audit log --object and account show
read) against the objects each hashed entry names: a row deleted, added or
moved to another entry is exit 6 naming the entry. And it checks that the
triggers that make the log append-only are there as created: a dropped or
changed trigger is exit 6 naming it.

The chain alone cannot show that its newest entries were cut off. With
--checkpoint FILE (written earlier by ` + "`custos audit checkpoint`" + ` and kept
elsewhere), verify also checks that the entry the checkpoint names is still
there with the same hash. A signed checkpoint is checked against
CUSTOS_AUDIT_KEY; when the key is set, an unsigned checkpoint is refused.

Each entry is timed by the clock of the host that ran the command. An entry
whose time is more than --max-skew (default 1m; 0 turns the check off)
earlier than an entry before it is named in a warning on stderr and in
-o json's clock_skew: the chain is still intact, but that host's clock was
probably wrong, so times near it deserve doubt.

A long log is checked in segments, one per core; the entry reported is the
first bad one whatever the split. A progress bar is shown on stderr when it
is a terminal.

An auditor's read-only copy (chmod 0400, a read-only mount) verifies too:
custos opens it read-only and says on stderr that this invocation could
not be recorded.`,
		Example: `  $ custos audit verify
  Audit log intact: 1204 entries, head entry 1204 (9c1e5f0a42b7…).

  $ custos audit verify --checkpoint /mnt/offsite/custos-2026-11-01.json

  $ custos --db /audit/custos-copy.db audit verify
  Audit log intact: 1204 entries, head entry 1204 (9c1e5f0a42b7…).
  custos: notice: this invocation was not recorded in the audit log: the store /audit/custos-copy.db is read-only`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			if runF != nil {
				return runF(opts)
			}
			return verifyRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Checkpoint, "checkpoint", "", "a checkpoint file the log must still contain")
	cmd.Flags().DurationVar(&opts.MaxSkew, "max-skew", time.Minute, "warn of entries timed more than this before an earlier entry (0: no check)")
	opts.Output = cmdutil.AddOutputFlag(f, cmd, output.Table, output.JSON)
	return cmdutil.MarkStore(cmd)
}

func verifyRun(opts *VerifyOptions) error {
	f := opts.Factory
	if opts.MaxSkew < 0 {
		return errs.Invalidf("--max-skew must not be negative")
	}
	var cp *audit.Checkpoint
	if opts.Checkpoint != "" {
		b, err := os.ReadFile(opts.Checkpoint)
		if err != nil {
			return errs.Invalidf("cannot read the checkpoint: %v", err)
		}
		if cp, err = audit.ParseCheckpoint(b); err != nil {
			return err
		}
	}
	var v *audit.Verifier
	start := time.Now()
	err := cmdutil.Run(f, opts.Cmd, store.Spec{}, func(tx *store.Tx) error {
		if cp != nil {
			if err := cp.CheckSignature([]byte(f.Getenv("CUSTOS_AUDIT_KEY"))); err != nil {
				return err
			}
		}
		bar := f.IO.StartProgressIn("verifying", "entries")
		defer bar.Done()
		var err error
		v, err = tx.VerifyAudit(cp, opts.MaxSkew, bar.Set)
		return err
	})
	if err != nil {
		return err
	}
	seq, hash := v.Head()
	elapsed := time.Since(start)
	slices.SortFunc(v.Skews, func(a, b audit.Skew) int { return cmp.Compare(a.Seq, b.Seq) })
	if opts.Output.Format().IsJSON() {
		var cpSeq any
		if cp != nil {
			cpSeq = cp.Seq
		}
		skews := make([]map[string]any, len(v.Skews))
		for i, k := range v.Skews {
			skews[i] = map[string]any{"seq": k.Seq, "host": k.Host, "behind_seconds": k.Behind.Seconds()}
		}
		return output.WriteObject(f.IO, output.JSON,
			output.Cols("intact", "entries", "head_seq", "head_hash", "checkpoint_seq", "seconds", "clock_skew", "clock_skew_count"),
			true, v.Count, seq, hash, cpSeq, elapsed.Seconds(), skews, v.SkewCount)
	}
	for _, k := range v.Skews {
		fmt.Fprintf(f.IO.ErrOut, "custos: warning: entry %d is timed %s before an earlier entry: the clock of %s may have been wrong\n",
			k.Seq, k.Behind.Round(time.Second), output.Sanitize(k.Host))
	}
	if more := v.SkewCount - int64(len(v.Skews)); more > 0 {
		fmt.Fprintf(f.IO.ErrOut, "custos: warning: %d more entries are timed before earlier ones\n", more)
	}
	fmt.Fprintf(f.IO.Out, "Audit log intact: %d entries, head entry %d (%s…).\n", v.Count, seq, hash[:12])
	if cp != nil {
		fmt.Fprintf(f.IO.Out, "Checkpoint matches: entry %d of %s is still in the log.\n", cp.Seq, output.Sanitize(cp.Time))
	}
	return nil
}
