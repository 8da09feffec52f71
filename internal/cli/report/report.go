// Package report implements `custos report`: the compliance report of a
// quarter or of any span of dates, as one self-contained HTML page or as
// JSON, every figure traced to the audit entries it counts.
package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/spf13/cobra"

	auditcmd "github.com/custos-dev/custos/internal/cli/audit"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/report"
	"github.com/custos-dev/custos/internal/store"
)

// HTML is the report's page format; JSON is the other.
const HTML output.Format = "html"

// Options are the inputs of `custos report`.
type Options struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
	// Period is the span reported, resolved from --quarter, --from and
	// --to (the current quarter when none is given).
	Period report.Period
	Out    string
	// Since, VKey and Witnesses name a signed checkpoint to verify the
	// log from (audit verify --since), instead of from entry 1.
	Since     string
	VKey      string
	Witnesses []string
}

// NewCmdReport returns `custos report`.
func NewCmdReport(f *cmdutil.Factory) *cobra.Command { return newCmdReport(f, nil) }

func newCmdReport(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	var quarter, from, to string
	cmd := &cobra.Command{
		Use:   "report [--quarter 2026-Q4 | --from DATE --to DATE] [--vkey KEY [--since CP]] [-o html|json] [--out FILE]",
		Short: "The compliance report of a quarter, with charts, traced to the audit log",
		Long: `Write the compliance report of a quarter (--quarter 2026-Q4), or of the days
from --from to --to (both included), as one self-contained HTML page (the
default: inline SVG charts, no scripts, nothing fetched from the network,
a print stylesheet for A4) or as JSON (-o json). Without a period it
reports the current quarter so far. Periods are in UTC.

Sections: accounts (requested, joiners, leavers, freezes, accounts by
state and type, temporary accounts past their end date), access (grants
approved and direct, revocations, review campaigns with completion and
timeliness, separation-of-duties conflicts and clearance mismatches the
reviews flagged), records (retention schedules and locks, purges with
their archive SHA-256 and approvers, legal holds, look-ups), incidents (by
type and severity against the same period a year earlier, detection to
report against the deadline, disclosures, accounts frozen and restored),
training, and integrity (the audit chain verified at report time). What
custos does not record yet is named in the report instead of guessed.

Every figure lists the audit sequence numbers it counts (the JSON
carries all of them; the HTML links up to 12 per figure to a list of the
entries at its end), and the report names the audit entry it was computed
against. The report's own SHA-256 is recorded in its audit entry as the
object report:SHA256, so a copy can be checked later:
` + "`custos audit log --object report:$(sha256sum FILE | cut -d' ' -f1)`" + `.

The integrity section verifies the whole chain from entry 1, which takes
most of a report's time over a large log. With --vkey KEY (the log's
verifier key, or a file holding it) it starts from the latest signed
checkpoint the store keeps (` + "`custos audit checkpoint`" + ` keeps each one it
makes) and checks only what was appended after it: the checkpoint's
signature against KEY, the stored Merkle tree's root at the signed size
against the signed root, and the entries after it chained on to today's
root. A kept checkpoint whose signature does not verify is an integrity
failure (exit 6), never passed over for an older one; with none kept the
report is refused (exit 3). --since CP names a checkpoint file to start
from instead, as for audit verify --since. The section then says what
was checked, and names the checkpoint and its witnesses (--witness KEY,
repeatable, as for audit verify).

Only auditors, officers and admins may run it; it changes nothing.`,
		Example: `  $ custos report --quarter 2026-Q4 --out q4.html
  custos: wrote the report of 2026-Q4 to q4.html (SHA-256 3f1c…, recorded in the audit log)
  $ custos report --quarter 2026-Q4 --vkey custos.vkey --out q4.html
  $ custos report --quarter 2026-Q4 --since cp.txt --vkey custos.vkey --out q4.html
  $ custos report --from 2026-01-01 --to 2026-06-30 -o json | jq '.sections[] | select(.key=="incidents") | .figures[0]'
  $ custos audit log --object report:$(sha256sum q4.html | cut -d' ' -f1)`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			var err error
			switch {
			case quarter != "" && (from != "" || to != ""):
				return cmdutil.FlagError(cmd, fmt.Errorf("give either --quarter or --from and --to, not both"))
			case quarter != "":
				if opts.Period, err = report.Quarter(quarter); err != nil {
					return cmdutil.FlagError(cmd, fmt.Errorf("--quarter: %v", err))
				}
			case from != "" || to != "":
				if from == "" || to == "" {
					return cmdutil.FlagError(cmd, fmt.Errorf("--from and --to go together"))
				}
				if opts.Period, err = report.Dates(from, to); err != nil {
					return cmdutil.FlagError(cmd, fmt.Errorf("--from/--to: %v", err))
				}
				if opts.Period.To.Sub(opts.Period.From).Hours() > 24*366*5 {
					return cmdutil.FlagError(cmd, fmt.Errorf("--from/--to: a report covers at most five years"))
				}
			default:
				opts.Period = report.QuarterOf(f.Now())
			}
			if opts.Since != "" && opts.VKey == "" {
				return cmdutil.FlagError(cmd, fmt.Errorf("--since needs the log's verifier key: --vkey"))
			}
			if len(opts.Witnesses) > 0 && opts.VKey == "" {
				return cmdutil.FlagError(cmd, fmt.Errorf("--witness needs the log's verifier key: --vkey"))
			}
			if runF != nil {
				return runF(opts)
			}
			return reportRun(opts)
		},
	}
	cmd.Flags().StringVar(&quarter, "quarter", "", "report this calendar quarter, e.g. 2026-Q4")
	cmd.Flags().StringVar(&from, "from", "", "report from this day (YYYY-MM-DD, UTC), with --to")
	cmd.Flags().StringVar(&to, "to", "", "report up to and including this day, with --from")
	cmd.Flags().StringVar(&opts.Out, "out", "", "write the report to FILE instead of stdout")
	cmd.Flags().StringVar(&opts.Since, "since", "", "verify the log only after this signed checkpoint (verified in full before)")
	cmd.Flags().StringVar(&opts.VKey, "vkey", "", "verify the log from the latest signed checkpoint the store keeps (or --since CP), checked with this verifier key (or a file holding it)")
	cmd.Flags().StringArrayVar(&opts.Witnesses, "witness", nil, "with --vkey: a witness's verifier key whose cosignature the checkpoint must carry (repeatable)")
	opts.Output = cmdutil.AddOutputFlag(f, cmd, HTML, output.JSON)
	return cmdutil.MarkStore(cmd)
}

func reportRun(opts *Options) error {
	f := opts.Factory
	format := opts.Output.Format()
	var page bytes.Buffer
	var sum string
	var since *store.ReportSince
	if opts.Since != "" {
		cps, err := auditcmd.OpenSigned(opts.VKey, opts.Witnesses, opts.Since)
		if err != nil {
			return err
		}
		since = &store.ReportSince{Checkpoint: cps[0]}
	}
	// The file is opened before the store is touched: waiting for a
	// pipe's reader holds no transaction (see cmdutil.OutputFile).
	var out *cmdutil.OutputFile
	if opts.Out != "" {
		var err error
		if out, err = cmdutil.OpenOutputFile(opts.Out, 0o640); err != nil {
			return errs.Invalidf("cannot write the report: %v", err)
		}
		defer out.Close()
	}
	err := cmdutil.Run(f, opts.Cmd, store.Spec{}, func(tx store.Tx) error {
		if opts.Since == "" && opts.VKey != "" {
			// The latest note the store keeps, trusted only once its
			// signature verifies against the key given: one that does
			// not is an integrity failure, never skipped for an older.
			c, err := tx.Audit().StoredCheckpoint(0)
			if err != nil {
				return err
			}
			cp, err := auditcmd.OpenStored(c, opts.VKey, opts.Witnesses)
			if err != nil {
				return err
			}
			since = &store.ReportSince{Checkpoint: cp, Stored: c}
		}
		facts, err := tx.Report().ReportFacts(opts.Period, since)
		if err != nil {
			return err
		}
		r := report.Build(facts, opts.Period, tx.Operator().Name)
		if format == output.JSON {
			err = r.JSON(&page)
		} else {
			if r.Entries, err = tx.Report().ReportEntries(r.Linked()); err != nil {
				return err
			}
			err = r.HTML(&page)
		}
		if err != nil {
			return err
		}
		h := sha256.Sum256(page.Bytes())
		sum = hex.EncodeToString(h[:])
		tx.Touch("report:" + sum)
		if out != nil {
			if err := out.Write(page.Bytes()); err != nil {
				return errs.Invalidf("cannot write the report: %v", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if out != nil {
		if err := out.Finish(); err != nil {
			return errs.Invalidf("cannot write the report: %v", err)
		}
		fmt.Fprintf(f.IO.ErrOut, "custos: wrote the report of %s to %s (SHA-256 %s, recorded in the audit log)\n",
			opts.Period.Label, output.Sanitize(opts.Out), sum)
		return nil
	}
	_, err = f.IO.Out.Write(page.Bytes())
	return err
}
