package audit

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/audit"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/policy"
	"github.com/custos-dev/custos/internal/store"
)

// CheckpointOptions are the inputs of `audit checkpoint`.
type CheckpointOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Out     string
}

func newCmdCheckpoint(f *cmdutil.Factory, runF func(*CheckpointOptions) error) *cobra.Command {
	opts := &CheckpointOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "checkpoint [--out FILE]",
		Short: "Write the head of the audit log, to keep elsewhere",
		Long: `Write the audit log's head (the last entry's sequence number, hash and time)
as JSON to stdout or to --out FILE. Keep checkpoints where the store's
administrators cannot change them (another host, write-once storage, a
ticket): ` + "`custos audit verify --checkpoint FILE`" + ` then proves that nothing up to
that entry was rewritten or cut off.

When CUSTOS_AUDIT_KEY is set, the checkpoint is signed with HMAC-SHA256
under it. The policy key audit.signed_checkpoints makes the key mandatory.`,
		Example: `  $ custos audit checkpoint --out /mnt/offsite/custos-$(date +%F).json
  $ CUSTOS_AUDIT_KEY=$(cat /etc/custos/audit.key) custos audit checkpoint | ssh vault 'cat >> custos.checkpoints'`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			if runF != nil {
				return runF(opts)
			}
			return checkpointRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Out, "out", "", "write the checkpoint to FILE instead of stdout")
	return cmdutil.MarkStore(cmd)
}

func checkpointRun(opts *CheckpointOptions) error {
	f := opts.Factory
	key := []byte(f.Getenv("CUSTOS_AUDIT_KEY"))
	var cp *audit.Checkpoint
	err := cmdutil.Run(f, opts.Cmd, store.Spec{}, func(tx *store.Tx) error {
		required, err := tx.Policy(policy.SignedCheckpoints)
		if err != nil {
			return err
		}
		if ok, _ := strconv.ParseBool(required); ok && len(key) == 0 {
			return errs.Deniedf("policy audit.signed_checkpoints requires signed checkpoints, and CUSTOS_AUDIT_KEY is not set")
		}
		head, err := tx.AuditHead()
		if err != nil {
			return err
		}
		org, err := tx.Policy(policy.OrgName)
		if err != nil {
			return err
		}
		cp = &audit.Checkpoint{Seq: head.Seq, Hash: head.Hash, Time: head.At, Org: org}
		if cp.Time == "" {
			cp.Time = audit.FormatTime(tx.Now())
		}
		if len(key) > 0 {
			cp.Sign(key)
		}
		if opts.Out != "" {
			return writeFile(opts.Out, cp)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if opts.Out != "" {
		fmt.Fprintf(f.IO.ErrOut, "Wrote checkpoint of entry %d to %s.\n", cp.Seq, output.Sanitize(opts.Out))
		return nil
	}
	b, _ := json.MarshalIndent(cp, "", "  ")
	_, err = fmt.Fprintf(f.IO.Out, "%s\n", b)
	return err
}

// writeFile writes the checkpoint atomically: a reader never sees half a file.
func writeFile(path string, cp *audit.Checkpoint) error {
	b, _ := json.MarshalIndent(cp, "", "  ")
	tmp, err := os.CreateTemp(filepath.Dir(path), ".custos-checkpoint-*")
	if err != nil {
		return errs.Invalidf("cannot write the checkpoint: %v", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return errs.Invalidf("cannot write the checkpoint: %v", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return errs.Invalidf("cannot write the checkpoint: %v", err)
	}
	if err := tmp.Close(); err != nil {
		return errs.Invalidf("cannot write the checkpoint: %v", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return errs.Invalidf("cannot write the checkpoint: %v", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return errs.Invalidf("cannot write the checkpoint: %v", err)
	}
	return nil
}
