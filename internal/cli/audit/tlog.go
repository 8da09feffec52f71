package audit

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"github.com/custos-dev/custos/internal/audit"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/store"
)

// The transparency-log commands: keys, proofs and witnesses. What they
// check is in internal/audit; the proofs come from the store's tree.

// readKeyArg reads a key given as the key itself or as a file holding it.
func readKeyArg(flag, v string) (string, error) {
	if v == "" {
		return "", nil
	}
	if _, err := os.Stat(v); err != nil && strings.Count(v, "+") >= 2 {
		return v, nil
	}
	b, err := os.ReadFile(v)
	if err != nil {
		return "", errs.Invalidf("cannot read the key of %s: %v", flag, err).WithField(strings.TrimPrefix(flag, "--"))
	}
	return strings.TrimSpace(string(b)), nil
}

// verifierArg reads a verifier key flag.
func verifierArg(flag, v string) (note.Verifier, error) {
	k, err := readKeyArg(flag, v)
	if err != nil {
		return nil, err
	}
	ver, err := audit.ParseVerifier(k)
	if err != nil {
		return nil, errs.Invalidf("%s: %v", flag, err).WithField(strings.TrimPrefix(flag, "--"))
	}
	return ver, nil
}

// openCheckpointFile reads and verifies a checkpoint note.
func openCheckpointFile(path string, logKey note.Verifier, witnesses []note.Verifier) (*audit.SignedCheckpoint, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, errs.Invalidf("cannot read the checkpoint: %v", err)
	}
	return audit.OpenCheckpoint(b, logKey, witnesses...)
}

// openSigned reads the log's verifier key (--vkey), the witnesses'
// (--witness) and each checkpoint file in paths, each checked against
// them.
// OpenSigned reads signed checkpoint notes and checks their signature
// by the log's key vkey (a verifier key or a file holding one) and each
// witness's cosignature, as audit verify --since does.
func OpenSigned(vkey string, witnesses []string, paths ...string) ([]*audit.SignedCheckpoint, error) {
	return openSigned(vkey, witnesses, paths...)
}

func openSigned(vkey string, witnesses []string, paths ...string) ([]*audit.SignedCheckpoint, error) {
	v, err := verifierArg("--vkey", vkey)
	if err != nil {
		return nil, err
	}
	ws, err := witnessArgs(witnesses)
	if err != nil {
		return nil, err
	}
	out := make([]*audit.SignedCheckpoint, len(paths))
	for i, p := range paths {
		if out[i], err = openCheckpointFile(p, v, ws); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func witnessArgs(ws []string) ([]note.Verifier, error) {
	var out []note.Verifier
	for _, w := range ws {
		v, err := verifierArg("--witness", w)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// KeygenOptions are the inputs of `audit keygen`.
type KeygenOptions struct {
	Factory *cmdutil.Factory
	Name    string
	Out     string
}

func newCmdKeygen(f *cmdutil.Factory, runF func(*KeygenOptions) error) *cobra.Command {
	opts := &KeygenOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "keygen --name NAME [--out FILE]",
		Short: "Make a key pair to sign checkpoints (or to witness them)",
		Long: `Make an Ed25519 key pair for signed notes: the signer key is written to
--out FILE (mode 0600; default NAME with '/' made '_', plus .key), and the
verifier key is printed, to publish where auditors and witnesses find it.

For the log's own key, NAME must be the log's origin (policy audit.origin,
e.g. custos.example.org/audit); point CUSTOS_AUDIT_SIGNING_KEY at the file
for ` + "`custos audit checkpoint`" + `. A witness makes its key the same way, with a
name of its own. The signer key never goes into the store or the log.
An existing FILE is never overwritten (exit 5).`,
		Example: `  $ custos audit keygen --name custos.example.org/audit --out /etc/custos/audit-signing.key
  custos.example.org/audit+1c2e9f3a+AXp…`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Name == "" {
				return errs.Invalidf("--name is required")
			}
			if opts.Out == "" {
				opts.Out = strings.ReplaceAll(opts.Name, "/", "_") + ".key"
			}
			if runF != nil {
				return runF(opts)
			}
			return keygenRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Name, "name", "", "the key's name: the log's origin, or the witness's name")
	cmd.Flags().StringVar(&opts.Out, "out", "", "write the signer key to FILE")
	return cmd
}

func keygenRun(opts *KeygenOptions) error {
	skey, vkey, err := audit.GenerateKey(opts.Name)
	if err != nil {
		return err
	}
	fh, err := os.OpenFile(opts.Out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return errs.Conflictf("%s exists: custos never overwrites a key", output.Sanitize(opts.Out))
	} else if err != nil {
		return errs.Invalidf("cannot write the key: %v", err)
	}
	if _, err := fmt.Fprintln(fh, skey); err != nil {
		fh.Close()
		return errs.Invalidf("cannot write the key: %v", err)
	}
	if err := fh.Sync(); err != nil {
		fh.Close()
		return errs.Invalidf("cannot write the key: %v", err)
	}
	if err := fh.Close(); err != nil {
		return errs.Invalidf("cannot write the key: %v", err)
	}
	fmt.Fprintf(opts.Factory.IO.ErrOut, "Wrote the signer key to %s (keep it secret); the verifier key to publish:\n", output.Sanitize(opts.Out))
	_, err = fmt.Fprintln(opts.Factory.IO.Out, vkey)
	return err
}

// ProveOptions are the inputs of `audit prove`.
type ProveOptions struct {
	Factory    *cmdutil.Factory
	Cmd        *cobra.Command
	Output     *cmdutil.Output
	Seq        int64
	Checkpoint string
	VKey       string
}

func newCmdProve(f *cmdutil.Factory, runF func(*ProveOptions) error) *cobra.Command {
	opts := &ProveOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "prove SEQ [--checkpoint FILE --vkey KEY]",
		Short: "Print an entry and the proof that it is in the log",
		Long: `Print audit entry SEQ with an RFC 6962 inclusion proof: the hashes that lead
from the entry to the root of the log's Merkle tree. With --checkpoint FILE
(a signed checkpoint, checked with --vkey KEY) the proof is against the tree
that checkpoint signed, and the checkpoint is included, so that
` + "`custos audit check-proof`" + ` can verify the file anywhere, without the store.
Without a checkpoint it is against the log as it is now.

The proof is checked before it is printed: a store whose tree does not match
the entry is exit 6. SEQ beyond the checkpoint's size is exit 3.`,
		Example: `  $ custos audit prove 1832 --checkpoint cp-2026-11-30.txt --vkey custos.vkey -o json > approval.proof.json
  $ custos audit check-proof approval.proof.json --checkpoint cp-2026-11-30.txt --vkey custos.vkey`,
		Args: cmdutil.ExactArgs("SEQ"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			n, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || n < 1 {
				return errs.Invalidf("SEQ must be an entry's sequence number (1 or more), not %q", args[0])
			}
			opts.Seq = n
			if (opts.Checkpoint == "") != (opts.VKey == "") {
				return errs.Invalidf("--checkpoint and --vkey go together")
			}
			if runF != nil {
				return runF(opts)
			}
			return proveRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Checkpoint, "checkpoint", "", "prove against this signed checkpoint")
	cmd.Flags().StringVar(&opts.VKey, "vkey", "", "the log's verifier key (or a file holding it)")
	opts.Output = cmdutil.AddOutputFlag(f, cmd, output.JSON, output.Table)
	return cmdutil.MarkStore(cmd)
}

func proveRun(opts *ProveOptions) error {
	f := opts.Factory
	var cp *audit.SignedCheckpoint
	if opts.Checkpoint != "" {
		v, err := verifierArg("--vkey", opts.VKey)
		if err != nil {
			return err
		}
		if cp, err = openCheckpointFile(opts.Checkpoint, v, nil); err != nil {
			return err
		}
	}
	var p audit.Proof
	err := cmdutil.Run(f, opts.Cmd, store.Spec{}, func(tx store.Tx) error {
		tx.Touch("audit:" + strconv.FormatInt(opts.Seq, 10))
		size, err := tx.Audit().AuditTreeSize()
		if err != nil {
			return err
		}
		if cp != nil {
			if cp.Size > size {
				return errs.Integrityf("audit log truncated: the checkpoint signs %d entries but the log has %d", cp.Size, size)
			}
			size = cp.Size
		}
		if opts.Seq > size {
			return errs.NotFoundf("entry %d is not in the log of %d entries", opts.Seq, size)
		}
		e, _, root, hashes, err := tx.Audit().AuditInclusion(opts.Seq, size)
		if err != nil {
			return err
		}
		if cp != nil {
			if !bytes.Equal(root, cp.Root) {
				return errs.Integrityf("audit log rewritten: its first %d entries do not have the root the checkpoint signed (run custos audit verify --checkpoint)", size)
			}
			s := string(cp.Raw)
			p.Checkpoint = &s
		}
		p.Entry = e.ToJSON()
		p.LeafIndex, p.TreeSize = e.Seq-1, size
		p.RootHash = base64.StdEncoding.EncodeToString(root)
		p.Inclusion = audit.EncodeHashes(hashes)
		return nil
	})
	if err != nil {
		return err
	}
	if opts.Output.Format() == output.Table {
		fmt.Fprintf(f.IO.Out, "Entry %d (%s by %s at %s) is leaf %d of the tree of %d entries, root %s; proof of %d hashes.\n",
			p.Entry.Seq, output.Sanitize(p.Entry.Command), output.Sanitize(p.Entry.Operator), p.Entry.Time,
			p.LeafIndex, p.TreeSize, p.RootHash, len(p.Inclusion))
		return nil
	}
	b, _ := json.MarshalIndent(p, "", "  ")
	_, err = fmt.Fprintf(f.IO.Out, "%s\n", b)
	return err
}

// CheckProofOptions are the inputs of `audit check-proof`.
type CheckProofOptions struct {
	Factory    *cmdutil.Factory
	Proof      string
	Checkpoint string
	VKey       string
	Witnesses  []string
}

func newCmdCheckProof(f *cmdutil.Factory, runF func(*CheckProofOptions) error) *cobra.Command {
	opts := &CheckProofOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "check-proof PROOF.json --checkpoint FILE --vkey KEY [--witness KEY]...",
		Short: "Verify an entry's proof offline, without the store",
		Long: `Verify a proof written by ` + "`custos audit prove -o json`" + `, without the store: the
entry's own hash, the checkpoint's signature with the log's verifier key
(and each --witness's cosignature), and the inclusion proof from the entry
to the root the checkpoint signed. What an auditor runs on a laptop to show
that an entry (the approval of an account, say) is in the log the company
signed. Exit 0 when it holds, exit 6 when it does not, exit 2 for a file
that is not a proof or a checkpoint.`,
		Example: `  $ custos audit check-proof approval.proof.json --checkpoint cp-2026-11-30.txt --vkey custos.vkey
  Proof holds: entry 1832 (account approve by erin at 2026-11-12T09:14:03.120000000Z) is entry 1832 of the 40211 entries custos.example.org/audit signed.`,
		Args: cmdutil.ExactArgs("PROOF.json"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Proof = args[0]
			if opts.Checkpoint == "" || opts.VKey == "" {
				return errs.Invalidf("--checkpoint and --vkey are required")
			}
			if runF != nil {
				return runF(opts)
			}
			return checkProofRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Checkpoint, "checkpoint", "", "the signed checkpoint the proof must lead to")
	cmd.Flags().StringVar(&opts.VKey, "vkey", "", "the log's verifier key (or a file holding it)")
	cmd.Flags().StringArrayVar(&opts.Witnesses, "witness", nil, "a witness's verifier key whose cosignature is required (repeatable)")
	return cmd
}

func checkProofRun(opts *CheckProofOptions) error {
	cps, err := openSigned(opts.VKey, opts.Witnesses, opts.Checkpoint)
	if err != nil {
		return err
	}
	cp := cps[0]
	b, err := os.ReadFile(opts.Proof)
	if err != nil {
		return errs.Invalidf("cannot read the proof: %v", err)
	}
	var p audit.Proof
	if err := json.Unmarshal(b, &p); err != nil {
		return errs.Invalidf("not a custos proof: %v", err)
	}
	if p.TreeSize != cp.Size || p.RootHash != base64.StdEncoding.EncodeToString(cp.Root) {
		return errs.Integrityf("the proof is against a tree of %d entries with root %s, but the checkpoint signs %d entries with root %s",
			p.TreeSize, output.Sanitize(p.RootHash), cp.Size, base64.StdEncoding.EncodeToString(cp.Root))
	}
	e, err := p.Check()
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.Factory.IO.Out, "Proof holds: entry %d (%s by %s at %s) is in the %d entries %s signed",
		e.Seq, output.Sanitize(e.Command), output.Sanitize(e.Operator), e.At, cp.Size, output.Sanitize(cp.Origin))
	if len(cp.Witnesses) > 0 {
		fmt.Fprintf(opts.Factory.IO.Out, ", cosigned by %s", output.Sanitize(strings.Join(cp.Witnesses, ", ")))
	}
	fmt.Fprintln(opts.Factory.IO.Out, ".")
	return nil
}

// WitnessOptions are the inputs of `audit witness`.
type WitnessOptions struct {
	Factory    *cmdutil.Factory
	Checkpoint string
	VKey       string
	Key        string
	State      string
	Proof      string
	Out        string
}

func newCmdWitness(f *cmdutil.Factory, runF func(*WitnessOptions) error) *cobra.Command {
	opts := &WitnessOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "witness --vkey LOG_VKEY --key WITNESS_KEY --state DIR [--proof FILE] CHECKPOINT",
		Short: "Cosign a checkpoint that extends the last one this witness cosigned",
		Long: `Run by someone other than the log's administrators, on another host: check
the checkpoint's signature with the log's verifier key, check that it extends
the last checkpoint this witness cosigned (kept in DIR) with the consistency
proof in --proof FILE (written on the log's host by ` + "`custos audit verify --from\nOLD --to NEW -o json`" + `), then add the witness's signature (a note
signature with WITNESS_KEY, made by ` + "`custos audit keygen`" + `), print the cosigned
checkpoint, and keep it in DIR as the new last one.

A checkpoint that does not extend the last one (the log was rewritten or
cut off) is refused, exit 6, and DIR is left as it was. The first
checkpoint a witness sees needs no proof. The witness never needs the store.`,
		Example: `  $ custos audit witness --vkey custos.vkey --key witness.key --state /var/lib/custos-witness --proof cons.json cp.txt > cp.cosigned.txt`,
		Args:    cmdutil.ExactArgs("CHECKPOINT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Checkpoint = args[0]
			if opts.VKey == "" || opts.Key == "" || opts.State == "" {
				return errs.Invalidf("--vkey, --key and --state are required")
			}
			if runF != nil {
				return runF(opts)
			}
			return witnessRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.VKey, "vkey", "", "the log's verifier key (or a file holding it)")
	cmd.Flags().StringVar(&opts.Key, "key", "", "the witness's signer key file")
	cmd.Flags().StringVar(&opts.State, "state", "", "the directory that keeps the last checkpoint cosigned")
	cmd.Flags().StringVar(&opts.Proof, "proof", "", "the consistency proof from the last checkpoint cosigned to this one")
	cmd.Flags().StringVar(&opts.Out, "out", "", "write the cosigned checkpoint to FILE instead of stdout")
	return cmd
}

// ConsistencyFile is what `audit verify --from OLD --to NEW -o json`
// writes: enough for a witness to check the step without the store.
type ConsistencyFile struct {
	FromSize    int64    `json:"from_size"`
	ToSize      int64    `json:"to_size"`
	FromRoot    string   `json:"from_root"`
	ToRoot      string   `json:"to_root"`
	Consistency []string `json:"consistency_proof"`
}

func witnessRun(opts *WitnessOptions) error {
	v, err := verifierArg("--vkey", opts.VKey)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(opts.Key)
	if err != nil {
		return errs.Invalidf("cannot read the witness key: %v", err).WithField("key")
	}
	skey := strings.TrimSpace(string(b))
	cp, err := openCheckpointFile(opts.Checkpoint, v, nil)
	if err != nil {
		return err
	}
	statePath := filepath.Join(opts.State, strings.ReplaceAll(cp.Origin, "/", "_")+".checkpoint")
	last, err := os.ReadFile(statePath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		last = nil
	case err != nil:
		return errs.Invalidf("cannot read the witness state: %v", err)
	}
	if last != nil {
		prev, err := audit.OpenCheckpoint(last, v)
		if err != nil {
			return errs.Integrityf("the last checkpoint cosigned (%s) no longer verifies: %v", output.Sanitize(statePath), err)
		}
		if cp.Size < prev.Size {
			return errs.Integrityf("the checkpoint signs %d entries, fewer than the %d of the last one cosigned: the log was cut off or rewritten", cp.Size, prev.Size)
		}
		var hashes [][]byte
		if cp.Size > prev.Size {
			if opts.Proof == "" {
				return errs.Invalidf("--proof is required: the checkpoint must be shown to extend the last one cosigned (%d entries)", prev.Size)
			}
			pb, err := os.ReadFile(opts.Proof)
			if err != nil {
				return errs.Invalidf("cannot read the proof: %v", err)
			}
			var c ConsistencyFile
			if err := json.Unmarshal(pb, &c); err != nil {
				return errs.Invalidf("not a consistency proof: %v", err)
			}
			if c.FromSize != prev.Size || c.ToSize != cp.Size {
				return errs.Integrityf("the proof is from %d to %d entries, not from the %d last cosigned to the %d of this checkpoint", c.FromSize, c.ToSize, prev.Size, cp.Size)
			}
			if hashes, err = audit.DecodeHashes(c.Consistency); err != nil {
				return err
			}
		}
		if err := audit.VerifyConsistency(uint64(prev.Size), uint64(cp.Size), hashes, prev.Root, cp.Root); err != nil {
			return err
		}
	}
	out, err := audit.Cosign(cp, skey)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(opts.State, 0o700); err != nil {
		return errs.Invalidf("cannot keep the witness state: %v", err)
	}
	if err := writeBytes(statePath, out, 0o600); err != nil {
		return err
	}
	if opts.Out != "" {
		if err := writeBytes(opts.Out, out, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(opts.Factory.IO.ErrOut, "Cosigned the checkpoint of %d entries; wrote it to %s.\n", cp.Size, output.Sanitize(opts.Out))
		return nil
	}
	_, err = opts.Factory.IO.Out.Write(out)
	return err
}

// writeBytes writes a file with the given mode (see
// cmdutil.WriteOutputFile).
func writeBytes(path string, b []byte, mode os.FileMode) error {
	if err := cmdutil.WriteOutputFile(path, b, mode); err != nil {
		return errs.Invalidf("cannot write %s: %v", output.Sanitize(path), err)
	}
	return nil
}
