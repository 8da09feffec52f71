package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"hash"
	"sort"
	"strconv"

	"github.com/custos-dev/custos/internal/access"
	"github.com/custos-dev/custos/internal/errs"
)

// Closing a campaign revokes the grants of its revoke decisions. A small
// campaign is closed in the invocation's one transaction. A large one is
// closed so that no other command waits long behind it, while the close
// stays all or nothing from the user's point of view:
//
//  1. a read transaction, holding no write lock (PrepareClose), checks
//     the campaign, counts its summary and reads the grants to revoke;
//  2. the invocation's audited transaction (ApplyClose) checks that no
//     decision was recorded since (the campaign's decisions counter),
//     sets it "closing" with who closes it, when and how (--undecided),
//     and appends the entry, which names the campaign and the set of
//     grants the close revokes by count and SHA-256 (revokeSetObject);
//  3. batches of their own, each holding the write lock for about
//     batchTarget, revoke the grants of the next items, append an entry
//     of the invocation naming the accounts and grants they revoked, and
//     move the campaign's close_done on; the last sets it "closed".
//
// While it is "closing" no decision can be recorded (the items are
// frozen, so the summary stands), and a close, by anyone, finishes it
// with the first close's time, operator and reason: a close killed at
// any point is finished by running it again.

// closeInline is the most items a campaign may have to be closed in the
// invocation's transaction alone; a variable for the tests.
var closeInline int64 = 4000

// closeSpan is the number of items in a closing batch at first; it adapts
// to batchTarget. A variable for the tests.
var closeSpan int64 = 4000

// ReviewSummary is what closing a campaign did (or would do).
type ReviewSummary struct {
	Kept, Revoked, Undecided int64
	// AlreadyGone counts revoke decisions whose grant was revoked meanwhile.
	AlreadyGone int64
	// Resumed: the close finished one an earlier run left "closing".
	Resumed bool
}

// closing is a campaign being closed: what each batch needs.
type closing struct {
	id, base, items int64
	name            string
	at, by          string
	// revokeUndecided: --undecided revoke.
	revokeUndecided bool
	// record, if set, appends an entry naming what a batch revoked, in
	// the batch's transaction: a close whose entry names its set by
	// count and hash (revokeSetObject).
	record func(ctx context.Context, tx *sql.Tx, objects []string) error
}

// revokeSetSQL selects the items (i) whose grant the close revokes.
func revokeSetSQL(revokeUndecided bool) string {
	if revokeUndecided {
		return `i.decision IN ('revoke', '')`
	}
	return `i.decision = 'revoke'`
}

// ClosePlan is a close read and checked, in a read transaction holding
// no write lock (Spec.Prepare): the campaign's summary and the grants it
// revokes. ApplyClose records it in the audited transaction if no
// decision was recorded and the campaign did not change meanwhile.
type ClosePlan struct {
	name      string
	undecided string
	state     string
	closedAt  string
	// decisions is the campaign's decision count when read.
	decisions int64
	sum       ReviewSummary
	cl        *closing
	// touched: the accounts and grants the close revokes, each once, in
	// item order (a resumed close: none, its first run named them).
	touched []string
	// set: the SHA-256 of the grants the close revokes (revokeSetHash).
	set hash.Hash
	// count: how many grants the close revokes.
	count int64
}

// CloseReview closes a campaign: see the steps above. undecided says what
// to do with items nobody decided: keep or revoke; when there are any and
// it is empty, closing is refused. A campaign left "closing" by an
// interrupted close is finished as that close began it. With dryRun
// nothing changes.
func (t *txn) CloseReview(name, undecided string, dryRun bool) (ReviewSummary, error) {
	p, err := t.prepareClose(name, undecided, dryRun)
	if err != nil || dryRun {
		return p.summary(), err
	}
	return t.ApplyClose(p)
}

func (p *ClosePlan) summary() ReviewSummary {
	if p == nil {
		return ReviewSummary{}
	}
	return p.sum
}

// PrepareClose reads and checks a close as CloseReview does and writes
// nothing, for a read transaction; ApplyClose records it.
func (t *txn) PrepareClose(name, undecided string) (*ClosePlan, error) {
	return t.prepareClose(name, undecided, false)
}

func (t *txn) prepareClose(name, undecided string, dryRun bool) (*ClosePlan, error) {
	c, err := t.GetReview(name)
	if err != nil {
		return nil, err
	}
	p := &ClosePlan{name: name, state: c.State, closedAt: formatTime(c.ClosedAt)}
	s := &p.sum
	var id, base, items, gone int64
	if err := t.tx.QueryRowContext(t.ctx, `SELECT id, base, items, close_gone, decisions FROM reviews WHERE name = $1`, name).Scan(&id, &base, &items, &gone, &p.decisions); err != nil {
		return nil, err
	}
	switch c.State {
	case "open":
	case "starting":
		return nil, errStarting(name)
	case "importing":
		return nil, errImporting(name)
	case "closing":
		if undecided != "" && c.Undecided != "" && undecided != c.Undecided {
			return nil, errs.Conflictf("the close of %s was begun with --undecided %s", name, c.Undecided).
				WithHint("run custos access review close %s --undecided %s to finish it", name, c.Undecided)
		}
		undecided, s.Resumed = c.Undecided, true
	default:
		return nil, errs.Conflictf("the access review %s is closed", name)
	}
	pr, err := t.reviewProgress(name)
	if err != nil {
		return nil, err
	}
	if !s.Resumed && pr.Undecided > 0 && undecided == "" {
		return nil, errs.Conflictf("%d item(s) of %s are undecided", pr.Undecided, name).
			WithHint("decide them, or close with --undecided keep or --undecided revoke")
	}
	s.Kept, s.Revoked, s.Undecided = pr.Kept, pr.Revoked, pr.Undecided
	if undecided == access.Revoke {
		s.Revoked += pr.Undecided
	} else {
		s.Kept += pr.Undecided
	}
	p.undecided = undecided
	p.cl = &closing{id: id, base: base, items: items, name: name, at: formatTime(c.ClosedAt), by: c.ClosedBy, revokeUndecided: undecided == access.Revoke}
	if s.Resumed {
		// The first close's entry names what it revokes; this run only
		// finishes it.
		s.AlreadyGone = gone
		return p, nil
	}
	// The grants to revoke, each once, in item order, with the accounts
	// they belong to: the objects of the entry, in the order a close item
	// by item would touch them. The rest of the revoke set was revoked
	// meanwhile.
	rows, err := t.tx.QueryContext(t.ctx, closeObjectsSQL(p.cl.revokeUndecided), name)
	if err != nil {
		return nil, err
	}
	accounts := map[string]bool{}
	var n int64
	p.set = sha256.New()
	for rows.Next() {
		var username string
		var grant int64
		if err := rows.Scan(&username, &grant); err != nil {
			rows.Close()
			return nil, err
		}
		n++
		if dryRun {
			continue
		}
		if !accounts[username] {
			accounts[username] = true
			p.touched = append(p.touched, "account:"+username)
		}
		g := "grant:" + strconv.FormatInt(grant, 10)
		p.touched = append(p.touched, g)
		p.set.Write([]byte(g + "\n"))
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	s.AlreadyGone, p.count = s.Revoked-n, n
	return p, nil
}

// ApplyClose records a prepared close: if the campaign is as the plan read
// it (same state, no decision recorded since), a small campaign is closed
// here, and a large one set "closing" for the batches that follow; if not,
// nothing changes (exit 5) and a re-run reads it afresh.
func (t *txn) ApplyClose(p *ClosePlan) (ReviewSummary, error) {
	s := p.sum
	c, err := t.GetReview(p.name)
	if err != nil {
		return s, err
	}
	var decisions int64
	if err := t.tx.QueryRowContext(t.ctx, readDecisionsSQL, p.cl.id).Scan(&decisions); err != nil {
		return s, err
	}
	if c.State != p.state || decisions != p.decisions || (p.state == "closing" && formatTime(c.ClosedAt) != p.closedAt) {
		if c.State == "closed" {
			return s, errs.Conflictf("the access review %s is closed", p.name)
		}
		return s, errs.Conflictf("the access review %s changed while its close was prepared; nothing was closed", p.name).
			WithHint("run the command again: it reads the campaign afresh")
	}
	cl := p.cl
	if s.Resumed {
		// Each batch's entry, this invocation's, names what it revokes.
		cl.record = t.recordBatch
		t.after(t.objects, func(ctx context.Context) error { return t.store.finishClose(ctx, cl) })
		return s, nil
	}
	targets := t.objects
	cl.at, cl.by = formatTime(t.now), t.op.Name
	if cl.items <= closeInline {
		// Only review:NAME was touched before, so none of these is a
		// duplicate.
		t.objects = append(t.objects[:len(t.objects):len(t.objects)], p.touched...)
		// Small: revoked and closed here, in one transaction.
		if _, err := closeRevoke(t.ctx, t.tx, cl, 0, cl.items); err != nil {
			return s, err
		}
		_, err = t.tx.ExecContext(t.ctx, `UPDATE reviews SET state = 'closed', closed_at = $2, closed_by = $3, undecided = $4, close_done = $5,
			close_gone = $6 WHERE id = $1`, cl.id, cl.at, cl.by, p.undecided, cl.items, s.AlreadyGone)
		return s, err
	}
	// Large: the entry names the set the close revokes by its count and
	// SHA-256, and each batch's own entry names the accounts and grants
	// that batch revokes (see revokeSetObject).
	t.objects = append(t.objects[:len(t.objects):len(t.objects)], revokeSetObject(p.count, p.set))
	if _, err := t.tx.ExecContext(t.ctx, `UPDATE reviews SET state = 'closing', closed_at = $2, closed_by = $3, undecided = $4, close_done = 0,
		close_gone = $5 WHERE id = $1`, cl.id, cl.at, cl.by, p.undecided, s.AlreadyGone); err != nil {
		return s, err
	}
	cl.record = t.recordBatch
	t.after(targets, func(ctx context.Context) error { return t.store.finishClose(ctx, cl) })
	return s, nil
}

// readDecisionsSQL reads campaign $1's decision count (bumpDecisionsSQL).
const readDecisionsSQL = `SELECT decisions FROM reviews WHERE id = $1`

// revokeSetObject names, in the entry of a close done in batches, the set
// of grants it revokes: "revoke-set:COUNT:sha256:HEX", the SHA-256 of
// "grant:ID\n" for each grant in item order (the order the batches'
// entries name them in).
func revokeSetObject(count int64, set hash.Hash) string {
	return "revoke-set:" + strconv.FormatInt(count, 10) + ":sha256:" + hex.EncodeToString(set.Sum(nil))
}

// recordBatch appends, in a batch's own transaction, an entry of the
// invocation naming the campaign and what the batch revoked.
func (t *txn) recordBatch(ctx context.Context, tx *sql.Tx, objects []string) error {
	bt := &txn{ctx: ctx, inv: t.inv, store: t.store, objects: objects}
	return bt.appendEntry(tx, nil)
}

// closeObjectsSQL reads the account and grant of each item of campaign $1
// in its revoke set whose grant is still active, in item order: one walk
// of the primary key (+i.review_id keeps SQLite from taking the items
// from the index on review_id and sorting them).
func closeObjectsSQL(revokeUndecided bool) string {
	return `SELECT i.username, i.grant_id FROM reviews r JOIN review_items i ON i.id > r.base AND i.id <= r.base + r.items
		AND +i.review_id = r.id WHERE r.name = $1 AND (` + revokeSetSQL(revokeUndecided) + `)
		AND EXISTS (SELECT 1 FROM grants g WHERE g.id = i.grant_id AND g.revoked_at = '') ORDER BY i.id`
}

// closeRevokeSQL revokes, in one statement, the grants of a campaign's
// items $5 < item <= $6 in its revoke set that are still active, each by
// its primary key, with the reason a close gives: the campaign, the item
// and the reviewer's reason, or "undecided at close". (+i.review_id keeps
// SQLite from taking the review's items from an index on review_id.)
func closeRevokeSQL(revokeUndecided bool) string {
	return `UPDATE grants SET revoked_at = $1, revoked_by = $2,
		revoke_reason = 'access review ' || $3 || ', item ' || CAST(i.id - CAST($4 AS BIGINT) AS TEXT) || CASE WHEN i.decision = ''
			THEN ': undecided at close' ELSE ': ' || i.reason || ' (decided by ' || i.decided_by || ')' END
	FROM review_items i
	WHERE i.id > CAST($4 AS BIGINT) + CAST($5 AS BIGINT) AND i.id <= CAST($4 AS BIGINT) + CAST($6 AS BIGINT) AND +i.review_id = $7 AND (` + revokeSetSQL(revokeUndecided) + `)
		AND grants.id = i.grant_id AND grants.revoked_at = ''`
}

// closeRevokeReturningSQL is closeRevokeSQL returning each revoked
// grant's id and account.
func closeRevokeReturningSQL(revokeUndecided bool) string {
	return closeRevokeSQL(revokeUndecided) + ` RETURNING grants.id, grants.username`
}

// closeRevoke revokes the grants of items lo < item <= hi of a closing
// campaign and reports how many it revoked.
func closeRevoke(ctx context.Context, tx *sql.Tx, c *closing, lo, hi int64) (int64, error) {
	res, err := tx.ExecContext(ctx, closeRevokeSQL(c.revokeUndecided), c.at, c.by, c.name, c.base, lo, hi, c.id)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// closeRevokeRecorded is closeRevoke with an entry naming the accounts
// and grants it revoked, in item (grant id) order, each account once
// before its first grant.
func closeRevokeRecorded(ctx context.Context, tx *sql.Tx, c *closing, lo, hi int64) error {
	rows, err := tx.QueryContext(ctx, closeRevokeReturningSQL(c.revokeUndecided),
		c.at, c.by, c.name, c.base, lo, hi, c.id)
	if err != nil {
		return err
	}
	type revoked struct {
		id       int64
		username string
	}
	var rs []revoked
	for rows.Next() {
		var r revoked
		if err := rows.Scan(&r.id, &r.username); err != nil {
			rows.Close()
			return err
		}
		rs = append(rs, r)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(rs) == 0 {
		return nil
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].id < rs[j].id })
	objects := make([]string, 1, 1+len(rs)+len(rs)/4)
	objects[0] = "review:" + c.name
	accounts := map[string]bool{}
	for _, r := range rs {
		if !accounts[r.username] {
			accounts[r.username] = true
			objects = append(objects, "account:"+r.username)
		}
		objects = append(objects, "grant:"+strconv.FormatInt(r.id, 10))
	}
	return c.record(ctx, tx, objects)
}

// finishClose revokes the grants of a closing campaign in batches, from
// where its close_done says, and closes it. Each batch commits whole with
// the campaign's new close_done.
func (s *sqlStore) finishClose(ctx context.Context, c *closing) error {
	if err := s.BulkCache(ctx); err != nil {
		return err
	}
	var done int64 = -1
	interrupted := func() error {
		return errs.Wrap(errs.Interrupted, ctx.Err(), "interrupted after closing %d of %d items of %s; run the close again to finish it", max(done, 0), c.items, c.name)
	}
	return batchLoop(ctx, closeSpan, min(closeSpan, minReviewSpan), closeSpan*64, interrupted, func(ctx context.Context, span int64) (more bool, err error) {
		err = s.inBatch(ctx, func(tx *sql.Tx) error {
			var state string
			var at int64
			if err := tx.QueryRowContext(ctx, `SELECT state, close_done FROM reviews WHERE id = $1`, c.id).Scan(&state, &at); err != nil {
				return err
			}
			switch {
			case state != "closing":
				// Another run finished it meanwhile.
				done, more = c.items, false
				return nil
			case done >= 0 && at != done:
				return errs.New(errs.Conflict, "the access review %s is being closed by another custos process", c.name).
					WithHint("wait for it to finish; run the close again if it was interrupted")
			}
			hi := min(at+span, c.items)
			if c.record == nil {
				if _, err := closeRevoke(ctx, tx, c, at, hi); err != nil {
					return err
				}
			} else if err := closeRevokeRecorded(ctx, tx, c, at, hi); err != nil {
				return err
			}
			state = "closing"
			if hi == c.items {
				state = "closed"
			}
			if _, err := tx.ExecContext(ctx, `UPDATE reviews SET close_done = $2, state = $3 WHERE id = $1`, c.id, hi, state); err != nil {
				return err
			}
			done, more = hi, hi < c.items
			return nil
		})
		return more, err
	})
}
