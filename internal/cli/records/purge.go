package records

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/archive"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/records"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/when"
)

// A deletion batch holds the store's write lock while it runs, so another
// custos command may wait for it. Batches aim at batchTarget: each batch's
// span of record ids grows while batches run shorter than half of it and
// shrinks when one runs longer, so the wait stays well under 100 ms
// whatever the machine, the catalogue and the files to destroy.
const (
	batchTarget = 40 * time.Millisecond
	// The first batch's span; destroying files costs more per record.
	deleteSpan      = 4000
	deleteSpanFiles = 500
	minDeleteSpan   = 50
	maxDeleteSpan   = 1 << 20
	// batchGap is the pause between batches, in which a command waiting
	// for the store (it tries about every millisecond) gets it.
	batchGap = 2 * time.Millisecond
)

// nextSpan is the span of the batch after one of span ids that took took.
func nextSpan(span int64, took time.Duration) int64 {
	switch {
	case took > batchTarget:
		return max(span/2, minDeleteSpan)
	case took < batchTarget/2:
		return min(span*2, maxDeleteSpan)
	}
	return span
}

// PurgeOptions are the inputs of `records purge`.
type PurgeOptions struct {
	Class, AsOf, Archive string
	DeleteFiles, DryRun  bool
	Yes                  bool
}

func newCmdPurge(f *cmdutil.Factory) *cobra.Command {
	opts := &PurgeOptions{}
	var out *cmdutil.Output
	cmd := &cobra.Command{
		Use:   "purge [--class C] [--as-of DATE] --archive DIR [--delete-files] [--dry-run] [--yes]",
		Short: "Archive, verify, then delete the records past their retention",
		Long: `Purge the records past their retention and under no hold, backing up
first:

  1. select them: past their class's retention, under no hold;
  2. write them to a gzip JSON Lines archive in DIR, with a manifest
     (count, SHA-256, scope, operator, time);
  3. read the archive back and verify it before anything is deleted;
  4. record the purge, then delete in batches of about 40 ms each, so
     another administrator's command waits no longer than that for the
     store (--delete-files destroys the underlying files too: overwritten
     with zeros, synced, removed);
  5. mark the purge done.

--dry-run prints the plan (per class: count, oldest, newest) and changes
nothing. Without a terminal a real purge needs --yes (exit 2); on a
terminal it asks. A purge killed at any point leaves the catalogue, the
purge record and the audit log consistent: run the same command again and
it finishes the interrupted purge, files included.`,
		Example: `  # nightly, from cron
  15 2 * * *  custos records purge --archive /srv/archive/custos --delete-files --yes -o json >> /var/log/custos-purge.jsonl
  $ custos records purge --dry-run`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return purgeRun(f, cmd, out, opts) },
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Class, "class", "", "only this class")
	fl.StringVar(&opts.AsOf, "as-of", "", "decide as of this date or time (default now)")
	fl.StringVar(&opts.Archive, "archive", "", "directory for the archive and its manifest (required)")
	fl.BoolVar(&opts.DeleteFiles, "delete-files", false, "also destroy the records' files")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print the plan and change nothing")
	fl.BoolVar(&opts.Yes, "yes", false, "do not ask for confirmation")
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

type classPlan struct {
	class          string
	count          int64
	oldest, newest time.Time
}

func purgeRun(f *cmdutil.Factory, cmd *cobra.Command, out *cmdutil.Output, opts *PurgeOptions) error {
	asOf := f.Now()
	if opts.AsOf != "" {
		t, err := when.ParseTime(opts.AsOf, time.Local)
		if err != nil {
			return errs.Invalidf("--as-of: %v", err)
		}
		asOf = t
	}
	if opts.Class != "" {
		if err := records.ValidClass(opts.Class); err != nil {
			return err
		}
	}
	if opts.DryRun {
		return purgePlan(f, cmd, out, opts.Class, asOf)
	}
	if opts.Archive == "" {
		return errs.Invalidf("--archive DIR is required: custos backs up before it purges")
	}
	if err := archive.CheckDir(opts.Archive); err != nil {
		return err
	}
	if !opts.Yes && !f.IO.IsStdinTTY() {
		return errs.Invalidf("a purge without a terminal needs --yes").WithHint("check the plan with --dry-run first")
	}
	st, err := f.Store()
	if err != nil {
		return err
	}
	inv, err := f.Invocation(cmd)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	spec := store.Spec{Write: true, Roles: keepers}

	// An interrupted purge comes first: this run finishes it.
	var unfinished []*store.Purge
	if err := st.View(ctx, inv, spec, func(tx *store.Tx) (err error) {
		unfinished, err = tx.UnfinishedPurges()
		return err
	}); err != nil {
		return err
	}
	if len(unfinished) > 0 {
		err := st.Invoke(ctx, inv, spec, func(tx *store.Tx) (err error) {
			unfinished, err = tx.UnfinishedPurges()
			return err
		})
		if err != nil {
			return err
		}
		for _, p := range unfinished {
			fmt.Fprintf(f.IO.ErrOut, "Finishing purge %d, interrupted after deleting %d of %d records.\n", p.ID, p.Deleted, p.Count)
			done, err := finishPurge(ctx, f, st, p)
			if err != nil {
				return err
			}
			if err := reportPurge(f, out, done, "Finished"); err != nil {
				return err
			}
		}
		return nil
	}

	// 1–3: select, archive and verify, in a read snapshot, after the
	// operator's permission is checked. Nothing is recorded yet because
	// nothing has changed yet.
	var w *archive.Writer
	var fp store.Fingerprint
	var plan []*classPlan
	err = st.View(ctx, inv, spec, func(tx *store.Tx) error {
		return tx.PurgeCandidates(opts.Class, asOf, func(r *records.Record) error {
			if w == nil {
				var err error
				if w, err = archive.Create(opts.Archive, f.Now()); err != nil {
					return err
				}
			}
			fp.Add(r.ID)
			plan = addToPlan(plan, r)
			return w.Add(r)
		})
	})
	if err != nil {
		if w != nil {
			w.Abort()
		}
		return err
	}
	if fp.Count == 0 {
		return st.Invoke(ctx, inv, store.Spec{Roles: keepers}, func(*store.Tx) error {
			if out.Format() == output.Table {
				fmt.Fprintln(f.IO.ErrOut, "Nothing is due for purging.")
			}
			return nil
		})
	}
	if f.IO.IsStdinTTY() && !opts.Yes {
		writePlan(f, output.Table, plan)
		if !confirm(f, fmt.Sprintf("Purge these %d record(s)?", fp.Count)) {
			w.Abort()
			return errs.Invalidf("purge cancelled; nothing changed")
		}
	}
	host, _ := os.Hostname()
	m, err := w.Close(archive.Manifest{Class: opts.Class, AsOf: asOf.UTC().Format(time.RFC3339), Operator: inv.OSUser, Host: host,
		CreatedAt: f.Now().UTC().Format(time.RFC3339Nano)})
	if err != nil {
		return errs.Wrap(errs.Internal, err, "cannot write the archive: %v", err)
	}
	if _, err := archive.Verify(w.Path(), nil); err != nil {
		return err
	}
	if m.Count != fp.Count || m.SumID != fp.SumID {
		return errs.Integrityf("the archive holds %d records, %d were selected; nothing was deleted", m.Count, fp.Count)
	}

	// 4: record the purge and mark its records, in the invocation's one
	// audited transaction, then delete in batches.
	p := &store.Purge{ScopeClass: opts.Class, AsOf: asOf, Archive: w.Path(), ArchiveSHA256: m.SHA256, DeleteFiles: opts.DeleteFiles}
	if err := st.Invoke(ctx, inv, spec, func(tx *store.Tx) error { return tx.CommitPurge(p, fp) }); err != nil {
		return err
	}
	done, err := finishPurge(ctx, f, st, p)
	if err != nil {
		return err
	}
	return reportPurge(f, out, done, "Purged")
}

// finishPurge deletes a committed purge's records in batches and marks it
// done. An interrupt stops it between batches: each batch commits whole,
// and the next run finishes the purge.
func finishPurge(ctx context.Context, f *cmdutil.Factory, st *store.Store, p *store.Purge) (*store.Purge, error) {
	var destroy func(string) (bool, error)
	span := int64(deleteSpan)
	if p.DeleteFiles {
		destroy, span = archive.Destroy, deleteSpanFiles
	}
	if err := st.BulkCache(ctx); err != nil {
		return nil, err
	}
	bar := f.IO.StartProgress("deleting")
	defer bar.Done()
	deleted := p.Deleted
	for {
		if ctx.Err() != nil {
			return nil, errs.Wrap(errs.Internal, ctx.Err(), "interrupted after deleting %d of %d records of purge %d; run the purge again to finish it", deleted, p.Count, p.ID)
		}
		start := time.Now()
		n, more, err := st.DeletePurgeBatch(context.WithoutCancel(ctx), p.ID, span, destroy)
		if err != nil {
			return nil, err
		}
		span = nextSpan(span, time.Since(start))
		deleted += int64(n)
		bar.Set(deleted, p.Count)
		if !more {
			break
		}
		time.Sleep(batchGap)
	}
	return st.FinishPurge(context.WithoutCancel(ctx), p.ID)
}

func reportPurge(f *cmdutil.Factory, out *cmdutil.Output, p *store.Purge, verb string) error {
	if format := out.Format(); format != output.Table {
		return output.WriteObject(f.IO, format, output.Cols("purge", "state", "count", "deleted", "files_deleted", "archive", "archive_sha256", "as_of"),
			p.ID, p.State, p.Count, p.Deleted, p.FilesDeleted, p.Archive, p.ArchiveSHA256, p.AsOf)
	}
	files := ""
	if p.DeleteFiles {
		files = fmt.Sprintf(" and %d file(s)", p.FilesDeleted)
	}
	_, err := fmt.Fprintf(f.IO.Out, "%s %d record(s)%s (purge %d); archive %s, SHA-256 %s.\n",
		verb, p.Deleted, files, p.ID, output.Sanitize(p.Archive), p.ArchiveSHA256)
	return err
}

func addToPlan(plan []*classPlan, r *records.Record) []*classPlan {
	var cp *classPlan
	for _, c := range plan {
		if c.class == r.Class {
			cp = c
		}
	}
	if cp == nil {
		cp = &classPlan{class: r.Class, oldest: r.CreatedAt, newest: r.CreatedAt}
		plan = append(plan, cp)
	}
	cp.count++
	if r.CreatedAt.Before(cp.oldest) {
		cp.oldest = r.CreatedAt
	}
	if r.CreatedAt.After(cp.newest) {
		cp.newest = r.CreatedAt
	}
	return plan
}

func writePlan(f *cmdutil.Factory, format output.Format, plan []*classPlan) error {
	w := output.NewList(f.IO, format, output.Cols("class", "count", "oldest", "newest"))
	for _, c := range plan {
		if err := w.Row(c.class, c.count, c.oldest, c.newest); err != nil {
			return err
		}
	}
	return w.Close()
}

// purgePlan is the dry run: the plan, recorded as a read.
func purgePlan(f *cmdutil.Factory, cmd *cobra.Command, out *cmdutil.Output, class string, asOf time.Time) error {
	var plan []*classPlan
	err := cmdutil.Run(f, cmd, store.Spec{Roles: keepers}, func(tx *store.Tx) error {
		return tx.PurgeCandidates(class, asOf, func(r *records.Record) error {
			plan = addToPlan(plan, r)
			return nil
		})
	})
	if err != nil {
		return err
	}
	format := out.Format()
	if err := writePlan(f, format, plan); err != nil {
		return err
	}
	if format == output.Table {
		var n int64
		for _, c := range plan {
			n += c.count
		}
		fmt.Fprintf(f.IO.ErrOut, "Dry run as of %s: %d record(s) would be archived and deleted; nothing changed.\n", asOf.UTC().Format(time.RFC3339), n)
	}
	return nil
}

func confirm(f *cmdutil.Factory, question string) bool {
	fmt.Fprintf(f.IO.ErrOut, "%s [y/N] ", question)
	line, _ := bufio.NewReader(f.IO.In).ReadString('\n')
	answer := strings.ToLower(strings.TrimSpace(line))
	return answer == "y" || answer == "yes"
}

func newCmdRestore(f *cmdutil.Factory) *cobra.Command {
	var out *cmdutil.Output
	cmd := &cobra.Command{
		Use:   "restore ARCHIVE",
		Short: "Bring purged catalogue entries back from an archive",
		Long: `Verify an archive against its manifest (exit 6 if they disagree), then put
its catalogue entries back under their old ids. Entries already in the
catalogue are skipped, so a restore can run again. The files a purge
destroyed are not restored. Restored records follow their schedules again:
place a hold first if they must stay.`,
		Example: `  $ custos records restore /srv/archive/custos/custos-purge-20261123T021500.000000000Z.jsonl.gz`,
		Args:    cmdutil.ExactArgs("ARCHIVE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			var restored, skipped int64
			spec := store.Spec{Write: true, Roles: keepers, Targets: []string{"archive:" + strings.TrimSuffix(baseName(path), ".jsonl.gz")}}
			err := cmdutil.Run(f, cmd, spec, func(tx *store.Tx) error {
				ins, err := tx.NewRecordInserter()
				if err != nil {
					return err
				}
				// One pass: entries go in as the archive is read, and a
				// mismatch found at its end rolls them all back.
				_, err = archive.Verify(path, func(r *records.Record) error {
					exists, err := tx.RecordExists(r.ID)
					if err != nil || exists {
						if exists {
							skipped++
						}
						return err
					}
					return ins.Add(r, true)
				})
				if err != nil {
					return err
				}
				restored, err = ins.Close()
				return err
			})
			if err != nil {
				return err
			}
			if format := out.Format(); format != output.Table {
				return output.WriteObject(f.IO, format, output.Cols("restored", "skipped"), restored, skipped)
			}
			_, err = fmt.Fprintf(f.IO.Out, "Restored %d record(s); %d were already in the catalogue.\n", restored, skipped)
			return err
		},
	}
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}
