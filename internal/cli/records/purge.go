package records

import (
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

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/archive"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/records"
	"github.com/custos-dev/custos/internal/request"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/when"
)

// PurgeOptions are the inputs of `records purge`.
type PurgeOptions struct {
	Class, AsOf, Archive string
	DeleteFiles, DryRun  bool
	Yes                  bool
	// Plan records a purge plan (with Reason) instead of purging; Apply
	// carries out one approved plan, ApplyApproved every one.
	Plan          bool
	Reason        string
	Apply         string
	ApplyApproved bool
}

func newCmdPurge(f *cmdutil.Factory) *cobra.Command {
	opts := &PurgeOptions{}
	var out *cmdutil.Output
	cmd := &cobra.Command{
		Use:   "purge (--plan --reason TEXT | --apply REQ | --apply-approved) [--class C] [--as-of DATE] --archive DIR [--delete-files] [--dry-run] [--yes]",
		Short: "Archive, verify, then delete the records past their retention",
		Long: `Purge the records past their retention and under no hold, backing up
first.

Under policy records.purge_approval=required (the default), a purge
carries out a plan that an officer or an admin other than its requester
approved: --plan --reason TEXT records the exact set of records due now
(per class: count, oldest, newest; and the SHA-256 of the set of ids) as a
request, custos request approve REQ approves it, and --apply REQ purges
exactly that set, minus any record held since (kept and reported). When
the records due differ from the plan in any other way (a record restored
or added, a schedule lengthened), --apply refuses (exit 5) and names the
difference: make a new plan. --apply-approved carries out every approved
plan not yet carried out, for cron. With records.purge_approval=none a
purge selects and deletes at once, as below.

A purge:

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
the plan (per class: count, oldest, newest) and changes nothing; with
--plan it selects and records the plan as for real, prints it, and rolls
it back. Without
a terminal a real purge needs --yes (exit 2); on a terminal it asks.

A purge killed at any point leaves the catalogue, the purge record and
the audit log consistent: run the same command again and it finishes
the interrupted purge, files included, and removes any archive a killed
run left that no recorded purge rests on.`,
		Example: `  $ custos records purge --dry-run
  $ custos records purge --plan --delete-files --reason "quarterly clean-up, 2026-Q4"
  $ custos request approve REQ-2026-0007          # an officer
  $ custos records purge --apply REQ-2026-0007 --archive /srv/archive/custos --yes
  # nightly, from cron: carry out what officers approved
  15 2 * * *  custos records purge --apply-approved --archive /srv/archive/custos --yes -o jsonl >> /var/log/custos-purge.jsonl`,
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
	fl.BoolVar(&opts.Plan, "plan", false, "record the records due now as a purge plan for an officer to approve")
	fl.StringVar(&opts.Reason, "reason", "", "why the purge is planned (with --plan)")
	fl.StringVar(&opts.Apply, "apply", "", "carry out this approved purge plan")
	fl.BoolVar(&opts.ApplyApproved, "apply-approved", false, "carry out every approved purge plan not yet carried out")
	out = cmdutil.AddOutputFlag(f, cmd)
	cmdutil.CheckedInRun(cmd, "archive")
	return cmdutil.MarkStore(cmd)
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
	// A plan's dry run checks the plan it would record, as of now or
	// the past like the plan itself.
	preview := opts.DryRun && !opts.Plan
	if err := records.CheckAsOf(asOf, f.Now(), preview); err != nil {
		return errs.Invalidf("--%v", err).WithHint("%s", errs.HintOf(err))
	}
	if opts.Class != "" {
		if err := records.ValidClass(opts.Class); err != nil {
			return err
		}
	}
	modes := 0
	for _, on := range []bool{opts.Plan, opts.Apply != "", opts.ApplyApproved, preview} {
		if on {
			modes++
		}
	}
	switch {
	case modes > 1:
		return errs.Invalidf("--apply, --apply-approved and --dry-run do not go together, nor --plan with --apply or --apply-approved")
	case opts.Reason != "" && !opts.Plan:
		return errs.Invalidf("--reason goes with --plan")
	case (opts.Apply != "" || opts.ApplyApproved) && (opts.Class != "" || opts.AsOf != ""):
		return errs.Invalidf("a plan has its own --class and --as-of: --apply carries out exactly what was approved")
	case opts.Plan && (opts.Archive != "" || opts.Yes):
		return errs.Invalidf("--plan records a plan and purges nothing: --archive and --yes go with --apply")
	case (opts.Apply != "" || opts.ApplyApproved) && opts.DeleteFiles:
		return errs.Invalidf("the plan says whether the records' files are destroyed: plan with --delete-files, then --apply without it")
	}
	if preview {
		return purgePlan(f, cmd, out, opts.Class, asOf)
	}
	if opts.Plan {
		return recordPlan(f, cmd, out, opts.Class, asOf, opts.DeleteFiles, opts.Reason)
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
	host, _ := os.Hostname()
	req := store.PurgeRequest{Class: opts.Class, AsOf: asOf, Archive: opts.Archive, DeleteFiles: opts.DeleteFiles, Now: f.Now, Host: host,
		Notice: func(format string, args ...any) {
			fmt.Fprintln(f.IO.ErrOut, output.Sanitize(fmt.Sprintf(format, args...)))
		}}
	bar := f.IO.StartProgressIn("selecting", "records")
	req.Progress, req.Phase = bar.Set, bar.Phase
	if f.IO.IsStdinTTY() && !opts.Yes {
		req.Confirm = func(plan []*records.ClassPlan, n int64) bool {
			bar.Done() // the question on a clean line
			writePlan(f, output.Table, plan)
			return confirm(cmd.Context(), f, fmt.Sprintf("Purge these %d record(s)?", n))
		}
	}
	// The purge service enters the pipeline several times, all under the
	// role matrix's permission for this command.
	var targets []string
	if opts.Apply != "" {
		targets = []string{"request:" + opts.Apply}
	}
	spec, err := cmdutil.Permit(cmd, store.Spec{Write: true, Targets: targets})
	if err != nil {
		return err
	}
	var plans []string
	switch {
	case opts.Apply != "":
		plans = []string{opts.Apply}
	case opts.ApplyApproved:
		// A purge an earlier run left unfinished is finished first: its
		// plan is already carried out, so no plan would name it.
		fin := req
		fin.FinishOnly = true
		res, err := st.RunPurge(cmd.Context(), inv, spec, fin)
		if err != nil {
			bar.Done()
			return err
		}
		if len(res.Purges) > 0 {
			bar.Done()
			return reportPurges(f, out, st, res, "")
		}
		f.MarkRecorded()
		if err := st.View(cmd.Context(), inv, spec, func(tx store.Tx) (err error) {
			plans, err = tx.Records().ApprovedPlans()
			return err
		}); err != nil {
			bar.Done()
			return err
		}
		if len(plans) == 0 {
			bar.Done()
			if out.Format() == output.Table {
				fmt.Fprintln(f.IO.ErrOut, "No approved purge plan is waiting.")
				return nil
			}
			return output.WriteObject(f.IO, out.Format(), output.Cols("purge", "state"), nil, "nothing-approved")
		}
	}
	if len(plans) > 1 {
		// Each plan is its own purge with its own entry; one that cannot be
		// carried out (its records changed) is recorded and reported, and
		// does not hold up the others. The exit code is the first failure's.
		defer bar.Done()
		var first error
		failed := 0
		for _, id := range plans {
			req.Plan = id
			res, err := st.RunPurge(cmd.Context(), inv, spec, req)
			if err == nil {
				err = reportPurges(f, out, st, res, id)
			} else if !errs.IsRecorded(err) && st.RecordFailure(cmd.Context(), inv, err, []string{"request:" + id}) {
				err = errs.MarkRecorded(err)
			}
			if err != nil {
				failed++
				if first == nil {
					first = err
				}
				if errs.CodeOf(err) == errs.Internal || errs.CodeOf(err) == errs.Interrupted {
					return err
				}
				fmt.Fprintf(f.IO.ErrOut, "custos: %s\n", output.Sanitize(err.Error()))
			}
		}
		if first != nil {
			f.MarkRecorded()
			return errs.MarkRecorded(errs.Wrap(errs.CodeOf(first), first, "%d of %d approved plan(s) could not be carried out; see above", failed, len(plans)))
		}
		return nil
	}
	if len(plans) == 1 {
		req.Plan = plans[0]
	}
	res, err := st.RunPurge(cmd.Context(), inv, spec, req)
	bar.Done()
	if err != nil {
		// The refusal's entry names the plan.
		if !errs.IsRecorded(err) && len(targets) > 0 && st.RecordFailure(cmd.Context(), inv, err, targets) {
			err = errs.MarkRecorded(err)
		}
		return err
	}
	return reportPurges(f, out, st, res, req.Plan)
}

// reportPurges tells what one purge run did.
func reportPurges(f *cmdutil.Factory, out *cmdutil.Output, st store.Store, res *store.PurgeResult, plan string) error {
	if len(res.Purges) == 0 {
		if out.Format() == output.Table {
			if plan != "" {
				fmt.Fprintf(f.IO.ErrOut, "Nothing purged for %s: every record of the plan was held since.\n", plan)
			} else {
				fmt.Fprintln(f.IO.ErrOut, "Nothing is due for purging.")
			}
			writeSkips(f, res.Kept)
			return nil
		}
		return reportPurge(f, out, st, &store.Purge{State: "nothing-due"}, res.Kept, "")
	}
	verb := "Purged"
	if res.Resumed {
		verb = "Finished"
	}
	for _, p := range res.Purges {
		if err := reportPurge(f, out, st, p, nil, verb); err != nil {
			return err
		}
	}
	return nil
}

func reportPurge(f *cmdutil.Factory, out *cmdutil.Output, st store.Store, p *store.Purge, skips []store.PurgeSkip, verb string) error {
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

func writePlan(f *cmdutil.Factory, format output.Format, plan []*records.ClassPlan) error {
	w := output.NewList(f.IO, format, output.Cols("class", "count", "oldest", "newest"))
	for _, c := range plan {
		if err := w.Row(c.Class, c.Count, c.Oldest, c.Newest); err != nil {
			return err
		}
	}
	return w.Close()
}

// purgePlan is the dry run: the plan, recorded as a read.
func purgePlan(f *cmdutil.Factory, cmd *cobra.Command, out *cmdutil.Output, class string, asOf time.Time) error {
	var plan []*records.ClassPlan
	err := cmdutil.Run(f, cmd, store.Spec{}, func(tx store.Tx) error {
		return tx.Records().PurgeCandidates(class, asOf, func(r *records.Record) error {
			plan = records.AddToPlan(plan, r)
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
			n += c.Count
		}
		f.DryRunNoted()
		fmt.Fprintf(f.IO.ErrOut, "Dry run as of %s: %d record(s) would be archived and deleted; nothing changed.\n", asOf.UTC().Format(time.RFC3339), n)
	}
	return nil
}

// confirm asks on the terminal; Ctrl-C there cancels ctx, which makes the
// purge's refusal an interruption (exit 130).
func confirm(ctx context.Context, f *cmdutil.Factory, question string) bool {
	ok, err := cmdutil.Ask(ctx, f, question)
	return err == nil && ok
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
			spec := store.Spec{Write: true, Targets: []string{"archive:" + strings.TrimSuffix(baseName(path), archive.Suffix)}}
			err := cmdutil.Run(f, cmd, spec, func(tx store.Tx) error {
				// The whole archive, files included, is verified first.
				if _, _, err := archive.Verify(path, nil); err != nil {
					return err
				}
				ins, err := tx.Records().NewRecordInserter()
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
					exists, err := tx.Records().RecordExists(r.ID)
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
					abs, err := filepath.Abs(filesDir)
					if err != nil {
						return err
					}
					root, err := os.OpenRoot(abs)
					if err != nil {
						return errs.Invalidf("--files %s: %v", filesDir, err)
					}
					defer root.Close()
					err = archive.ReadFiles(path, func(id int64, src io.Reader) error {
						loc, ok := todo[id]
						if !ok {
							return nil
						}
						dest, err := restoreFile(root, id, loc, src)
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
			if err != nil || cmdutil.IsDryRun(cmd) {
				// Nothing was restored (or, in a dry run, everything was
				// checked and rolled back): neither are the files.
				for _, p := range written {
					os.Remove(p)
				}
				if err != nil {
					return err
				}
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

// restoreFile writes an archived file under root, at its old absolute
// path below it (or named by its record id when the location was not a
// local path, or when another restored file already took that path),
// never over an existing file and never through a link out of root, and
// returns where it went.
func restoreFile(root *os.Root, id int64, loc string, src io.Reader) (string, error) {
	rel := strconv.FormatInt(id, 10)
	if filepath.IsAbs(loc) && !strings.Contains(loc, "://") {
		rel = strings.TrimPrefix(filepath.Clean(loc), string(filepath.Separator))
	}
	if err := root.MkdirAll(filepath.Dir(rel), 0o700); err != nil {
		return "", errs.Invalidf("cannot restore the file of record %d: %v", id, err)
	}
	fh, err := root.OpenFile(rel, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) && rel != strconv.FormatInt(id, 10) {
		// Two records named one file: the second comes back by its id.
		rel = strconv.FormatInt(id, 10)
		fh, err = root.OpenFile(rel, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	}
	if err != nil {
		return "", errs.Conflictf("cannot restore the file of record %d: %v", id, err).WithHint("restore into an empty directory")
	}
	dest := filepath.Join(root.Name(), rel)
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

// recordPlan is records purge --plan: the records due now, recorded as a
// plan for an officer to approve.
func recordPlan(f *cmdutil.Factory, cmd *cobra.Command, out *cmdutil.Output, class string, asOf time.Time, deleteFiles bool, reason string) error {
	if err := account.Text("--reason", reason, true); err != nil {
		return err
	}
	st, err := f.Store()
	if err != nil {
		return err
	}
	inv, err := f.Invocation(cmd)
	if err != nil {
		return err
	}
	spec, err := cmdutil.Permit(cmd, store.Spec{Write: true})
	if err != nil {
		return err
	}
	if cmdutil.IsDryRun(cmd) {
		// The plan is selected and recorded as for real, and rolled back.
		spec.DryRun = true
		f.StartDryRun(cmd)
	}
	// The store service selects in a snapshot, then records the plan.
	q, err := st.PlanPurge(cmd.Context(), inv, spec, class, asOf, deleteFiles, reason)
	if err != nil {
		return err
	}
	format := out.Format()
	if q == nil {
		if format != output.Table {
			return output.WriteObject(f.IO, format, output.Cols("request", "count"), nil, 0)
		}
		_, err := fmt.Fprintln(f.IO.ErrOut, "Nothing is due for purging; no plan was recorded.")
		return err
	}
	p, _ := request.ParsePurgePlan(q.Payload)
	if format != output.Table {
		classes, _ := json.Marshal(p.Classes)
		return output.WriteObject(f.IO, format, output.Cols("request", "state", "stages", "count", "set_sha256", "as_of", "classes"),
			q.ID, string(q.State), q.Stages, p.Count, p.SetSHA256, p.AsOf, json.RawMessage(classes))
	}
	w := output.NewList(f.IO, output.Table, output.Cols("class", "count", "oldest", "newest"))
	for _, c := range p.Classes {
		if err := w.Row(c.Class, c.Count, c.Oldest, c.Newest); err != nil {
			return err
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	_, err = fmt.Fprintf(f.IO.Out, "Planned %s: purge %d record(s) due as of %s (set SHA-256 %s); it needs %s (custos request approve %s), then custos records purge --apply %s --archive DIR.\n",
		q.ID, p.Count, p.AsOf.UTC().Format(time.RFC3339), p.SetSHA256, strings.Join(q.Stages, ", "), q.ID, q.ID)
	return err
}
