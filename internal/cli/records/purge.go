package records

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
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
	Factory              *cmdutil.Factory
	Cmd                  *cobra.Command
	Output               *cmdutil.Output
	Class, AsOf, Archive string
	DeleteFiles, DryRun  bool
	Yes                  bool
	// Plan records a purge plan (with Reason) instead of purging; Apply
	// carries out one approved plan, ApplyApproved every one.
	Plan          bool
	Reason        string
	Apply         string
	ApplyApproved bool
	// AsOfTime is AsOf parsed, or now; Preview is a dry run without
	// --plan, which prints the plan.
	AsOfTime time.Time
	Preview  bool
}

func newCmdPurge(f *cmdutil.Factory, runF func(*PurgeOptions) error) *cobra.Command {
	opts := &PurgeOptions{Factory: f}
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
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			if err := opts.check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return purgeRun(opts)
		},
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
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	cmdutil.CheckedInRun(cmd, "archive")
	return cmdutil.MarkStore(cmd)
}

// check is the flag rules: the modes that exclude each other, the flags
// each mode takes, and for a real purge its archive directory and a
// terminal or --yes.
func (opts *PurgeOptions) check() error {
	f := opts.Factory
	opts.AsOfTime = f.Now()
	if opts.AsOf != "" {
		t, err := when.ParseTime(opts.AsOf, time.Local)
		if err != nil {
			return errs.Invalidf("--as-of: %v", err)
		}
		opts.AsOfTime = t
	}
	// A plan's dry run checks the plan it would record, as of now or
	// the past like the plan itself.
	preview := opts.DryRun && !opts.Plan
	opts.Preview = preview
	if err := records.CheckAsOf(opts.AsOfTime, f.Now(), preview); err != nil {
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
		return nil
	}
	if opts.Plan {
		return account.Text("--reason", opts.Reason, true)
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
	return nil
}

// purgeRun previews, plans or carries out a purge, as the flags say.
func purgeRun(opts *PurgeOptions) error {
	f, cmd, out, asOf := opts.Factory, opts.Cmd, opts.Output, opts.AsOfTime
	if opts.Preview {
		return purgePlan(f, cmd, out, opts.Class, asOf)
	}
	if opts.Plan {
		return recordPlan(f, cmd, out, opts.Class, asOf, opts.DeleteFiles, opts.Reason)
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
			return output.WriteResult(f.IO, out.Format(), NothingApprovedResult{State: "nothing-approved"})
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

// PurgeResult is what a purge did: the records it deleted, and those of
// its set it kept in the catalogue, with why.
type PurgeResult struct {
	Purge         int64           `json:"purge"`
	State         string          `json:"state"`
	Count         int64           `json:"count"`
	Deleted       int64           `json:"deleted"`
	Skipped       int64           `json:"skipped"`
	FilesDeleted  int64           `json:"files_deleted"`
	FilesMissing  int64           `json:"files_missing"`
	Archive       string          `json:"archive"`
	ArchiveSHA256 string          `json:"archive_sha256"`
	SetSHA256     string          `json:"set_sha256"`
	AsOf          time.Time       `json:"as_of"`
	Kept          json.RawMessage `json:"kept"`
}

// NothingApprovedResult is what --apply-approved reports when no approved
// plan waits: no purge (null) and the state "nothing-approved".
type NothingApprovedResult struct {
	Purge any    `json:"purge"`
	State string `json:"state"`
}

// ClassPlanResult is one class of a purge plan.
type ClassPlanResult struct {
	Class  string    `json:"class"`
	Count  int64     `json:"count"`
	Oldest time.Time `json:"oldest"`
	Newest time.Time `json:"newest"`
}

// PlanResult is what records purge --plan reports: the plan recorded as a
// request, and its classes.
type PlanResult struct {
	Request   string          `json:"request"`
	State     string          `json:"state"`
	Stages    []string        `json:"stages"`
	Count     int64           `json:"count"`
	SetSHA256 string          `json:"set_sha256"`
	AsOf      time.Time       `json:"as_of"`
	Classes   json.RawMessage `json:"classes"`
}

// NoPlanResult is what records purge --plan reports when nothing is due:
// no request (null) and a count of 0.
type NoPlanResult struct {
	Request string `json:"request"`
	Count   int    `json:"count"`
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
		return output.WriteResult(f.IO, format, PurgeResult{p.ID, p.State, p.Count, p.Deleted, p.Skipped, p.FilesDeleted, p.FilesMissing,
			p.Archive, p.ArchiveSHA256, p.SetSHA256, p.AsOf, kept})
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
	w := output.NewResultList[ClassPlanResult](f.IO, format)
	for _, c := range plan {
		if err := w.Write(&ClassPlanResult{c.Class, c.Count, c.Oldest, c.Newest}); err != nil {
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

// recordPlan is records purge --plan: the records due now, recorded as a
// plan for an officer to approve.
func recordPlan(f *cmdutil.Factory, cmd *cobra.Command, out *cmdutil.Output, class string, asOf time.Time, deleteFiles bool, reason string) error {
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
			return output.WriteResult(f.IO, format, NoPlanResult{})
		}
		_, err := fmt.Fprintln(f.IO.ErrOut, "Nothing is due for purging; no plan was recorded.")
		return err
	}
	p, _ := request.ParsePurgePlan(q.Payload)
	if format != output.Table {
		classes, _ := json.Marshal(p.Classes)
		return output.WriteResult(f.IO, format, PlanResult{q.ID, string(q.State), q.Stages, p.Count, p.SetSHA256, p.AsOf, classes})
	}
	w := output.NewResultList[ClassPlanResult](f.IO, output.Table)
	for _, c := range p.Classes {
		if err := w.Write(&ClassPlanResult{c.Class, c.Count, c.Oldest, c.Newest}); err != nil {
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
