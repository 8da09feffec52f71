package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/errs"
)

// Importing a review sheet records its decisions all or none. A small
// import is written in the invocation's one transaction (ApplyDecisions,
// each change guarded by what its item held when checked). A large one
// is written so that no other command waits long behind it:
//
//  1. a read transaction (CheckDecisions, Spec.Prepare) checks the sheet
//     and works out each changed item's final values;
//  2. batches of their own (DecisionPlan.Stage, Spec.Stage) write those
//     values to review_import_rows under a new plan id, touching nothing
//     else: killed here, the rows are left unreferenced and nothing is
//     imported;
//  3. the audited transaction (ApplyDecisions) checks that no decision
//     was recorded since the check (the campaign's decisions counter)
//     and that every row is staged, sets the campaign "importing" with
//     the plan's id, and appends the entry;
//  4. batches of their own, each holding the write lock for about
//     batchTarget, apply the next staged rows by the items' primary key,
//     delete them and move the campaign's import_done on; the last sets
//     it "open" again.
//
// While it is "importing" no decision is recorded, no close or other
// import runs (each refused, exit 5), so the staged values still hold
// when applied and nothing needs undoing; an import, by anyone, finishes
// it (ResumeImport) and imports nothing of its own.

// importInline is the most changed items an import writes in the
// invocation's transaction alone, as closeInline for a close; a variable
// for the tests.
var importInline = 4000

// reviewImportSpan is the number of staged rows a batch writes or applies at
// first; it adapts to batchTarget. A variable for the tests.
var reviewImportSpan int64 = 4000

func errImporting(name string) error {
	return errs.Conflictf("the access review %s is being imported into", name).
		WithHint("an import was interrupted or is running; custos access review import %s FILE finishes it", name)
}

// final is what an import leaves an item with.
type final struct {
	id                                                 int64
	decision, reason, decidedBy, importedBy, overrides string
	changed                                            bool
}

// apply changes f as applyDecisionSQL changes its row, and adds f to
// finals when first changed.
func (f *final) apply(finals []*final, d Decision, decider, overrides, importer string) []*final {
	switch {
	case overrides != "":
		f.overrides = overrides
	case f.decidedBy != decider:
		f.overrides = ""
	}
	f.decision, f.reason, f.decidedBy, f.importedBy = d.Decision, d.Reason, decider, ""
	if decider != importer {
		f.importedBy = importer
	}
	if !f.changed {
		f.changed = true
		finals = append(finals, f)
	}
	return finals
}

// Stage writes a large plan's final values to review_import_rows in
// batches of their own under a new plan id; a small plan is left to
// ApplyDecisions alone.
func (p *DecisionPlan) Stage(ctx context.Context) error {
	if p == nil || p.resume || len(p.finals) <= importInline {
		return nil
	}
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	s := p.store
	// The plan's id is its staging time in seconds and 31 random bits:
	// rows of a plan staged over stagedStale ago that no campaign is
	// importing are those of an import killed before its audited
	// transaction, and are deleted first.
	p.planID = time.Now().Unix()<<31 | int64(binary.BigEndian.Uint32(b[:])>>1)
	if err := s.deleteStaleStaged(ctx, (time.Now().Add(-stagedStale).Unix())<<31); err != nil {
		return err
	}
	n := int64(len(p.finals))
	var done int64
	interrupted := func() error {
		return errs.Wrap(errs.Interrupted, ctx.Err(), "interrupted while staging %d decisions for %s; nothing was imported", n, p.name)
	}
	rows := max(1, s.d.insertBatch())
	return batchLoop(ctx, reviewImportSpan, min(reviewImportSpan, minReviewSpan), reviewImportSpan*64, interrupted, func(ctx context.Context, span int64) (bool, error) {
		hi := min(done+span, n)
		err := s.inBatch(ctx, func(tx *sql.Tx) error {
			// One statement per row count, prepared once a batch.
			stmts := map[int]*sql.Stmt{}
			defer func() {
				for _, st := range stmts {
					st.Close()
				}
			}()
			for lo := done; lo < hi; lo += int64(rows) {
				part := p.finals[lo:min(lo+int64(rows), hi)]
				st := stmts[len(part)]
				if st == nil {
					var q strings.Builder
					q.WriteString(`INSERT INTO review_import_rows (plan, seq, item_id, decision, reason, decided_by, imported_by, overrides) VALUES `)
					for i := range part {
						if i > 0 {
							q.WriteString(", ")
						}
						k := 8 * i
						fmt.Fprintf(&q, "($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)", k+1, k+2, k+3, k+4, k+5, k+6, k+7, k+8)
					}
					var err error
					if st, err = tx.PrepareContext(ctx, q.String()); err != nil {
						return err
					}
					stmts[len(part)] = st
				}
				args := make([]any, 0, 8*len(part))
				for i, f := range part {
					args = append(args, p.planID, lo+int64(i)+1, f.id, f.decision, f.reason, f.decidedBy, f.importedBy, f.overrides)
				}
				if _, err := st.ExecContext(ctx, args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return false, err
		}
		done = hi
		return done < n, nil
	})
}

// stagedStale is how long after it was staged an unadopted plan's rows
// are deleted by the next large import. A plan deleted before its own
// audited transaction (staged longer ago than this) is refused there,
// exit 5, by its count of staged rows.
const stagedStale = time.Hour

// deleteStaleStagedSQL deletes up to $2 rows of plans staged before the
// id $1 and adopted by no campaign, in key order.
const deleteStaleStagedSQL = `DELETE FROM review_import_rows WHERE (plan, seq) IN (SELECT plan, seq FROM review_import_rows
	WHERE plan < $1 AND plan NOT IN (SELECT import_plan FROM reviews) ORDER BY plan, seq LIMIT $2)`

// deleteStaleStaged deletes, in batches, the rows of plans staged before
// the id before and adopted by no campaign.
func (s *sqlStore) deleteStaleStaged(ctx context.Context, before int64) error {
	interrupted := func() error {
		return errs.Wrap(errs.Interrupted, ctx.Err(), "interrupted while deleting an abandoned import's staged rows; nothing was imported")
	}
	return batchLoop(ctx, reviewImportSpan, min(reviewImportSpan, minReviewSpan), reviewImportSpan*64, interrupted, func(ctx context.Context, span int64) (more bool, err error) {
		err = s.inBatch(ctx, func(tx *sql.Tx) error {
			r, err := tx.ExecContext(ctx, deleteStaleStagedSQL, before, span)
			if err != nil {
				return err
			}
			n, err := r.RowsAffected()
			more = n == span
			return err
		})
		return more, err
	})
}

// ResumeImport returns the plan of an import the campaign was left
// "importing" by, to finish with ApplyDecisions, or nil if none was.
func (t *txn) ResumeImport(name string) (*DecisionPlan, error) {
	c, err := t.GetReview(name)
	if err != nil || c.State != "importing" {
		return nil, err
	}
	p := &DecisionPlan{name: name, operator: t.op.Name, roles: fmt.Sprint(t.op.Roles), dept: t.op.Department, store: t.store, resume: true}
	err = t.tx.QueryRowContext(t.ctx, `SELECT id, import_plan, import_count FROM reviews WHERE name = $1`, name).Scan(&p.reviewID, &p.planID, &p.count)
	return p, err
}

// applyStaged records a staged plan in the audited transaction (step 3)
// and leaves its rows to the batches that follow it, or, resumed,
// finishes an import left "importing".
func (t *txn) applyStaged(p *DecisionPlan, res DecideResult) (DecideResult, error) {
	c, err := t.GetReview(p.name)
	if err != nil {
		return res, err
	}
	var state string
	var decisions, plan, count int64
	var at string
	if err := t.tx.QueryRowContext(t.ctx, `SELECT state, decisions, import_plan, import_count, import_at FROM reviews WHERE id = $1`, p.reviewID).
		Scan(&state, &decisions, &plan, &count, &at); err != nil {
		return res, err
	}
	im := &reviewImporting{reviewID: p.reviewID, plan: p.planID, count: count, name: p.name, at: at}
	if p.resume {
		if c.State != "importing" || plan != p.planID {
			return res, errs.Conflictf("the access review %s changed while its import was prepared; nothing was imported", p.name).
				WithHint("run the command again")
		}
		res.Resumed, res.Changed = true, int(count)
		t.after(t.objects, func(ctx context.Context) error { return t.store.finishReviewImport(ctx, im) })
		return res, nil
	}
	if _, err := t.openReview(p.name); err != nil {
		return res, err
	}
	n := int64(len(p.finals))
	var staged int64
	if err := t.tx.QueryRowContext(t.ctx, countStagedSQL, p.planID).Scan(&staged); err != nil {
		return res, err
	}
	if decisions != p.decisions || staged != n {
		return res, errs.Conflictf("the access review %s changed while the sheet was checked; nothing was imported", p.name).
			WithHint("run the command again: it checks the sheet afresh")
	}
	if _, err := t.tx.ExecContext(t.ctx, bumpDecisionsSQL, p.name); err != nil {
		return res, err
	}
	im.count, im.at = n, formatTime(t.now)
	if _, err := t.tx.ExecContext(t.ctx, `UPDATE reviews SET state = 'importing', import_plan = $2, import_done = 0, import_count = $3,
		import_at = $4 WHERE id = $1`, p.reviewID, p.planID, n, im.at); err != nil {
		return res, err
	}
	for _, c := range p.changes {
		if c.overrides != "" {
			res.Overrides[c.d.Item] = c.overrides
		}
	}
	res.Changed = len(p.changes)
	t.after(t.objects, func(ctx context.Context) error { return t.store.finishReviewImport(ctx, im) })
	return res, nil
}

// importing is a campaign being imported into: what each batch needs.
type reviewImporting struct {
	reviewID, plan, count int64
	name, at              string
}

// applyStagedSQL applies staged rows $3 < seq <= $4 of plan $1 by the
// items' primary key, with decision time $2.
const applyStagedSQL = `UPDATE review_items SET decision = s.decision, reason = s.reason, decided_by = s.decided_by, decided_at = $2,
	imported_by = s.imported_by, overrides = s.overrides
	FROM review_import_rows s WHERE s.plan = $1 AND s.seq > $3 AND s.seq <= $4 AND review_items.id = s.item_id`

// deleteStagedSQL deletes staged rows $2 < seq <= $3 of plan $1, once
// applied; countStagedSQL counts a plan's rows.
const (
	deleteStagedSQL = `DELETE FROM review_import_rows WHERE plan = $1 AND seq > $2 AND seq <= $3`
	countStagedSQL  = `SELECT count(*) FROM review_import_rows WHERE plan = $1`
)

// finishReviewImport applies a plan's staged rows in batches, from where the
// campaign's import_done says, and sets the campaign "open". Each batch
// commits whole with the campaign's new import_done.
func (s *sqlStore) finishReviewImport(ctx context.Context, im *reviewImporting) error {
	var done int64 = -1
	interrupted := func() error {
		return errs.Wrap(errs.Interrupted, ctx.Err(), "interrupted after importing %d of %d decisions into %s; run the import again to finish it",
			max(done, 0), im.count, im.name)
	}
	return batchLoop(ctx, reviewImportSpan, min(reviewImportSpan, minReviewSpan), reviewImportSpan*64, interrupted, func(ctx context.Context, span int64) (more bool, err error) {
		err = s.inBatch(ctx, func(tx *sql.Tx) error {
			var state string
			var plan, at int64
			if err := tx.QueryRowContext(ctx, `SELECT state, import_plan, import_done FROM reviews WHERE id = $1`, im.reviewID).Scan(&state, &plan, &at); err != nil {
				return err
			}
			switch {
			case state != "importing" || plan != im.plan:
				// Another run finished it meanwhile.
				done, more = im.count, false
				return nil
			case done >= 0 && at != done:
				return errs.New(errs.Conflict, "the access review %s is being imported into by another custos process", im.name).
					WithHint("wait for it to finish; run the import again if it was interrupted")
			}
			hi := min(at+span, im.count)
			if _, err := tx.ExecContext(ctx, applyStagedSQL, im.plan, im.at, at, hi); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, deleteStagedSQL, im.plan, at, hi); err != nil {
				return err
			}
			state, plan = "importing", im.plan
			if hi == im.count {
				state, plan = "open", 0
			}
			if _, err := tx.ExecContext(ctx, `UPDATE reviews SET import_done = $2, state = $3, import_plan = $4 WHERE id = $1`, im.reviewID, hi, state, plan); err != nil {
				return err
			}
			done, more = hi, hi < im.count
			return nil
		})
		return more, err
	})
}
