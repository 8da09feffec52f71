package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/custos-dev/custos/internal/access"
	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/errs"
)

// Starting a campaign snapshots the grants in scope into its items. A
// small store's grants are snapshotted in the invocation's one
// transaction. Otherwise, so that no other command waits long behind it:
//
//  1. the invocation's audited transaction checks the name and scope and
//     records the campaign "starting", with the highest grant id of its
//     snapshot (start_max) and the first item's row (base);
//  2. batches of their own, each holding the write lock for about
//     batchTarget, snapshot the next grant ids (the grants active when the
//     campaign started: revoked since is still in, made since is not) and
//     move start_done and items on; the last sets the campaign "open".
//
// While it is "starting" its items can be neither shown, exported nor
// decided, it cannot be closed, and no other campaign can be started; a
// start of the same name, by anyone, finishes it as it was begun.

// startInline is the highest grant id a store may have for a campaign to
// be started in the invocation's transaction alone; a variable for the
// tests.
var startInline int64 = 8000

// startSpan is the number of grant ids in a starting batch at first; it
// adapts to batchTarget. A variable for the tests.
var startSpan int64 = 8000

func errStarting(name string) error {
	return errs.Conflictf("the access review %s is being started", name).
		WithHint("a start was interrupted or is running; custos access review start %s finishes it", name)
}

// starting is a campaign being started: what each batch needs.
type starting struct {
	id    int64
	c     access.Campaign
	pairs []access.Pair
	today string
	asOf  string
	maxID int64
}

// StartReview snapshots every active grant in scope into review items,
// numbered in grant order, each with its reviewer and flags (see the
// steps above), and returns how many. progress hears the count as it
// grows; when the snapshot is left to batches (or finishes an interrupted
// start), StartReview returns 0 and progress's last call is the count.
//
// The work is set-based: one INSERT … SELECT per chunk of grant IDs, so a
// million grants never pass through Go one by one (about four times faster
// than row-by-row inserts) and memory stays flat. The reviewer and flag
// expressions are the SQL form of access.Reviewer and access.ReviewFlags;
// a test checks on a generated store that they agree item by item.
func (t *txn) StartReview(c *access.Campaign, progress func(done int64)) (int64, error) {
	if progress == nil {
		progress = func(int64) {}
	}
	t.Touch("review:" + c.Name)
	old, err := t.GetReview(c.Name)
	switch {
	case err == nil && old.State == "starting":
		return 0, t.resumeStart(old, c, progress)
	case err == nil:
		return 0, errs.Conflictf("a review named %s already exists", c.Name)
	case errs.CodeOf(err) != errs.NotFound:
		return 0, err
	}
	var other string
	if err := t.tx.QueryRowContext(t.ctx, `SELECT name FROM reviews WHERE state = 'starting'`).Scan(&other); err == nil {
		return 0, errs.Conflictf("the access review %s is being started", other).
			WithHint("custos access review start %s finishes it; then start %s", other, c.Name)
	} else if !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	if c.ScopeResource != "" {
		if _, err := t.GetResource(c.ScopeResource); err != nil {
			return 0, err
		}
	}
	c.State, c.StartedAt, c.StartedBy = "open", t.now, t.op.Name
	id, err := t.nextID("reviews")
	if err != nil {
		return 0, err
	}
	pairs, err := t.sodPairs()
	if err != nil {
		return 0, err
	}
	var maxID, base int64
	if err := t.tx.QueryRowContext(t.ctx, `SELECT coalesce(max(id), 0) FROM grants`).Scan(&maxID); err != nil {
		return 0, err
	}
	if err := t.tx.QueryRowContext(t.ctx, `SELECT coalesce(max(id), 0) FROM review_items`).Scan(&base); err != nil {
		return 0, err
	}
	if maxID > startInline && !t.dryRun {
		c.State = "starting"
	}
	if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO reviews (id, name, state, due, scope_resource, scope_department, started_at, started_by,
		base, start_max) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		id, c.Name, c.State, c.Due, c.ScopeResource, c.ScopeDepartment, formatTime(t.now), t.op.Name, base, maxID); err != nil {
		return 0, err
	}
	st := &starting{id: id, c: *c, pairs: pairs, today: t.now.Format(account.DateFormat), asOf: formatTime(t.now), maxID: maxID}
	if c.State == "starting" {
		t.after(t.objects, func(ctx context.Context) error { return t.store.finishStart(ctx, st, progress) })
		return 0, nil
	}
	var n int64
	for from := int64(0); from < maxID; from += reviewChunk {
		hi := min(from+reviewChunk, maxID)
		rows, err := startChunk(t.ctx, t.tx, st, from, hi, base+n)
		if err != nil {
			return 0, err
		}
		n += rows
		progress(n)
	}
	_, err = t.tx.ExecContext(t.ctx, `UPDATE reviews SET items = $2, start_done = $3 WHERE id = $1`, id, n, maxID)
	return n, err
}

// resumeStart finishes a start an earlier run left "starting", as it was
// begun: the same scope, due date and snapshot.
func (t *txn) resumeStart(old, c *access.Campaign, progress func(int64)) error {
	if c.ScopeResource != old.ScopeResource || c.ScopeDepartment != old.ScopeDepartment {
		return errs.Conflictf("the start of %s was begun with another scope (--resource %q --department %q)", old.Name, old.ScopeResource, old.ScopeDepartment).
			WithHint("run it again with that scope to finish it")
	}
	var id, maxID int64
	if err := t.tx.QueryRowContext(t.ctx, `SELECT id, start_max FROM reviews WHERE name = $1`, old.Name).Scan(&id, &maxID); err != nil {
		return err
	}
	pairs, err := t.sodPairs()
	if err != nil {
		return err
	}
	*c = *old
	st := &starting{id: id, c: *old, pairs: pairs, today: old.StartedAt.Format(account.DateFormat), asOf: formatTime(old.StartedAt), maxID: maxID}
	t.after(t.objects, func(ctx context.Context) error { return t.store.finishStart(ctx, st, progress) })
	return nil
}

// startChunk snapshots the grants lo < id <= hi of a campaign's snapshot
// into items from row before+1 on, and reports how many.
func startChunk(ctx context.Context, tx *sql.Tx, st *starting, lo, hi, before int64) (int64, error) {
	q, args := reviewItemsSQL(st.id, &st.c, st.pairs, st.today, st.asOf, st.maxID)
	res, err := tx.ExecContext(ctx, q, append(args, lo, hi, before)...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// finishStart snapshots a starting campaign's grants in batches, from
// where its start_done says, and opens it. Each batch commits whole with
// the campaign's new start_done and items.
func (s *sqlStore) finishStart(ctx context.Context, st *starting, progress func(int64)) error {
	if err := s.BulkCache(ctx); err != nil {
		return err
	}
	var done, items int64 = -1, 0
	interrupted := func() error {
		return errs.Wrap(errs.Interrupted, ctx.Err(), "interrupted after snapshotting %d grant(s) into %s; run the start again to finish it", items, st.c.Name)
	}
	return batchLoop(ctx, startSpan, min(startSpan, minReviewSpan), startSpan*64, interrupted, func(ctx context.Context, span int64) (more bool, err error) {
		err = s.inBatch(ctx, func(tx *sql.Tx) error {
			var state string
			var at, base int64
			if err := tx.QueryRowContext(ctx, `SELECT state, start_done, base, items FROM reviews WHERE id = $1`, st.id).Scan(&state, &at, &base, &items); err != nil {
				return err
			}
			switch {
			case state != "starting":
				// Another run finished it meanwhile.
				more = false
				return nil
			case done >= 0 && at != done:
				return errs.New(errs.Conflict, "the access review %s is being started by another custos process", st.c.Name).
					WithHint("wait for it to finish; run the start again if it was interrupted")
			}
			hi := min(at+span, st.maxID)
			n, err := startChunk(ctx, tx, st, at, hi, base+items)
			if err != nil {
				return err
			}
			state = "starting"
			if hi == st.maxID {
				state = "open"
			}
			if _, err := tx.ExecContext(ctx, `UPDATE reviews SET start_done = $2, items = $3, state = $4 WHERE id = $1`, st.id, hi, items+n, state); err != nil {
				return err
			}
			done, items, more = hi, items+n, hi < st.maxID
			return nil
		})
		if err == nil {
			progress(items)
		}
		return more, err
	})
}
