package store

import (
	"context"
	"time"

	"github.com/custos-dev/custos/internal/archive"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/records"
	"github.com/custos-dev/custos/internal/request"
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

// nextSpan is the span of the batch after one of span ids that took took,
// of which fixed is what a batch costs whatever its span (beginning the
// transaction, reading the ledger, committing). Only the rest grows with
// the span, so the next span is the one whose variable part fits in what
// the target leaves after the fixed cost, moved at most twofold either
// way: a batch that runs long on a busy machine shrinks the next in
// proportion, and one that runs short grows it again by as much, so the
// span does not drift down as a rule that halves above the target and
// doubles only below half of it makes it on a noisy machine.
func nextSpan(span int64, took, fixed time.Duration) int64 {
	fixed = min(max(fixed, 0), took)
	next := 2 * span
	if room, variable := batchTarget-fixed, took-fixed; room <= 0 {
		next = span / 2
	} else if variable > 0 {
		next = int64(float64(span) * float64(room) / float64(variable))
	}
	return min(max(next, span/2, minDeleteSpan), 2*span, maxDeleteSpan)
}

// PurgeRequest is one run of `records purge`.
type PurgeRequest struct {
	// Class limits the purge to one class; "" is every scheduled class.
	Class string
	AsOf  time.Time
	// Archive is the directory the archive goes to.
	Archive     string
	DeleteFiles bool
	// Now names the archive; Host is recorded in its manifest.
	Now  func() time.Time
	Host string
	// Confirm, if set, is asked with the plan before anything is recorded;
	// false cancels the purge.
	Confirm func(plan []*records.ClassPlan, count int64) bool
	// Progress, if set, hears how far the current phase is.
	Progress func(done, total int64)
	// Phase, if set, hears each long step start: "archiving" (total
	// unknown), "verifying" and "deleting" the records of the set.
	Phase func(name, unit string, total int64)
	// Notice, if set, hears what the purge did beside its work (an orphan
	// archive removed, an interrupted purge being finished).
	Notice func(format string, args ...any)
	// Plan is the approved purge plan to carry out (records purge --apply):
	// its scope replaces Class and AsOf, and exactly its set is purged,
	// minus records held since. "" is a direct purge, which policy
	// records.purge_approval=required refuses. The plan says whether the
	// records' files are destroyed: DeleteFiles may not add it.
	Plan string
	// FinishOnly finishes an interrupted purge, if any, and starts none
	// (records purge --apply-approved before it looks for plans).
	FinishOnly bool
}

func (r *PurgeRequest) notice(format string, args ...any) {
	if r.Notice != nil {
		r.Notice(format, args...)
	}
}

func (r *PurgeRequest) phase(name string, total int64) {
	if r.Phase != nil {
		r.Phase(name, "records", total)
	}
}

func (r *PurgeRequest) progress(done, total int64) {
	if r.Progress != nil {
		r.Progress(done, total)
	}
}

// PurgeResult is what a purge run did: the purges it finished (an
// interrupted one first, if any), or, when nothing was due, the records it
// kept and why.
type PurgeResult struct {
	Purges []*Purge
	// Resumed: the run finished purges an earlier run left unfinished.
	Resumed bool
	// Kept are the records kept when nothing was purged.
	Kept []PurgeSkip
}

// RunPurge is `records purge`, the one store service the command calls:
// it finishes any purge an interrupted run left; otherwise it selects the
// records past retention and under no hold, archives them (and with
// DeleteFiles their files, checked as records.DecideFile says), verifies
// the archive, records the purge with the exact id set read back from it
// in the invocation's audited transaction, then deletes that set in short
// batches of their own. The archive directory is locked for the run, and
// what killed runs of this store left there that no purge rests on is
// removed first.
func (s *sqlStore) RunPurge(ctx context.Context, inv *Invocation, spec Spec, req PurgeRequest) (*PurgeResult, error) {
	// Permission first, then the archive directory's lock, then what the
	// purge rests on, read under the lock so that a purge finishing
	// meanwhile is seen: the roots files may be destroyed under, the
	// store's identity, the archives of recorded purges, and any purge an
	// interrupted run left unfinished.
	if err := s.Authorize(ctx, inv, spec); err != nil {
		return nil, err
	}
	unlock, err := archive.LockDir(req.Archive)
	if err != nil {
		return nil, err
	}
	defer unlock()
	var unfinished []*Purge
	var roots []string
	var tag string
	var referenced map[string]bool
	var approval string
	var planSet records.IDSet
	if err := s.view(ctx, inv, spec, func(tx *txn) (err error) {
		// An interrupted purge is finished first, whatever this run was
		// asked: its plan (if any) is already carried out.
		if unfinished, err = tx.UnfinishedPurges(); err != nil {
			return err
		}
		switch {
		case len(unfinished) > 0:
		case req.Plan != "":
			var p request.PurgePlan
			if _, p, planSet, err = tx.approvedPlan(req.Plan); err != nil {
				return err
			}
			if req.DeleteFiles && !p.DeleteFiles {
				return errs.Deniedf("%s was approved to keep the records' files: it was planned without --delete-files", req.Plan).
					WithHint("plan again with --delete-files if the files must go too")
			}
			req.Class, req.AsOf, req.DeleteFiles = p.Class, p.AsOf, p.DeleteFiles
		case req.FinishOnly:
			return nil
		default:
			if approval, err = tx.PolicyValue(request.KeyPurgeApproval); err != nil {
				return err
			}
			if approval == "required" {
				return errs.Deniedf("policy %s is required: a purge carries out a plan an officer approved", request.KeyPurgeApproval).
					WithHint("custos records purge --plan --reason TEXT, then custos records purge --apply REQ once it is approved")
			}
		}
		v, err := tx.PolicyValue(records.KeyRoots)
		if err != nil {
			return err
		}
		if roots, err = records.ParseRoots(v); err != nil {
			return err
		}
		if req.DeleteFiles {
			if len(roots) == 0 {
				return errs.Invalidf("--delete-files needs policy %s: the directories under which files may be destroyed", records.KeyRoots).
					WithHint("custos policy set %s /srv/records", records.KeyRoots)
			}
		}
		if tag, err = tx.Identity(); err != nil {
			return err
		}
		referenced, err = tx.PurgeArchives()
		return err
	}); err != nil {
		return nil, err
	}
	removed, err := archive.Sweep(req.Archive, tag, referenced)
	if err != nil {
		return nil, errs.Wrap(errs.Internal, err, "cannot tidy the archive directory: %v", err)
	}
	for _, p := range removed {
		req.notice("Removed %s, left by an interrupted purge that deleted nothing.", p)
	}
	// An interrupted purge that destroys files is finished the same way,
	// whether or not this run was asked to.
	var rs *archive.Roots
	needRoots := req.DeleteFiles
	for _, p := range unfinished {
		needRoots = needRoots || p.DeleteFiles
	}
	if needRoots {
		if len(roots) == 0 {
			return nil, errs.Invalidf("an interrupted purge destroys files, and policy %s is empty", records.KeyRoots).
				WithHint("custos policy set %s DIR, then run the purge again", records.KeyRoots)
		}
		if rs, err = archive.OpenRoots(roots); err != nil {
			return nil, err
		}
		defer rs.Close()
	}

	// An interrupted purge comes first: this run finishes it, recorded as
	// this invocation.
	if len(unfinished) > 0 {
		if err := s.invoke(ctx, inv, spec, func(tx *txn) (err error) {
			unfinished, err = tx.UnfinishedPurges()
			return err
		}); err != nil {
			return nil, err
		}
		res := &PurgeResult{Resumed: true}
		for _, p := range unfinished {
			req.notice("Finishing purge %d, interrupted after deleting %d of %d records.", p.ID, p.Deleted, p.Count)
			req.phase("deleting", 0)
			done, err := s.finishPurge(ctx, p, rs, req.Progress)
			if err != nil {
				return nil, err
			}
			res.Purges = append(res.Purges, done)
		}
		return res, nil
	}
	if req.FinishOnly {
		// Nothing was interrupted: recorded as a read.
		return &PurgeResult{}, s.invoke(ctx, inv, Spec{Roles: spec.Roles, Targets: spec.Targets}, func(*txn) error { return nil })
	}

	// 1–3: select, archive and verify, in a read snapshot, after the
	// operator's permission is checked. Nothing is recorded yet because
	// nothing has changed yet. With DeleteFiles each file is checked and
	// copied into the archive; a record whose file cannot be safely
	// destroyed stays out of the archive, and so in the catalogue.
	var w *archive.Writer
	var plan []*records.ClassPlan
	var skips []PurgeSkip
	// With a plan, the fresh selection must be the plan's set minus the
	// records held since: seen marks the plan's records selected again,
	// diff collects the rest.
	var seen planMarks
	diff := request.SetDifference{Missing: map[int64]string{}}
	if req.Plan != "" {
		seen = newPlanMarks(planSet)
	}
	var archived int64
	req.phase("archiving", 0)
	err = s.view(ctx, inv, spec, func(tx *txn) error {
		err := tx.PurgeCandidates(req.Class, req.AsOf, func(r *records.Record) error {
			if req.Plan != "" {
				if in, _ := planSet.Contains(r.ID); !in {
					diff.Extra = append(diff.Extra, r.ID)
					return nil
				}
				seen.mark(r.ID)
			}
			if archived++; archived%4096 == 0 {
				req.progress(archived, 0)
			}
			if w == nil {
				var err error
				if w, err = archive.Create(req.Archive, req.Now(), req.DeleteFiles); err != nil {
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
					skips = append(skips, PurgeSkip{RecordID: r.ID, Location: r.Location, Reason: d.Reason})
					return nil
				}
			} else {
				w.Add(r)
			}
			plan = records.AddToPlan(plan, r)
			return nil
		})
		if err != nil || req.Plan == "" {
			return err
		}
		if err := tx.planGaps(seen.unmarked(planSet), req.AsOf, &diff); err != nil {
			return err
		}
		for _, id := range diff.Held {
			skips = append(skips, PurgeSkip{RecordID: id, Reason: "held since plan " + req.Plan + " was made"})
		}
		return request.CheckPlanSet(req.Plan, diff)
	})
	if err != nil {
		if w != nil {
			w.Abort()
		}
		return nil, err
	}
	if len(plan) == 0 {
		if w != nil {
			w.Abort()
		}
		if req.Plan != "" {
			// Every record of the plan was held since: the plan is done.
			return &PurgeResult{Kept: skips}, s.invoke(ctx, inv, spec, func(tx *txn) error {
				return tx.markPlanApplied(req.Plan, "nothing purged: every record of the plan was held since")
			})
		}
		// Nothing changed: recorded as a read.
		return &PurgeResult{Kept: skips}, s.invoke(ctx, inv, Spec{Roles: spec.Roles, Targets: spec.Targets}, func(*txn) error { return nil })
	}
	if req.Confirm != nil && !req.Confirm(plan, w.Set().Count()) {
		w.Abort()
		return nil, errs.Invalidf("purge cancelled; nothing changed")
	}
	m, err := w.Close(archive.Manifest{Class: req.Class, AsOf: req.AsOf.UTC().Format(time.RFC3339), Store: tag, Operator: inv.OSUser, Host: req.Host,
		CreatedAt: req.Now().UTC().Format(time.RFC3339Nano)})
	if err != nil {
		if errs.CodeOf(err) != errs.Internal {
			return nil, err
		}
		return nil, errs.Wrap(errs.Internal, err, "cannot write the archive: %v", err)
	}
	// The deletion set is what the archive holds as read back from disk,
	// not what was selected, nor a fresh query.
	total := w.Set().Count()
	req.phase("verifying", total)
	var verified int64
	_, set, err := archive.Verify(w.Path(), func(*records.Record) error {
		if verified++; verified%4096 == 0 {
			req.progress(verified, total)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	// 4: record the purge and its set, in the invocation's one audited
	// transaction, then delete in batches.
	p := &Purge{ScopeClass: req.Class, AsOf: req.AsOf, Archive: w.Path(), ArchiveSHA256: m.SHA256, SetSHA256: m.SetSHA256, DeleteFiles: req.DeleteFiles,
		RequestID: req.Plan}
	if err := s.invoke(ctx, inv, spec, func(tx *txn) error { return tx.CommitPurge(p, set, skips) }); err != nil {
		return nil, err
	}
	req.phase("deleting", total)
	done, err := s.finishPurge(ctx, p, rs, req.Progress)
	if err != nil {
		return nil, err
	}
	return &PurgeResult{Purges: []*Purge{done}}, nil
}

// finishPurge deletes a committed purge's records in batches and marks it
// done. An interrupt stops it between batches: each batch commits whole,
// and the next run finishes the purge.
func (s *sqlStore) finishPurge(ctx context.Context, p *Purge, rs *archive.Roots, progress func(done, total int64)) (*Purge, error) {
	var destroy Destroyer
	span := int64(deleteSpan)
	if p.DeleteFiles {
		span = deleteSpanFiles
		destroy = func(victims []Victim) ([]FileOutcome, error) {
			items := make([]archive.DestroyItem, len(victims))
			for i, v := range victims {
				items[i] = archive.DestroyItem{R: v.R, Archived: v.Content, Resumed: v.Resumed}
			}
			results, err := rs.DestroyAll(items)
			if err != nil {
				return nil, errs.Wrap(errs.Internal, err, "cannot destroy the files of a purge batch: %v", err)
			}
			out := make([]FileOutcome, len(results))
			for i, d := range results {
				switch {
				case d.Gone:
					out[i] = FileOutcome{Destroyed: true}
				case d.Action == records.FileNone:
					out[i] = FileOutcome{Missing: true}
				case d.Action == records.FileDestroy:
					out[i] = FileOutcome{Skip: "not destroyed"}
				default:
					out[i] = FileOutcome{Skip: d.Reason}
				}
			}
			return out, nil
		}
	}
	if err := s.BulkCache(ctx); err != nil {
		return nil, err
	}
	done := p.Deleted + p.Skipped
	interrupted := func() error {
		return errs.Wrap(errs.Interrupted, ctx.Err(), "interrupted after deleting %d of %d records of purge %d; run the purge again to finish it", p.Deleted, p.Count, p.ID)
	}
	err := batchLoop(ctx, span, minDeleteSpan, maxDeleteSpan, interrupted, func(ctx context.Context, span int64) (bool, error) {
		b, err := s.DeletePurgeBatch(ctx, p.ID, span, destroy)
		if err != nil {
			return false, err
		}
		done += b.Deleted + b.Skipped
		if progress != nil {
			progress(min(done, p.Count), p.Count)
		}
		return b.More, nil
	})
	if err != nil {
		return nil, err
	}
	p, err = s.FinishPurge(context.WithoutCancel(ctx), p.ID)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// planMarks marks which records of a plan's set a fresh selection
// returned: a bit per id between the set's first and last, so a plan of
// millions of records costs a few megabytes.
type planMarks struct {
	lo   int64
	bits []uint64
}

func newPlanMarks(set records.IDSet) planMarks {
	if len(set.Ranges) == 0 {
		return planMarks{}
	}
	lo := set.Ranges[0].Lo
	return planMarks{lo: lo, bits: make([]uint64, (set.Max()-lo)/64+1)}
}

func (m planMarks) mark(id int64) {
	i := id - m.lo
	m.bits[i/64] |= 1 << (i % 64)
}

// unmarked lists the ids of set that were not marked.
func (m planMarks) unmarked(set records.IDSet) []int64 {
	var out []int64
	for _, r := range set.Ranges {
		for id := r.Lo; id <= r.Hi; id++ {
			if i := id - m.lo; m.bits[i/64]&(1<<(i%64)) == 0 {
				out = append(out, id)
			}
		}
	}
	return out
}
