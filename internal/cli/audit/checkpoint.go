package audit

import (
	"encoding/json"
	"fmt"
	"os"
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
		Long: `With CUSTOS_AUDIT_SIGNING_KEY set to the path of a key file made by
` + "`custos audit keygen`" + `, write a signed checkpoint: a C2SP tlog-checkpoint note
(the origin from policy audit.origin, the number of entries, the root of the
log's RFC 6962 Merkle tree) signed with that key. Anyone with the verifier
key can check it (` + "`custos audit verify --checkpoint FILE --vkey KEY`" + `); no one
without the signer key can forge one. The key is read from the file, never
stored in the store or the log.

Without it, write the older JSON checkpoint: the audit log's head (the last entry's sequence number, hash and time)
as JSON to stdout or to --out FILE. Keep checkpoints where the store's
administrators cannot change them (another host, write-once storage, a
ticket): ` + "`custos audit verify --checkpoint FILE`" + ` then proves that nothing up to
that entry was rewritten or cut off.

When CUSTOS_AUDIT_KEY is set, that JSON checkpoint is signed with
HMAC-SHA256 under it (whoever can check it can also forge it: prefer the
signed note). The policy key audit.signed_checkpoints refuses an unsigned
checkpoint (exit 4).`,
		Example: `  $ CUSTOS_AUDIT_SIGNING_KEY=/etc/custos/audit-signing.key custos audit checkpoint --out cp.txt
  $ custos audit checkpoint --out /mnt/offsite/custos-$(date +%F).json
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
	if path := f.Getenv("CUSTOS_AUDIT_SIGNING_KEY"); path != "" {
		return signedCheckpointRun(opts, path)
	}
	var cp *audit.Checkpoint
	err := cmdutil.Run(f, opts.Cmd, store.Spec{}, func(tx store.Tx) error {
		required, err := tx.Policy().PolicyValue(policy.SignedCheckpoints)
		if err != nil {
			return err
		}
		if ok, _ := strconv.ParseBool(required); ok && len(key) == 0 {
			return errs.Deniedf("policy audit.signed_checkpoints requires signed checkpoints, and CUSTOS_AUDIT_SIGNING_KEY is not set").
				WithHint("make a key with custos audit keygen --name ORIGIN and set CUSTOS_AUDIT_SIGNING_KEY to its file")
		}
		head, err := tx.Audit().AuditHead()
		if err != nil {
			return err
		}
		org, err := tx.Policy().PolicyValue(policy.OrgName)
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

// writeFile writes the checkpoint (see cmdutil.WriteOutputFile).
func writeFile(path string, cp *audit.Checkpoint) error {
	b, _ := json.MarshalIndent(cp, "", "  ")
	if err := cmdutil.WriteOutputFile(path, append(b, '\n'), 0o644); err != nil {
		return errs.Invalidf("cannot write the checkpoint: %v", err)
	}
	return nil
}

// signedCheckpointRun writes a signed C2SP checkpoint of the log as it
// is, with the signer key in the file at keyPath.
func signedCheckpointRun(opts *CheckpointOptions, keyPath string) error {
	f := opts.Factory
	b, err := os.ReadFile(keyPath)
	if err != nil {
		return errs.Invalidf("cannot read CUSTOS_AUDIT_SIGNING_KEY: %v", err)
	}
	var note []byte
	var head audit.TreeHead
	err = cmdutil.Run(f, opts.Cmd, store.Spec{}, func(tx store.Tx) error {
		origin, err := tx.Policy().PolicyValue(policy.AuditOrigin)
		if err != nil {
			return err
		}
		if origin == "" {
			return errs.Invalidf("policy audit.origin is not set: a signed checkpoint names its log").
				WithHint("custos policy set audit.origin custos.example.org/audit (a name no other log uses)")
		}
		// The tree as of this transaction: every entry committed before
		// it (this invocation's own entry comes after).
		size, err := tx.Audit().AuditTreeSize()
		if err != nil {
			return err
		}
		root, err := tx.Audit().AuditRoot(size)
		if err != nil {
			return err
		}
		head = audit.TreeHead{Origin: origin, Size: size, Root: root}
		if note, err = audit.SignTreeHead(head, string(b)); err != nil {
			return err
		}
		tx.Touch("audit:" + strconv.FormatInt(size, 10))
		if opts.Out != "" {
			return writeBytes(opts.Out, note, 0o644)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if opts.Out != "" {
		fmt.Fprintf(f.IO.ErrOut, "Wrote the signed checkpoint of %d entries to %s.\n", head.Size, output.Sanitize(opts.Out))
		return nil
	}
	_, err = f.IO.Out.Write(note)
	return err
}
