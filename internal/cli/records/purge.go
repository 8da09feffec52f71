package records

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
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
     (count, SHA-256, the SHA-256 of the set of record ids, scope,
     operator, time); with --delete-files, each file is copied into a
     tar beside it, hashed while copied and compared with its record's
     catalogued SHA-256;
  3. read the archive back and verify it, files included, before anything
     is deleted;
  4. record the purge and its exact set of record ids, then delete in
     batches of about 40 ms each, so another administrator's command
     waits no longer than that for the store. Only records of the set
     are ever deleted; every batch checks the holds again, and a record
     held since the selection is kept and reported;
  5. mark the purge done.

--delete-files destroys (overwrites with zeros, syncs, removes) only
regular files with a single name, under the directories of policy
records.roots (without it --delete-files is refused), on the same file
system as their root, whose content still has the catalogued SHA-256.
Links, hard-linked files, FIFOs, devices, sockets, directories, paths
that leave the roots and files that changed are never touched: their
records stay in the catalogue and the purge lists them. A purge never
opens a file in a way that can block.

--as-of is for catching up on the past: a future date is refused unless
with --dry-run, which previews what will be due then. --dry-run prints
the plan (per class: count, oldest, newest) and changes nothing. Without
a terminal a real purge needs --yes (exit 2); on a terminal it asks.

A purge killed at any point leaves the catalogue, the purge record and
the audit log consistent: run the same command again and it finishes
the interrupted purge, files included, and removes any archive a killed
run left that no recorded purge rests on.`,
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

// checkAsOf refuses a future --as-of for a real run: it is for catching up
// on the past; a preview of what will be due is a dry run.
func checkAsOf(asOf, now time.Time, dryRun bool) error {
	if !dryRun && asOf.After(now) {
		return errs.Invalidf("--as-of %s is in the future", asOf.UTC().Format(time.RFC3339)).
			WithHint("--as-of is for catching up on the past; add --dry-run to preview what will be due then")
	}
	return nil
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
	if err := checkAsOf(asOf, f.Now(), opts.DryRun); err != nil {
		return err
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

	// What the purge rests on, read once: the roots files may be destroyed
	// under, the store's identity, the archives of recorded purges, and
	// any purge an interrupted run left unfinished.
	var unfinished []*store.Purge
	var roots []string
	var tag string
	var referenced map[string]bool
	if err := st.View(ctx, inv, spec, func(tx *store.Tx) (err error) {
		if opts.DeleteFiles {
			v, err := tx.Policy(records.KeyRoots)
			if err != nil {
				return err
			}
			if roots, err = records.ParseRoots(v); err != nil {
				return err
			}
			if len(roots) == 0 {
				return errs.Invalidf("--delete-files needs policy %s: the directories under which files may be destroyed", records.KeyRoots).
					WithHint("custos policy set %s /srv/records", records.KeyRoots)
			}
		}
		if tag, err = tx.Identity(); err != nil {
			return err
		}
		if referenced, err = tx.PurgeArchives(); err != nil {
			return err
		}
		unfinished, err = tx.UnfinishedPurges()
		return err
	}); err != nil {
		return err
	}
	unlock, err := archive.LockDir(opts.Archive)
	if err != nil {
		return err
	}
	defer unlock()
	if removed, err := archive.Sweep(opts.Archive, tag, referenced); err != nil {
		return errs.Wrap(errs.Internal, err, "cannot tidy the archive directory: %v", err)
	} else {
		for _, p := range removed {
			fmt.Fprintf(f.IO.ErrOut, "Removed %s, left by an interrupted purge that deleted nothing.\n", output.Sanitize(p))
		}
	}
	var rs *archive.Roots
	if opts.DeleteFiles {
		if rs, err = archive.OpenRoots(roots); err != nil {
			return err
		}
		defer rs.Close()
	}
	// An interrupted purge comes first: this run finishes it.
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
			if p.DeleteFiles && rs == nil {
				if rs, err = archive.OpenRoots(roots); err != nil {
					return err
				}
				defer rs.Close()
			}
			done, err := finishPurge(ctx, f, st, p, rs)
			if err != nil {
				return err
			}
			if err := reportPurge(f, out, st, done, nil, "Finished"); err != nil {
				return err
			}
		}
		return nil
	}

	// 1–3: select, archive and verify, in a read snapshot, after the
	// operator's permission is checked. Nothing is recorded yet because
	// nothing has changed yet. With --delete-files each file is checked
	// and copied into the archive; a record whose file cannot be safely
	// destroyed stays out of the archive, and so in the catalogue.
	var w *archive.Writer
	var plan []*classPlan
	var skips []store.PurgeSkip
	err = st.View(ctx, inv, spec, func(tx *store.Tx) error {
		return tx.PurgeCandidates(opts.Class, asOf, func(r *records.Record) error {
			if w == nil {
				var err error
				if w, err = archive.Create(opts.Archive, f.Now(), opts.DeleteFiles); err != nil {
					return err
				}
			}
			if rs != nil && r.Location != "" {
				d, fh := rs.Inspect(r)
				switch d.Action {
				case records.FileDestroy:
					err := w.AddFile(r, fh)
					fh.Close()
					if err != nil {
						return err
					}
				case records.FileNone:
					w.Add(r)
				default:
					skips = append(skips, store.PurgeSkip{RecordID: r.ID, Location: r.Location, Reason: d.Reason})
					return nil
				}
			} else {
				w.Add(r)
			}
			plan = addToPlan(plan, r)
			return nil
		})
	})
	if err != nil {
		if w != nil {
			w.Abort()
		}
		return err
	}
	if len(plan) == 0 {
		if w != nil {
			w.Abort()
		}
		return st.Invoke(ctx, inv, store.Spec{Roles: keepers}, func(*store.Tx) error {
			if out.Format() == output.Table {
				fmt.Fprintln(f.IO.ErrOut, "Nothing is due for purging.")
				writeSkips(f, skips)
			} else {
				return reportPurge(f, out, st, &store.Purge{State: "nothing-due"}, skips, "")
			}
			return nil
		})
	}
	if f.IO.IsStdinTTY() && !opts.Yes {
		writePlan(f, output.Table, plan)
		if !confirm(f, fmt.Sprintf("Purge these %d record(s)?", w.Set().Count())) {
			w.Abort()
			return errs.Invalidf("purge cancelled; nothing changed")
		}
	}
	host, _ := os.Hostname()
	m, err := w.Close(archive.Manifest{Class: opts.Class, AsOf: asOf.UTC().Format(time.RFC3339), Store: tag, Operator: inv.OSUser, Host: host,
		CreatedAt: f.Now().UTC().Format(time.RFC3339Nano)})
	if err != nil {
		if errs.CodeOf(err) != errs.Internal {
			return err
		}
		return errs.Wrap(errs.Internal, err, "cannot write the archive: %v", err)
	}
	// The deletion set is what the archive holds as read back from disk,
	// not what was selected, nor a fresh query.
	_, set, err := archive.Verify(w.Path(), nil)
	if err != nil {
		return err
	}

	// 4: record the purge and its set, in the invocation's one audited
	// transaction, then delete in batches.
	p := &store.Purge{ScopeClass: opts.Class, AsOf: asOf, Archive: w.Path(), ArchiveSHA256: m.SHA256, SetSHA256: m.SetSHA256, DeleteFiles: opts.DeleteFiles}
	if err := st.Invoke(ctx, inv, spec, func(tx *store.Tx) error { return tx.CommitPurge(p, set, skips) }); err != nil {
		return err
	}
	done, err := finishPurge(ctx, f, st, p, rs)
	if err != nil {
		return err
	}
	return reportPurge(f, out, st, done, nil, "Purged")
}

// finishPurge deletes a committed purge's records in batches and marks it
// done. An interrupt stops it between batches: each batch commits whole,
// and the next run finishes the purge.
func finishPurge(ctx context.Context, f *cmdutil.Factory, st *store.Store, p *store.Purge, rs *archive.Roots) (*store.Purge, error) {
	var destroy store.Destroyer
	span := int64(deleteSpan)
	if p.DeleteFiles {
		span = deleteSpanFiles
		destroy = func(r *records.Record, content, resumed bool) (store.FileOutcome, error) {
			d, gone, err := rs.Destroy(r, content, resumed)
			switch {
			case err != nil:
				return store.FileOutcome{}, errs.Wrap(errs.Internal, err, "cannot destroy the file of record %d: %v", r.ID, err)
			case gone:
				return store.FileOutcome{Destroyed: true}, nil
			case d.Action == records.FileNone:
				return store.FileOutcome{Missing: true}, nil
			case d.Action == records.FileDestroy:
				return store.FileOutcome{Skip: "not destroyed"}, nil
			}
			return store.FileOutcome{Skip: d.Reason}, nil
		}
	}
	if err := st.BulkCache(ctx); err != nil {
		return nil, err
	}
	bar := f.IO.StartProgress("deleting")
	defer bar.Done()
	done := p.Deleted + p.Skipped
	for {
		if ctx.Err() != nil {
			return nil, errs.Wrap(errs.Interrupted, ctx.Err(), "interrupted after deleting %d of %d records of purge %d; run the purge again to finish it", p.Deleted, p.Count, p.ID)
		}
		start := time.Now()
		b, err := st.DeletePurgeBatch(context.WithoutCancel(ctx), p.ID, span, destroy)
		if err != nil {
			return nil, err
		}
		span = nextSpan(span, time.Since(start))
		done += b.Deleted + b.Skipped
		bar.Set(done, p.Count)
		if !b.More {
			break
		}
		time.Sleep(batchGap)
	}
	return st.FinishPurge(context.WithoutCancel(ctx), p.ID)
}

func reportPurge(f *cmdutil.Factory, out *cmdutil.Output, st *store.Store, p *store.Purge, skips []store.PurgeSkip, verb string) error {
	if p.ID != 0 {
		var err error
		if skips, err = st.PurgeSkips(context.Background(), p.ID); err != nil {
			return err
		}
	}
	if skips == nil {
		skips = []store.PurgeSkip{}
	}
	if format := out.Format(); format != output.Table {
		kept, _ := json.Marshal(skips)
		return output.WriteObject(f.IO, format, output.Cols("purge", "state", "count", "deleted", "skipped", "files_deleted", "files_missing",
			"archive", "archive_sha256", "set_sha256", "as_of", "kept"),
			p.ID, p.State, p.Count, p.Deleted, p.Skipped, p.FilesDeleted, p.FilesMissing, p.Archive, p.ArchiveSHA256, p.SetSHA256, p.AsOf,
			json.RawMessage(kept))
	}
	files := ""
	if p.DeleteFiles {
		files = fmt.Sprintf(" and destroyed %d file(s)", p.FilesDeleted)
		if p.FilesMissing > 0 {
			files += fmt.Sprintf(" (%d already gone)", p.FilesMissing)
		}
	}
	_, err := fmt.Fprintf(f.IO.Out, "%s %d record(s)%s (purge %d); archive %s, SHA-256 %s.\n",
		verb, p.Deleted, files, p.ID, output.Sanitize(p.Archive), p.ArchiveSHA256)
	writeSkips(f, skips)
	return err
}

// writeSkips tells, on stderr, which records a purge kept and why.
func writeSkips(f *cmdutil.Factory, skips []store.PurgeSkip) {
	if len(skips) == 0 {
		return
	}
	fmt.Fprintf(f.IO.ErrOut, "Kept %d record(s) in the catalogue:\n", len(skips))
	for _, k := range skips {
		loc := ""
		if k.Location != "" {
			loc = " " + output.Sanitize(k.Location)
		}
		fmt.Fprintf(f.IO.ErrOut, "  record %d%s: %s\n", k.RecordID, loc, output.Sanitize(k.Reason))
	}
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
	var filesDir string
	cmd := &cobra.Command{
		Use:   "restore ARCHIVE [--files DIR]",
		Short: "Bring purged catalogue entries (and their files) back from an archive",
		Long: `Verify an archive against its manifest, then put its catalogue entries
back under their old ids. Entries already in the catalogue are skipped, so
a restore can run again.

The whole archive is checked before anything is restored: its SHA-256, the
count and the set of record ids its manifest names, and, when the purge
archived the records' files, every file against its record's SHA-256
(exit 6 when anything disagrees). Every entry is validated as intake
validates it, and its id must be one this store assigned (exit 2). Either
way nothing is restored.

With --files DIR, the files the archive holds are written under DIR, at
their old absolute path below it (/srv/calls/a.wav comes back as
DIR/srv/calls/a.wav), never over an existing file, and the restored
entries point there. Restored records follow their schedules again: place
a hold first if they must stay.`,
		Example: `  $ custos records restore /srv/archive/custos/custos-purge-20261123T021500.000000000Z.jsonl.gz
  $ custos records restore /srv/archive/custos/custos-purge-20261123T021500.000000000Z.jsonl.gz --files /srv/restored`,
		Args: cmdutil.ExactArgs("ARCHIVE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			if strings.HasSuffix(path, ".manifest.json") {
				path = strings.TrimSuffix(path, ".manifest.json") + archive.Suffix
			}
			if filesDir != "" {
				if err := archive.CheckDir(filesDir); err != nil {
					return errs.Invalidf("--files %s is not a directory", filesDir)
				}
			}
			var restored, skipped, files int64
			var written []string
			spec := store.Spec{Write: true, Roles: keepers, Targets: []string{"archive:" + strings.TrimSuffix(baseName(path), archive.Suffix)}}
			err := cmdutil.Run(f, cmd, spec, func(tx *store.Tx) error {
				// The whole archive, files included, is verified first.
				if _, _, err := archive.Verify(path, nil); err != nil {
					return err
				}
				ins, err := tx.NewRecordInserter()
				if err != nil {
					return err
				}
				// Every entry is validated, and which are missing from the
				// catalogue noted, before anything is written.
				todo := map[int64]string{}
				_, _, err = archive.Verify(path, func(r *records.Record) error {
					if err := records.Validate(r); err != nil {
						return errs.Invalidf("record %d in the archive: %v; nothing was restored", r.ID, err)
					}
					if err := ins.Assigned(r.ID); err != nil {
						return err
					}
					exists, err := tx.RecordExists(r.ID)
					if err != nil || exists {
						if exists {
							skipped++
						}
						return err
					}
					todo[r.ID] = r.Location
					return nil
				})
				if err != nil {
					return err
				}
				moved := map[int64]string{}
				if filesDir != "" {
					err := archive.ReadFiles(path, func(id int64, src io.Reader) error {
						loc, ok := todo[id]
						if !ok {
							return nil
						}
						dest, err := restoreFile(filesDir, id, loc, src)
						if dest != "" {
							written = append(written, dest)
						}
						moved[id] = dest
						return err
					})
					if err != nil {
						return err
					}
				}
				_, _, err = archive.Verify(path, func(r *records.Record) error {
					if _, ok := todo[r.ID]; !ok {
						return nil
					}
					if err := records.Validate(r); err != nil {
						return err
					}
					if dest, ok := moved[r.ID]; ok {
						r.Location = dest
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
				// Nothing was restored: neither are the files.
				for _, p := range written {
					os.Remove(p)
				}
				return err
			}
			files = int64(len(written))
			if format := out.Format(); format != output.Table {
				return output.WriteObject(f.IO, format, output.Cols("restored", "skipped", "files"), restored, skipped, files)
			}
			filesNote := ""
			if filesDir != "" {
				filesNote = fmt.Sprintf(" and %d file(s)", files)
			}
			_, err = fmt.Fprintf(f.IO.Out, "Restored %d record(s)%s; %d were already in the catalogue.\n", restored, filesNote, skipped)
			return err
		},
	}
	cmd.Flags().StringVar(&filesDir, "files", "", "write the archived files under this directory")
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// restoreFile writes an archived file under dir, at its old absolute path
// below it (or named by its record id when the location was not a local
// path), never over an existing file, and returns where it went.
func restoreFile(dir string, id int64, loc string, src io.Reader) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	rel := strconv.FormatInt(id, 10)
	if filepath.IsAbs(loc) && !strings.Contains(loc, "://") {
		rel = filepath.Clean(loc)
	}
	dest := filepath.Join(abs, rel)
	if err := os.MkdirAll(filepath.Dir(dest), 0o700); err != nil {
		return "", errs.Invalidf("cannot restore the file of record %d: %v", id, err)
	}
	fh, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", errs.Conflictf("cannot restore the file of record %d: %v", id, errors.Unwrap(err)).WithHint("restore into an empty directory")
	}
	_, err = io.Copy(fh, src)
	if err == nil {
		err = fh.Sync()
	}
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return dest, errs.Wrap(errs.Internal, err, "cannot restore the file of record %d: %v", id, err)
	}
	return dest, nil
}

func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}
