package audit

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
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
	// VKey is the log's verifier key for signed checkpoints; Witnesses the
	// witnesses' keys whose cosignatures are required.
	VKey      string
	Witnesses []string
	// From and To are two signed checkpoints to check a consistency
	// proof between; Export an export file to verify without the store.
	From, To string
	Export   string
	// Since is a signed checkpoint verified before: only what was appended
	// after it is checked.
	Since string
}

func newCmdVerify(f *cmdutil.Factory, runF func(*VerifyOptions) error) *cobra.Command {
	opts := &VerifyOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "verify [--checkpoint FILE]",
		Short: "Verify the audit log's hash chain, Merkle tree and checkpoints",
		Long: `Re-compute the hash of every entry and check that each follows the one
before it. Exit 0 when the chain is intact; exit 6 naming the first bad entry
when any entry was edited, deleted, inserted or reordered. The root of the
log's Merkle tree is recomputed from the entries too, and compared with the
stored tree.

Signed checkpoints (C2SP notes from ` + "`custos audit checkpoint`" + ` with
CUSTOS_AUDIT_SIGNING_KEY) are checked with the log's verifier key only:
  --checkpoint CP --vkey KEY   everything above, and that the log extends the
                               tree CP signed (exit 6 when it was cut off or
                               rewritten)
  --since CP --vkey KEY        only what was appended after CP, which was
                               verified in full before: fast on a long log
  --from OLD --to NEW --vkey KEY
                               a consistency proof that NEW extends OLD
                               (-o json writes it, for ` + "`audit witness`" + `)
  --export FILE --checkpoint CP --vkey KEY
                               an ` + "`audit export -o jsonl`" + ` file against CP,
                               without the store
--witness KEY (repeatable) requires that witness's cosignature on every
checkpoint given. See docs/audit-log.md.

It also checks the object index (what audit log --object and account show
read) against the objects each hashed entry names: a row deleted, added or
moved to another entry is exit 6 naming the entry. And it checks that the
triggers that make the log append-only are there as created: a dropped or
changed trigger is exit 6 naming it.

An older JSON checkpoint (--checkpoint FILE without --vkey) names an entry
that must still be there with the same hash; an HMAC-signed one is checked
against CUSTOS_AUDIT_KEY, and when the key is set, an unsigned one is
refused.

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

  $ custos audit verify --checkpoint /mnt/offsite/custos-2026-11-01.txt --vkey custos.vkey
  Audit log intact: 1204 entries, head entry 1204 (9c1e5f0a42b7…).
  Checkpoint matches: the log extends the 1187 entries custos.example.org/audit signed.

  $ custos audit verify --export custos-2026-Q4.jsonl --checkpoint cp.txt --vkey custos.vkey

  $ custos --db /audit/custos-copy.db audit verify
  Audit log intact: 1204 entries, head entry 1204 (9c1e5f0a42b7…).
  custos: notice: this invocation was not recorded in the audit log: the store /audit/custos-copy.db is read-only`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			switch {
			case (opts.From == "") != (opts.To == ""):
				return errs.Invalidf("--from and --to go together")
			case opts.From != "" && (opts.Checkpoint != "" || opts.Export != ""):
				return errs.Invalidf("--from/--to check two checkpoints: leave out --checkpoint and --export")
			case opts.From != "" && opts.VKey == "":
				return errs.Invalidf("--from/--to need the log's verifier key: --vkey")
			case opts.Export != "" && (opts.Checkpoint == "" || opts.VKey == ""):
				return errs.Invalidf("--export needs a signed checkpoint and its verifier key: --checkpoint and --vkey")
			case opts.Since != "" && (opts.VKey == "" || opts.Checkpoint != "" || opts.From != "" || opts.Export != ""):
				return errs.Invalidf("--since takes one signed checkpoint and --vkey, and no --checkpoint, --from or --export")
			case len(opts.Witnesses) > 0 && opts.VKey == "":
				return errs.Invalidf("--witness needs signed checkpoints: --vkey")
			case opts.MaxSkew < 0 && opts.Export == "" && opts.From == "" && opts.Since == "":
				return errs.Invalidf("--max-skew must not be negative")
			}
			if runF != nil {
				return runF(opts)
			}
			return verifyRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Checkpoint, "checkpoint", "", "a checkpoint file the log must still contain")
	cmd.Flags().StringVar(&opts.VKey, "vkey", "", "the log's verifier key (or a file holding it), for signed checkpoints")
	cmd.Flags().StringArrayVar(&opts.Witnesses, "witness", nil, "a witness's verifier key whose cosignature the checkpoints must carry (repeatable)")
	cmd.Flags().StringVar(&opts.From, "from", "", "with --to: the older of two signed checkpoints")
	cmd.Flags().StringVar(&opts.To, "to", "", "with --from: the newer of two signed checkpoints; checks that it extends --from")
	cmd.Flags().StringVar(&opts.Since, "since", "", "check only what was appended after this signed checkpoint (verified in full before)")
	cmd.Flags().StringVar(&opts.Export, "export", "", "verify an audit export -o jsonl file against --checkpoint, without the store")
	cmd.Flags().DurationVar(&opts.MaxSkew, "max-skew", time.Minute, "warn of entries timed more than this before an earlier entry (0: no check)")
	opts.Output = cmdutil.AddOutputFlag(f, cmd, output.Table, output.JSON)
	return cmdutil.MarkStore(cmd)
}

// verifyRun runs the verification the flags ask for.
func verifyRun(opts *VerifyOptions) error {
	switch {
	case opts.Export != "":
		return verifyExportRun(opts)
	case opts.From != "":
		return verifyConsistencyRun(opts)
	case opts.Since != "":
		return verifySinceRun(opts)
	}
	return verifyChainRun(opts)
}

// VerifyResult is what audit verify reports in JSON.
type VerifyResult struct {
	Intact   bool   `json:"intact"`
	Entries  int64  `json:"entries"`
	HeadSeq  int64  `json:"head_seq"`
	HeadHash string `json:"head_hash"`
	// CheckpointSeq is the entry an older JSON checkpoint names, if one
	// was given.
	CheckpointSeq *int64  `json:"checkpoint_seq"`
	Seconds       float64 `json:"seconds"`
	// ClockSkew lists the first entries timed before an earlier one;
	// ClockSkewCount counts them all.
	ClockSkew      []SkewResult `json:"clock_skew"`
	ClockSkewCount int64        `json:"clock_skew_count"`
}

// SkewResult is an entry timed before an earlier one. Its fields are
// encoded as they are, in name order.
type SkewResult struct {
	BehindSeconds float64 `json:"behind_seconds"`
	Host          string  `json:"host"`
	Seq           int64   `json:"seq"`
}

// verifyChainRun verifies the whole chain, against a checkpoint if given.
func verifyChainRun(opts *VerifyOptions) error {
	f := opts.Factory
	var cp *audit.Checkpoint
	var signed *audit.SignedCheckpoint
	if opts.Checkpoint != "" {
		b, err := os.ReadFile(opts.Checkpoint)
		if err != nil {
			return errs.Invalidf("cannot read the checkpoint: %v", err)
		}
		switch {
		case audit.IsNote(b) && opts.VKey == "":
			return errs.Invalidf("the checkpoint is a signed note: give the log's verifier key with --vkey")
		case audit.IsNote(b):
			v, err := verifierArg("--vkey", opts.VKey)
			if err != nil {
				return err
			}
			ws, err := witnessArgs(opts.Witnesses)
			if err != nil {
				return err
			}
			if signed, err = audit.OpenCheckpoint(b, v, ws...); err != nil {
				return err
			}
		case opts.VKey != "":
			return errs.Invalidf("the checkpoint is an older JSON checkpoint, not a signed note: leave out --vkey")
		default:
			if cp, err = audit.ParseCheckpoint(b); err != nil {
				return err
			}
		}
	}
	var v *audit.Verifier
	start := time.Now()
	err := cmdutil.Run(f, opts.Cmd, store.Spec{}, func(tx store.Tx) error {
		if cp != nil {
			if err := cp.CheckSignature([]byte(f.Getenv("CUSTOS_AUDIT_KEY"))); err != nil {
				return err
			}
		}
		bar := f.IO.StartProgressIn("verifying", "entries")
		defer bar.Done()
		var err error
		v, err = tx.Audit().VerifyAudit(cp, opts.MaxSkew, bar.Set)
		if err != nil || signed == nil {
			return err
		}
		return tx.Audit().VerifyAgainst(v, signed.Size, signed.Root)
	})
	if err != nil {
		return err
	}
	seq, hash := v.Head()
	elapsed := time.Since(start)
	slices.SortFunc(v.Skews, func(a, b audit.Skew) int { return cmp.Compare(a.Seq, b.Seq) })
	if opts.Output.Format().IsJSON() {
		r := VerifyResult{Intact: true, Entries: v.Count, HeadSeq: seq, HeadHash: hash, Seconds: elapsed.Seconds(),
			ClockSkew: make([]SkewResult, len(v.Skews)), ClockSkewCount: v.SkewCount}
		if cp != nil {
			r.CheckpointSeq = &cp.Seq
		}
		for i, k := range v.Skews {
			r.ClockSkew[i] = SkewResult{k.Behind.Seconds(), k.Host, k.Seq}
		}
		return output.WriteResult(f.IO, output.JSON, r)
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
	if signed != nil {
		fmt.Fprintf(f.IO.Out, "Checkpoint matches: the log extends the %d entries %s signed%s.\n", signed.Size, output.Sanitize(signed.Origin), witnessed(signed))
	}
	return nil
}

func witnessed(cp *audit.SignedCheckpoint) string {
	if len(cp.Witnesses) == 0 {
		return ""
	}
	return ", cosigned by " + output.Sanitize(strings.Join(cp.Witnesses, ", "))
}

// VerifyExportResult is what audit verify --export reports in JSON.
type VerifyExportResult struct {
	Intact  bool  `json:"intact"`
	Entries int64 `json:"entries"`
	HeadSeq int64 `json:"head_seq"`
	// CheckpointSize is how many of the first entries the checkpoint
	// signed, Origin the log that signed them.
	CheckpointSize int64  `json:"checkpoint_size"`
	Origin         string `json:"origin"`
	// Witnesses are the names of the witnesses whose cosignatures were
	// checked.
	Witnesses []string `json:"witnesses"`
}

// verifyExportRun verifies an export file against a signed checkpoint,
// without the store: the chain of the exported entries, and the Merkle
// root of the first entries against the one the checkpoint signed.
func verifyExportRun(opts *VerifyOptions) error {
	f := opts.Factory
	cps, err := openSigned(opts.VKey, opts.Witnesses, opts.Checkpoint)
	if err != nil {
		return err
	}
	cp := cps[0]
	fh, err := os.Open(opts.Export)
	if err != nil {
		return errs.Invalidf("cannot read the export: %v", err)
	}
	defer fh.Close()
	ver := audit.NewVerifier()
	ver.RootAt = cp.Size
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	line := 0
	for sc.Scan() {
		line++
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		e, err := audit.DecodeEntry(sc.Bytes())
		if err != nil {
			return errs.Invalidf("%s, line %d: %v", output.Sanitize(opts.Export), line, err)
		}
		if err := ver.Check(e); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return errs.Invalidf("cannot read the export: %v", err)
	}
	root := ver.RootAtHash
	if cp.Size == 0 {
		root = audit.EmptyRoot()
	}
	if ver.Count < cp.Size {
		return errs.Integrityf("audit log truncated: the checkpoint signs %d entries but the export holds %d", cp.Size, ver.Count)
	}
	if !bytes.Equal(root, cp.Root) {
		return errs.Integrityf("audit log rewritten: the export's first %d entries do not have the root the checkpoint signed", cp.Size)
	}
	seq, _ := ver.Head()
	if opts.Output.Format() == output.JSON {
		return output.WriteResult(f.IO, output.JSON, VerifyExportResult{true, ver.Count, seq, cp.Size, cp.Origin, cp.Witnesses})
	}
	fmt.Fprintf(f.IO.Out, "Export intact: %d entries, head entry %d; its first %d entries are the ones %s signed%s.\n",
		ver.Count, seq, cp.Size, output.Sanitize(cp.Origin), witnessed(cp))
	return nil
}

// verifyConsistencyRun checks that the log signed in --to extends the log
// signed in --from, with a consistency proof from the store.
func verifyConsistencyRun(opts *VerifyOptions) error {
	f := opts.Factory
	cps, err := openSigned(opts.VKey, opts.Witnesses, opts.From, opts.To)
	if err != nil {
		return err
	}
	from, to := cps[0], cps[1]
	if to.Size < from.Size {
		return errs.Integrityf("the --to checkpoint signs %d entries, fewer than the %d of --from: the log was cut off or rewritten (or the two are swapped)", to.Size, from.Size)
	}
	var hashes [][]byte
	err = cmdutil.Run(f, opts.Cmd, store.Spec{}, func(tx store.Tx) error {
		var err error
		hashes, err = tx.Audit().AuditConsistency(from.Size, to.Size)
		return err
	})
	if err != nil {
		return err
	}
	if err := audit.VerifyConsistency(uint64(from.Size), uint64(to.Size), hashes, from.Root, to.Root); err != nil {
		return err
	}
	if opts.Output.Format() == output.JSON {
		b, _ := json.MarshalIndent(ConsistencyFile{FromSize: from.Size, ToSize: to.Size,
			FromRoot: base64.StdEncoding.EncodeToString(from.Root), ToRoot: base64.StdEncoding.EncodeToString(to.Root),
			Consistency: audit.EncodeHashes(hashes)}, "", "  ")
		_, err := fmt.Fprintf(f.IO.Out, "%s\n", b)
		return err
	}
	fmt.Fprintf(f.IO.Out, "Consistent: the log of %d entries extends the log of %d entries (proof of %d hashes).\n", to.Size, from.Size, len(hashes))
	return nil
}

// VerifySinceResult is what audit verify --since reports in JSON.
type VerifySinceResult struct {
	Intact         bool  `json:"intact"`
	CheckpointSize int64 `json:"checkpoint_size"`
	HeadSeq        int64 `json:"head_seq"`
	// Appended is how many entries were appended after the checkpoint.
	Appended int64   `json:"appended"`
	Seconds  float64 `json:"seconds"`
}

// verifySinceRun checks what was appended after a signed checkpoint.
func verifySinceRun(opts *VerifyOptions) error {
	f := opts.Factory
	cps, err := openSigned(opts.VKey, opts.Witnesses, opts.Since)
	if err != nil {
		return err
	}
	cp := cps[0]
	var head int64
	start := time.Now()
	err = cmdutil.Run(f, opts.Cmd, store.Spec{}, func(tx store.Tx) error {
		var err error
		head, err = tx.Audit().VerifySince(cp.Size, cp.Root)
		return err
	})
	if err != nil {
		return err
	}
	if opts.Output.Format() == output.JSON {
		return output.WriteResult(f.IO, output.JSON, VerifySinceResult{true, cp.Size, head, head - cp.Size, time.Since(start).Seconds()})
	}
	fmt.Fprintf(f.IO.Out, "Audit log intact since the checkpoint: it extends the %d entries %s signed%s with %d entries, head entry %d.\n",
		cp.Size, output.Sanitize(cp.Origin), witnessed(cp), head-cp.Size, head)
	return nil
}
