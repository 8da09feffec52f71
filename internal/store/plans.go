// Purge plans: the exact set of records a purge would delete, recorded as
// a request for an officer to approve (internal/request), and carried out
// later by records purge --apply, which purges that set and nothing else.

package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/records"
	"github.com/custos-dev/custos/internal/request"
)

// PlanPurge is records purge --plan: it selects the records a purge of
// class (every scheduled class when "") as of asOf would delete, in a read
// snapshot so that a large selection holds no lock, then records them as
// a plan for the officer stage in the invocation's audited transaction:
// the id set kept beside the request and named by its SHA-256 in the
// payload. With nothing due it records a read and returns nil.
func (s *sqlStore) PlanPurge(ctx context.Context, inv *Invocation, spec Spec, class string, asOf time.Time, deleteFiles bool, reason string) (*request.Request, error) {
	var ids []int64
	var plan []*records.ClassPlan
	if err := s.view(ctx, inv, spec, func(tx *txn) error {
		return tx.PurgeCandidates(class, asOf, func(r *records.Record) error {
			ids = append(ids, r.ID)
			plan = records.AddToPlan(plan, r)
			return nil
		})
	}); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, s.invoke(ctx, inv, Spec{Roles: spec.Roles, Targets: spec.Targets}, func(*txn) error { return nil })
	}
	set := records.BuildIDSet(ids, nil)
	p := request.PurgePlan{Class: class, AsOf: asOf.UTC(), SetSHA256: set.Hash(), Count: set.Count(), DeleteFiles: deleteFiles, Reason: reason}
	for _, c := range plan {
		p.Classes = append(p.Classes, request.PlanClass{Class: c.Class, Count: c.Count, Oldest: c.Oldest.UTC(), Newest: c.Newest.UTC()})
	}
	var q *request.Request
	err := s.invoke(ctx, inv, spec, func(t *txn) (err error) {
		if q, err = t.newRequest(request.KindPurge, p.Payload(), reason, []string{request.StageOfficer}); err != nil {
			return err
		}
		ins, err := t.tx.PrepareContext(t.ctx, `INSERT INTO plan_ranges (request_id, lo, hi) VALUES ($1, $2, $3)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, r := range set.Ranges {
			if _, err := ins.ExecContext(t.ctx, q.ID, r.Lo, r.Hi); err != nil {
				return err
			}
		}
		return nil
	})
	return q, err
}

// approvedPlan reads an approved purge plan that may be carried out now
// (request.CheckApply) and its id set, checked against the SHA-256 its
// payload names.
func (t *txn) approvedPlan(id string) (*request.Request, request.PurgePlan, records.IDSet, error) {
	var set records.IDSet
	q, err := t.GetRequest(id)
	if err != nil {
		return nil, request.PurgePlan{}, set, err
	}
	if err := request.CheckApply(q, request.KindPurge, t.now); err != nil {
		return nil, request.PurgePlan{}, set, err
	}
	p, err := request.ParsePurgePlan(q.Payload)
	if err != nil {
		return nil, p, set, errs.Integrityf("the plan %s cannot be read: %v", q.ID, err)
	}
	if set, err = t.planSet(q.ID); err != nil {
		return nil, p, set, err
	}
	if got := set.Hash(); got != p.SetSHA256 || set.Count() != p.Count {
		return nil, p, set, errs.Integrityf("the records kept for %s (%d, SHA-256 %s) are not the set it was approved for (%d, %s); nothing is purged",
			q.ID, set.Count(), got, p.Count, p.SetSHA256)
	}
	return q, p, set, nil
}

// planSet reads the id set kept for the plan id.
func (t *txn) planSet(id string) (records.IDSet, error) {
	return t.idRanges(`SELECT lo, hi FROM plan_ranges WHERE request_id = $1 ORDER BY lo`, id)
}

// purgeSet reads the id set of the purge id.
func (t *txn) purgeSet(id string) (records.IDSet, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return records.IDSet{}, err
	}
	return t.idRanges(`SELECT lo, hi FROM purge_ranges WHERE purge_id = $1 ORDER BY lo`, n)
}

// idRanges reads a set of ids kept as runs: rows of lo and hi, in order.
func (t *txn) idRanges(query string, arg any) (records.IDSet, error) {
	var set records.IDSet
	rows, err := t.tx.QueryContext(t.ctx, query, arg)
	if err != nil {
		return set, err
	}
	defer rows.Close()
	for rows.Next() {
		var r records.IDRange
		if err := rows.Scan(&r.Lo, &r.Hi); err != nil {
			return set, err
		}
		set.Ranges = append(set.Ranges, r)
	}
	return set, rows.Err()
}

// ApprovedPlans lists the approved purge plans not yet carried out, oldest
// first: what records purge --apply-approved carries out.
func (t *txn) ApprovedPlans() ([]string, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT id FROM requests WHERE kind = $1 AND state = 'approved' ORDER BY year, seq`, request.KindPurge)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// planGaps sorts the records of a plan's set that a fresh selection did
// not return: held since the plan (kept and reported), or no longer due
// for another reason (the plan then may not be carried out).
func (t *txn) planGaps(unseen []int64, asOf time.Time, d *request.SetDifference) error {
	schedules, holds, err := t.rules()
	if err != nil {
		return err
	}
	for _, id := range unseen {
		r, err := scanRecord(t.tx.QueryRowContext(t.ctx, `SELECT `+recordColumns+` FROM records WHERE id = $1`, id))
		if errors.Is(err, sql.ErrNoRows) {
			d.Missing[id] = "no longer in the catalogue"
			continue
		} else if err != nil {
			return err
		}
		if h := records.HeldBy(r, holds); h != "" {
			d.Held = append(d.Held, id)
			continue
		}
		d.Missing[id] = records.Decide(r, schedules, holds, asOf).Reason
	}
	return nil
}

// markPlanApplied records that the plan id was carried out (outcome says
// how), in the purge's own transaction, after checking again under the
// write lock that the plan may still be carried out.
func (t *txn) markPlanApplied(id, outcome string) error {
	q, err := t.GetRequest(id)
	if err != nil {
		return err
	}
	if err := request.CheckApply(q, request.KindPurge, t.now); err != nil {
		return err
	}
	_, err = t.tx.ExecContext(t.ctx, `UPDATE requests SET state = 'applied', outcome = $2 WHERE id = $1`, id, outcome)
	return err
}
