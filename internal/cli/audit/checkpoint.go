package audit

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

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
stored in the store or the log. The note itself (public: the signed head
and its signature) is kept in the store too, for
` + "`custos audit checkpoint list`" + ` and ` + "`show`" + ` and for ` + "`custos report --vkey KEY`" + `,
which trust a kept note only once its signature verifies against the
verifier key they are given.

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
	cmd.AddCommand(newCmdCheckpointList(f, nil), newCmdCheckpointShow(f, nil))
	return cmdutil.MarkStore(cmd)
}

func checkpointRun(opts *CheckpointOptions) error {
	f := opts.Factory
	key := []byte(f.Getenv("CUSTOS_AUDIT_KEY"))
	if path := f.Getenv("CUSTOS_AUDIT_SIGNING_KEY"); path != "" {
		return signedCheckpointRun(opts, path)
	}
	out, err := openOut(opts.Out)
	if err != nil {
		return err
	}
	defer out.Close()
	var cp *audit.Checkpoint
	err = cmdutil.Run(f, opts.Cmd, store.Spec{}, func(tx store.Tx) error {
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
		if out != nil {
			b, _ := json.MarshalIndent(cp, "", "  ")
			return writeOut(out, append(b, '\n'))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if out != nil {
		if err := finishOut(out); err != nil {
			return err
		}
		fmt.Fprintf(f.IO.ErrOut, "Wrote checkpoint of entry %d to %s.\n", cp.Seq, output.Sanitize(opts.Out))
		return nil
	}
	b, _ := json.MarshalIndent(cp, "", "  ")
	_, err = fmt.Fprintf(f.IO.Out, "%s\n", b)
	return err
}

// openOut opens --out before the command touches the store (see
// cmdutil.OutputFile); nil when there is none.
func openOut(path string) (*cmdutil.OutputFile, error) {
	if path == "" {
		return nil, nil
	}
	out, err := cmdutil.OpenOutputFile(path, 0o644)
	if err != nil {
		return nil, errs.Invalidf("cannot write the checkpoint: %v", err)
	}
	return out, nil
}

func writeOut(out *cmdutil.OutputFile, b []byte) error {
	if err := out.Write(b); err != nil {
		return errs.Invalidf("cannot write the checkpoint: %v", err)
	}
	return nil
}

func finishOut(out *cmdutil.OutputFile) error {
	if err := out.Finish(); err != nil {
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
	out, err := openOut(opts.Out)
	if err != nil {
		return err
	}
	defer out.Close()
	var note []byte
	var head audit.TreeHead
	// A write: the note is kept in the store (audit checkpoint list,
	// and the report's latest checkpoint), in the transaction that
	// appends this entry.
	err = cmdutil.Run(f, opts.Cmd, store.Spec{Write: true}, func(tx store.Tx) error {
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
		if err := tx.Audit().SaveCheckpoint(size, origin, note); err != nil {
			return err
		}
		if out != nil {
			return writeOut(out, note)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if out != nil {
		if err := finishOut(out); err != nil {
			return err
		}
		fmt.Fprintf(f.IO.ErrOut, "Wrote the signed checkpoint of %d entries to %s.\n", head.Size, output.Sanitize(opts.Out))
		return nil
	}
	_, err = f.IO.Out.Write(note)
	return err
}

// CheckpointListOptions are the inputs of `audit checkpoint list`.
type CheckpointListOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
}

func newCmdCheckpointList(f *cmdutil.Factory, runF func(*CheckpointListOptions) error) *cobra.Command {
	opts := &CheckpointListOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the signed checkpoints the store keeps, the latest first",
		Long: `List the signed checkpoint notes that ` + "`custos audit checkpoint`" + ` kept in
the store: the number of entries each signs, the log's origin, when and by
whom it was made. The notes are public; listing them checks no signature
(` + "`custos audit checkpoint show`" + ` with --vkey does, and so does the report).`,
		Example: `  $ custos audit checkpoint list
  $ custos audit checkpoint list -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			if runF != nil {
				return runF(opts)
			}
			return checkpointListRun(opts)
		},
	}
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// CheckpointRow is a signed checkpoint in `audit checkpoint list`.
type CheckpointRow struct {
	Size   int64     `json:"size"`
	Origin string    `json:"origin"`
	MadeAt time.Time `json:"made_at"`
	MadeBy string    `json:"made_by"`
}

func checkpointListRun(opts *CheckpointListOptions) error {
	f := opts.Factory
	w := output.NewResultList[CheckpointRow](f.IO, opts.Output.Format())
	err := cmdutil.Run(f, opts.Cmd, store.Spec{}, func(tx store.Tx) error {
		cps, err := tx.Audit().StoredCheckpoints(0)
		if err != nil {
			return err
		}
		for _, c := range cps {
			if err := w.Write(&CheckpointRow{c.Size, c.Origin, c.MadeAt, c.MadeBy}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return w.Close()
}

// CheckpointShowOptions are the inputs of `audit checkpoint show`.
type CheckpointShowOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	// Size is the checkpoint's number of entries; 0 for the latest.
	Size      int64
	VKey      string
	Witnesses []string
}

func newCmdCheckpointShow(f *cmdutil.Factory, runF func(*CheckpointShowOptions) error) *cobra.Command {
	opts := &CheckpointShowOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "show [SIZE] [--vkey KEY [--witness KEY]]",
		Short: "Print a signed checkpoint the store keeps (the latest by default)",
		Long: `Print the signed checkpoint note of SIZE entries that the store keeps, or
the latest one, exactly as ` + "`custos audit checkpoint`" + ` wrote it, so it can be
saved and checked anywhere (` + "`custos audit verify --checkpoint FILE --vkey KEY`" + `).

With --vkey KEY (the log's verifier key, or a file holding it) the note's
signature is checked first, and each --witness KEY's cosignature: a note
that does not verify is an integrity failure (exit 6) and is not printed.
Without --vkey nothing is checked: a note read from the store is only
data until its signature verifies.`,
		Example: `  $ custos audit checkpoint show --vkey custos.vkey > cp.txt
  $ custos audit checkpoint show 1200`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return cmdutil.ExactArgs("[SIZE]")(cmd, args)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			if len(args) == 1 {
				n, err := strconv.ParseInt(args[0], 10, 64)
				if err != nil || n < 1 {
					return errs.Invalidf("SIZE must be a number of entries, 1 or more: %q", args[0])
				}
				opts.Size = n
			}
			if len(opts.Witnesses) > 0 && opts.VKey == "" {
				return errs.Invalidf("--witness needs the log's verifier key: --vkey")
			}
			if runF != nil {
				return runF(opts)
			}
			return checkpointShowRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.VKey, "vkey", "", "check the note's signature with the log's verifier key (or a file holding it) first")
	cmd.Flags().StringArrayVar(&opts.Witnesses, "witness", nil, "with --vkey: a witness's verifier key whose cosignature the note must carry (repeatable)")
	return cmdutil.MarkStore(cmd)
}

func checkpointShowRun(opts *CheckpointShowOptions) error {
	f := opts.Factory
	var note string
	err := cmdutil.Run(f, opts.Cmd, store.Spec{}, func(tx store.Tx) error {
		c, err := tx.Audit().StoredCheckpoint(opts.Size)
		if err != nil {
			return err
		}
		if opts.VKey != "" {
			if _, err := OpenStored(c, opts.VKey, opts.Witnesses); err != nil {
				return err
			}
		}
		note = c.Note
		return nil
	})
	if err != nil {
		return err
	}
	_, err = io.WriteString(f.IO.Out, note)
	return err
}

// OpenStored checks a checkpoint note kept in the store against the
// log's verifier key vkey (a key or a file holding one) and each
// witness's, as a checkpoint file is checked: a note that does not
// verify is an integrity error naming the checkpoint.
func OpenStored(c *store.StoredCheckpoint, vkey string, witnesses []string) (*audit.SignedCheckpoint, error) {
	v, err := verifierArg("--vkey", vkey)
	if err != nil {
		return nil, err
	}
	ws, err := witnessArgs(witnesses)
	if err != nil {
		return nil, err
	}
	cp, err := audit.OpenCheckpoint([]byte(c.Note), v, ws...)
	if err != nil {
		if errs.CodeOf(err) == errs.Integrity {
			return nil, errs.Integrityf("the stored checkpoint of %d entries does not verify: %v", c.Size, err).
				WithHint("the note in the store was altered, or signed with another key; check the copies kept elsewhere")
		}
		return nil, err
	}
	if cp.Size != c.Size {
		return nil, errs.Integrityf("the stored checkpoint of %d entries signs %d entries: it was filed under the wrong size", c.Size, cp.Size)
	}
	return cp, nil
}
