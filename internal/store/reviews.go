// Access reviews: starting a campaign (a set-based snapshot of the grants in
// scope), listing campaigns and their items, recording decisions and
// closing a campaign.

package store

import (
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/custos-dev/custos/internal/access"
	"github.com/custos-dev/custos/internal/errs"
)

// reviewChunk is how many grant IDs one statement of StartReview covers.
const reviewChunk = 100_000

// rankSQL is account.Level.Rank in SQL.
func rankSQL(col string) string {
	return "CASE " + col + " WHEN 'public' THEN 0 WHEN 'internal' THEN 1 WHEN 'confidential' THEN 2 WHEN 'restricted' THEN 3 ELSE -1 END"
}

// reviewItemsSQL builds the INSERT … SELECT of one chunk. Its last three
// parameters are the chunk's grant IDs (lo, hi] and the id of the row
// before its first: rows take consecutive ids in grant order, given here
// rather than left to the engine, and item k of a campaign is row base+k.
// The snapshot is of the grants active at asOf, the campaign's start, up
// to grant maxID: a chunk read later, by a batch, still sees a grant
// revoked since (its revoked_at is after asOf) and not one made since.
func reviewItemsSQL(reviewID int64, c *access.Campaign, pairs []access.Pair, today, asOf string, maxID int64) (string, []any) {
	args := []any{reviewID, today, asOf, maxID}
	active := func(g string) string {
		return "(" + g + ".revoked_at = '' OR " + g + ".revoked_at > $3) AND " + g + ".id <= CAST($4 AS BIGINT)"
	}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	key := "g.resource || ':' || g.role"
	sod := "''"
	if len(pairs) > 0 {
		var cond []string
		for _, p := range pairs {
			a, b := arg(p.A), arg(p.B)
			cond = append(cond, "("+key+" = "+a+" AND o.resource || ':' || o.role = "+b+")",
				"("+key+" = "+b+" AND o.resource || ':' || o.role = "+a+")")
		}
		sod = `CASE WHEN EXISTS (SELECT 1 FROM grants o WHERE o.username = g.username AND ` + active("o") + ` AND o.id != g.id
			AND (` + strings.Join(cond, " OR ") + `)) THEN ',sod-conflict' ELSE '' END`
	}
	var scope string
	if c.ScopeResource != "" {
		scope += " AND g.resource = " + arg(c.ScopeResource)
	}
	if c.ScopeDepartment != "" {
		scope += " AND a.department = " + arg(c.ScopeDepartment)
	}
	n := len(args)
	lo, hi, before := "$"+strconv.Itoa(n+1), "$"+strconv.Itoa(n+2), "$"+strconv.Itoa(n+3)
	return `INSERT INTO review_items (id, review_id, grant_id, username, name, department, resource, role, classification,
		until, granted_at, reviewer, flags)
	SELECT ` + before + ` + row_number() OVER (ORDER BY g.id), $1, g.id, g.username, a.name, a.department, g.resource, g.role,
		r.classification, g.until, g.granted_at,
		coalesce(ro.owner, dm.manager, '` + access.ReviewerAdmins + `'),
		trim(
			CASE WHEN a.state != 'active' OR a.inactive_since != '' THEN ',inactive-account' ELSE '' END ||
			CASE WHEN g.until != '' AND g.until < $2 THEN ',expired' ELSE '' END ||
			CASE WHEN ` + rankSQL("a.clearance") + ` < ` + rankSQL("r.classification") + ` THEN ',clearance-mismatch' ELSE '' END ||
			` + sod + ` ||
			CASE WHEN (',' || r.privileged || ',') LIKE ('%,' || replace(g.role, '_', '\_') || ',%') ESCAPE '\' THEN ',privileged' ELSE '' END,
		',')
	FROM grants g JOIN accounts a ON a.username = g.username JOIN resources r ON r.name = g.resource
		-- The reviewer depends only on the resource and the department:
		-- worked out once per statement, not once per grant.
		LEFT JOIN (SELECT name, owner FROM resources WHERE owner IN (SELECT name FROM operators WHERE removed_at = '')) ro
			ON ro.name = g.resource
		LEFT JOIN (SELECT department, min(name) AS manager FROM operators WHERE removed_at = '' AND department != ''
			AND (',' || roles || ',') LIKE '%,manager,%' GROUP BY department) dm ON dm.department = a.department
	WHERE ` + active("g") + ` AND g.id > ` + lo + ` AND g.id <= ` + hi + scope + `
	ORDER BY g.id`, args
}

const campaignColumns = `name, state, due, scope_resource, scope_department, started_at, started_by, closed_at, closed_by, undecided`

func scanCampaign(r rowScanner) (*access.Campaign, error) {
	var c access.Campaign
	var started, closed string
	if err := r.Scan(&c.Name, &c.State, &c.Due, &c.ScopeResource, &c.ScopeDepartment, &started, &c.StartedBy, &closed, &c.ClosedBy, &c.Undecided); err != nil {
		return nil, err
	}
	c.StartedAt, c.ClosedAt = parseTime(started), parseTime(closed)
	return &c, nil
}

// GetReview returns a review campaign, or NotFound.
func (t *txn) GetReview(name string) (*access.Campaign, error) {
	t.Touch("review:" + name)
	c, err := scanCampaign(t.tx.QueryRowContext(t.ctx, `SELECT `+campaignColumns+` FROM reviews WHERE name = $1`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFoundf("no access review named %s", name).WithHint("run `custos access review list` for the reviews")
	}
	return c, err
}

// ReviewProgress counts a campaign's items.
type ReviewProgress struct {
	Items, Kept, Revoked, Undecided int64
}

// ListReviews streams campaigns with their progress, newest first, at
// most limit of them unless limit is 0. A campaign of another department
// than a manager's is left out by the statement, so that the limit counts
// only campaigns listed, and again by seeCampaign.
func (t *txn) ListReviews(limit int, fn func(*access.Campaign, ReviewProgress) error) error {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	q := `SELECT ` + campaignColumns + ` FROM reviews`
	if scope := t.scopeSQL("scope_department", arg); scope != "" {
		q += ` WHERE (scope_department = '' OR ` + scope + `)`
	}
	q += ` ORDER BY started_at DESC, name`
	if limit > 0 {
		q += ` LIMIT ` + arg(limit)
	}
	rows, err := t.tx.QueryContext(t.ctx, q, args...)
	if err != nil {
		return err
	}
	var cs []*access.Campaign
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			rows.Close()
			return err
		}
		cs = append(cs, c)
	}
	rows.Close()
	for _, c := range cs {
		if t.seeCampaign(c) != nil {
			continue // another department's campaign: not this manager's
		}
		p, err := t.reviewProgress(c.Name)
		if err != nil {
			return err
		}
		if err := fn(c, p); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (t *txn) reviewProgress(name string) (ReviewProgress, error) {
	var p ReviewProgress
	err := t.tx.QueryRowContext(t.ctx, `SELECT count(*), count(*) FILTER (WHERE i.decision = 'keep'), count(*) FILTER (WHERE i.decision = 'revoke'),
		count(*) FILTER (WHERE i.decision = '') FROM `+campaignItems, name).Scan(&p.Items, &p.Kept, &p.Revoked, &p.Undecided)
	return p, err
}

// ItemFilter selects review items. Zero fields do not filter.
type ItemFilter struct {
	Pending  bool
	Reviewer string
	Flag     string
	Item     int64
	// Unassigned selects items without a reviewer: none by construction
	// (access.Reviewer), so a non-empty answer means a damaged store.
	Unassigned bool
	// Sheet reads only what a review sheet shows (access review export):
	// GrantID, GrantedAt, DecidedBy, DecidedAt, ImportedBy and Overrides
	// are left empty. A third fewer columns is a fifth of an export's
	// time: modernc's SQLite takes its mutex three times per column.
	Sheet bool
}

// sheetColumns are the columns of a review sheet, scanned by scanSheetItem.
const sheetColumns = `i.id - r.base, i.username, i.name, i.department, i.resource, i.role, i.classification,
	i.until, i.reviewer, i.flags, i.decision, i.reason`

func scanSheetItem(r rowScanner, campaign string) (*access.Item, error) {
	it := access.Item{Campaign: campaign}
	var flags string
	if err := r.Scan(&it.Item, &it.Username, &it.Name, &it.Department, &it.Resource, &it.Role,
		&it.Classification, &it.Until, &it.Reviewer, &flags, &it.Decision, &it.Reason); err != nil {
		return nil, err
	}
	it.Flags = splitList(flags)
	return &it, nil
}

const itemColumns = `i.id - r.base, i.grant_id, i.username, i.name, i.department, i.resource, i.role, i.classification,
	i.until, i.granted_at, i.reviewer, i.flags, i.decision, i.reason, i.decided_by, i.decided_at, i.imported_by, i.overrides`

// campaignItems joins a campaign (r, named by $1) to its items (i): the
// id range base+1 … base+items, served by the primary key.
const campaignItems = `reviews r JOIN review_items i ON i.id > r.base AND i.id <= r.base + r.items AND i.review_id = r.id WHERE r.name = $1`

func scanItem(r rowScanner, campaign string) (*access.Item, error) {
	it := access.Item{Campaign: campaign}
	var granted, flags, decided string
	if err := r.Scan(&it.Item, &it.GrantID, &it.Username, &it.Name, &it.Department, &it.Resource, &it.Role,
		&it.Classification, &it.Until, &granted, &it.Reviewer, &flags, &it.Decision, &it.Reason, &it.DecidedBy, &decided, &it.ImportedBy, &it.Overrides); err != nil {
		return nil, err
	}
	it.GrantedAt, it.DecidedAt, it.Flags = parseTime(granted), parseTime(decided), splitList(flags)
	return &it, nil
}

// ReviewItems streams a campaign's items in item order, those within the
// operator's department scope only; a campaign of another department is
// refused (exit 4).
func (t *txn) ReviewItems(name string, f ItemFilter, fn func(*access.Item) error) error {
	c, err := t.GetReview(name)
	if err != nil {
		return err
	}
	if err := t.seeCampaign(c); err != nil {
		return err
	}
	if c.State == "starting" {
		// Its items are not all there yet.
		return errStarting(name)
	}
	return t.reviewItems(name, f, true, fn)
}

// reviewItems streams items, within the scope when scoped: deciding an item
// is checked by access.CheckDecision instead, so that a manager told no is
// told why rather than that the item does not exist.
func (t *txn) reviewItems(name string, f ItemFilter, scoped bool, fn func(*access.Item) error) error {
	q, args := t.reviewItemsQuery(name, f, scoped)
	rows, err := t.tx.QueryContext(t.ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	scan := scanItem
	if f.Sheet {
		scan = scanSheetItem
	}
	for rows.Next() {
		it, err := scan(rows, name)
		if err != nil {
			return err
		}
		if err := fn(it); err != nil {
			return err
		}
	}
	return rows.Err()
}

// campaignItemsByKey is campaignItems read in item order by the primary
// key: without the +, SQLite walks the review_id index and sorts every
// item of the campaign before the first one is out (a temporary B-tree
// of 1 M items, a third of an export's time).
const campaignItemsByKey = `reviews r JOIN review_items i ON i.id > r.base AND i.id <= r.base + r.items AND +i.review_id = r.id WHERE r.name = $1`

// reviewItemsQuery is the statement of reviewItems and its arguments.
func (t *txn) reviewItemsQuery(name string, f ItemFilter, scoped bool) (string, []any) {
	var where []string
	args := []any{name}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if scoped {
		// Only then: a parameter the statement does not use has no type
		// for PostgreSQL.
		if scope := t.itemScopeSQL(arg); scope != "" {
			where = append(where, scope)
		}
	}
	if f.Pending {
		where = append(where, "i.decision = ''")
	}
	if f.Reviewer != "" {
		where = append(where, "i.reviewer = "+arg(f.Reviewer))
	}
	if f.Unassigned {
		where = append(where, "i.reviewer = ''")
	}
	if f.Flag != "" {
		where = append(where, "(',' || i.flags || ',') LIKE "+arg("%,"+f.Flag+",%"))
	}
	if f.Item != 0 {
		where = append(where, "i.id = r.base + CAST("+arg(f.Item)+" AS BIGINT)")
	}
	// One reviewer's items come in item order from the reviewer index.
	from := campaignItemsByKey
	if f.Reviewer != "" {
		from = campaignItems
	}
	cols := itemColumns
	if f.Sheet {
		cols = sheetColumns
	}
	q := `SELECT ` + cols + ` FROM ` + from
	for _, w := range where {
		q += " AND " + w
	}
	return q + ` ORDER BY i.id`, args
}

func (t *txn) openReview(name string) (*access.Campaign, error) {
	c, err := t.GetReview(name)
	if err != nil {
		return nil, err
	}
	switch c.State {
	case "open":
		return c, nil
	case "starting":
		return nil, errStarting(name)
	case "closing":
		return nil, errs.Conflictf("the access review %s is being closed", name).
			WithHint("a close was interrupted or is running; custos access review close %s finishes it", name)
	case "importing":
		return nil, errImporting(name)
	}
	return nil, errs.Conflictf("the access review %s is closed", name)
}

func (t *txn) reviewItem(name string, item int64) (*access.Item, error) {
	var found *access.Item
	err := t.reviewItems(name, ItemFilter{Item: item}, false, func(it *access.Item) error { found = it; return nil })
	if err == nil && found == nil {
		return nil, errs.NotFoundf("the access review %s has no item %d", name, item)
	}
	return found, err
}

// Decision is one decision to record.
type Decision struct {
	Item     int64
	Decision string
	Reason   string
	// Row is the sheet row an imported decision comes from; it must
	// describe the item exactly (access.MatchRow). Nil for review decide.
	Row *access.SheetRow
	// Override lets an admin replace a decision someone else recorded.
	Override bool
}

// DecideResult says what DecideReview did.
type DecideResult struct {
	// Changed counts the decisions that changed an item.
	Changed int
	// Overrides maps an item to the decision its override replaced.
	Overrides map[int64]string
	// Changes lists, in sheet order, the decisions that changed (or, in a
	// dry run, would change) an item.
	Changes []Decision
	// Resumed: the run finished an import left "importing" (Changed items)
	// and imported nothing of its own.
	Resumed bool
}

// DecideReview records decisions by the effective operator, all or none:
// every decision is checked before any is written. When an admin records
// decisions on a reviewer's behalf (onBehalf), each counts as the item's
// reviewer's, and the admin is recorded as having imported it. With dryRun
// every decision is checked and nothing is written.
func (t *txn) DecideReview(name string, ds []Decision, onBehalf, dryRun bool) (DecideResult, error) {
	p, err := t.CheckDecisions(name, ds, onBehalf)
	if err != nil {
		return p.res(), err
	}
	if dryRun {
		return p.res(), nil
	}
	return t.ApplyDecisions(p)
}

// DecisionPlan is a checked set of decisions: the changes they make, each
// with what its item held when it was checked.
type DecisionPlan struct {
	name     string
	operator string
	roles    string
	dept     string
	changes  []planned
	// What a large import stages (review_import.go): the campaign's row,
	// its decision count when checked, each changed item's final values
	// in the order first changed, and, once staged, the plan's id.
	reviewID, decisions int64
	finals              []*final
	store               *sqlStore
	planID              int64
	// resume: the plan is an import left "importing", to finish.
	resume bool
	count  int64
}

type planned struct {
	d         Decision
	id        int64 // the item's primary key
	decider   string
	overrides string
	// What the item held when checked; the change applies only if it
	// still does.
	decision, decidedBy, decidedAt string
	// again: an earlier change of this plan wrote the item, at the
	// write's time (decidedAt is then unused).
	again bool
}

func (p *DecisionPlan) res() DecideResult {
	res := DecideResult{Overrides: map[int64]string{}}
	if p == nil {
		return res
	}
	res.Changed = len(p.changes)
	for _, c := range p.changes {
		res.Changes = append(res.Changes, c.d)
	}
	return res
}

// rawScan scans extra columns after those a scanner function reads.
type rawScan struct {
	r     rowScanner
	extra []any
}

func (s rawScan) Scan(dest ...any) error { return s.r.Scan(append(dest, s.extra...)...) }

// decisionItemsSQL reads a campaign's items $2 … $3 in one ordered walk
// of the primary key, with each item's key and raw decision time.
// (+i.review_id keeps SQLite from taking the review's items from an index
// on review_id and sorting them.)
const decisionItemsSQL = `SELECT ` + itemColumns + `, i.id, i.decided_at FROM reviews r JOIN review_items i
	ON i.id >= r.base + CAST($2 AS BIGINT) AND i.id <= r.base + CAST($3 AS BIGINT) AND i.id > r.base AND i.id <= r.base + r.items
	AND +i.review_id = r.id WHERE r.name = $1 ORDER BY i.id`

// applyDecisionSQL writes one decision by the item's primary key, only if
// the item still holds the decision, decider and time the check saw. An
// override keeps what it replaced; a later change by the same decider
// keeps that record; any other change starts afresh.
const applyDecisionSQL = `UPDATE review_items SET decision = $2, reason = $3, decided_by = $4, decided_at = $5,
		imported_by = $6, overrides = CASE WHEN $7 != '' THEN $7 WHEN decided_by = $4 THEN overrides ELSE '' END
		WHERE id = $1 AND decision = $8 AND decided_by = $9 AND decided_at = $10`

// bumpDecisionsSQL counts a recorded decision on campaign $1 (see
// ApplyClose), by the campaign's unique name.
const bumpDecisionsSQL = `UPDATE reviews SET decisions = decisions + 1 WHERE name = $1`

// CheckDecisions checks decisions as DecideReview does and writes nothing:
// it reads the items the decisions name in one ordered scan of the
// campaign, so it can run in a read transaction, and its plan is applied
// by ApplyDecisions in a write transaction.
func (t *txn) CheckDecisions(name string, ds []Decision, onBehalf bool) (*DecisionPlan, error) {
	p := &DecisionPlan{name: name, operator: t.op.Name, roles: fmt.Sprint(t.op.Roles), dept: t.op.Department, store: t.store}
	if _, err := t.openReview(name); err != nil {
		return p, err
	}
	if err := t.tx.QueryRowContext(t.ctx, `SELECT id, decisions FROM reviews WHERE name = $1`, name).Scan(&p.reviewID, &p.decisions); err != nil {
		return p, err
	}
	type seen struct {
		it *access.Item
		id int64
		// What the item holds when the changes before this row apply.
		decision, decidedBy, decidedAt string
		again                          bool
		final                          *final
	}
	items := make(map[int64]*seen, len(ds))
	lo, hi := int64(0), int64(0)
	for _, d := range ds {
		if _, ok := items[d.Item]; ok {
			continue
		}
		items[d.Item] = nil
		if lo == 0 || d.Item < lo {
			lo = d.Item
		}
		if d.Item > hi {
			hi = d.Item
		}
	}
	read := func(stmt *sql.Stmt, lo, hi int64) error {
		rows, err := stmt.QueryContext(t.ctx, name, lo, hi)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var s seen
			it, err := scanItem(rawScan{rows, []any{&s.id, &s.decidedAt}}, name)
			if err != nil {
				return err
			}
			if _, want := items[it.Item]; want {
				s.it, s.decision, s.decidedBy = it, it.Decision, it.DecidedBy
				s.final = &final{id: s.id, decision: it.Decision, reason: it.Reason, decidedBy: it.DecidedBy,
					importedBy: it.ImportedBy, overrides: it.Overrides}
				items[it.Item] = &s
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return rows.Close()
	}
	if lo = max(lo, 1); len(items) > 0 && hi >= lo {
		stmt, err := t.tx.PrepareContext(t.ctx, decisionItemsSQL)
		if err != nil {
			return p, err
		}
		defer stmt.Close()
		if hi-lo < 4*int64(len(items)) {
			// A dense sheet (a whole campaign's): one walk of its range.
			err = read(stmt, lo, hi)
		} else {
			// A sparse one (a reviewer's share of a large campaign): one
			// seek per item.
			for item := range items {
				if item >= 1 {
					if err = read(stmt, item, item); err != nil {
						break
					}
				}
			}
		}
		if err != nil {
			return p, err
		}
	}
	for _, d := range ds {
		if d.Row != nil {
			// A row of another campaign is refused before its item
			// number is even looked up: it names no item here.
			if err := access.MatchCampaign(name, *d.Row); err != nil {
				return p, err
			}
		}
		s := items[d.Item]
		if s == nil {
			return p, errs.NotFoundf("the access review %s has no item %d", name, d.Item)
		}
		it := s.it
		if d.Row != nil {
			if err := access.MatchRow(it, *d.Row); err != nil {
				return p, err
			}
		}
		decider := t.op.Name
		if onBehalf && t.op.Name != it.Reviewer && it.Reviewer != "" && it.Reviewer != access.ReviewerAdmins {
			decider = it.Reviewer
		}
		check, err := access.CheckDecision(it, t.op, decider, d.Decision, d.Override)
		if err != nil {
			return p, err
		}
		if check.Changed {
			p.changes = append(p.changes, planned{d: d, id: s.id, decider: decider, overrides: check.Overrides,
				decision: s.decision, decidedBy: s.decidedBy, decidedAt: s.decidedAt, again: s.again})
			// Every row is checked against the item as the campaign holds
			// it; a later change to the same item expects what this one
			// writes.
			s.decision, s.decidedBy, s.again = d.Decision, decider, true
			p.finals = s.final.apply(p.finals, d, decider, check.Overrides, t.op.Name)
		}
	}
	return p, nil
}

// ApplyDecisions writes a checked plan, all or none: each change by the
// item's primary key, only if the item still holds what the check saw.
// If any item changed since, or the campaign closed, or the operator's
// roles changed, nothing is written (exit 5) and a re-run checks afresh.
func (t *txn) ApplyDecisions(p *DecisionPlan) (DecideResult, error) {
	res := p.res()
	res.Changed = 0
	if p.resume || p.planID != 0 {
		if t.op.Name != p.operator || fmt.Sprint(t.op.Roles) != p.roles || t.op.Department != p.dept {
			return res, errs.Conflictf("operator %s changed while the decisions for %s were checked; nothing was imported", t.op.Name, p.name).
				WithHint("run the command again")
		}
		// A large import, staged (review_import.go).
		return t.applyStaged(p, res)
	}
	if _, err := t.openReview(p.name); err != nil {
		return res, err
	}
	if t.op.Name != p.operator || fmt.Sprint(t.op.Roles) != p.roles || t.op.Department != p.dept {
		return res, errs.Conflictf("operator %s changed while the decisions for %s were checked; nothing was imported", t.op.Name, p.name).
			WithHint("run the command again")
	}
	if len(p.changes) == 0 {
		return res, nil
	}
	// A close prepared before these decisions then refuses to record.
	if _, err := t.tx.ExecContext(t.ctx, bumpDecisionsSQL, p.name); err != nil {
		return res, err
	}
	if n := t.store.d.insertBatch(); n > 1 {
		// An engine reached over the network writes many changes a
		// statement: one round trip each would hold the lock for long.
		if err := t.applyDecisionBatches(p, n); err != nil {
			return res, err
		}
		for _, c := range p.changes {
			if c.overrides != "" {
				res.Overrides[c.d.Item] = c.overrides
			}
		}
		res.Changed = len(p.changes)
		return res, nil
	}
	stmt, err := t.tx.PrepareContext(t.ctx, applyDecisionSQL)
	if err != nil {
		return res, err
	}
	defer stmt.Close()
	now := formatTime(t.now)
	for _, c := range p.changes {
		imported := ""
		if c.decider != t.op.Name {
			imported = t.op.Name
		}
		decidedAt := c.decidedAt
		if c.again {
			decidedAt = now
		}
		r, err := stmt.ExecContext(t.ctx, c.id, c.d.Decision, c.d.Reason, c.decider, now, imported, c.overrides,
			c.decision, c.decidedBy, decidedAt)
		if err != nil {
			return res, err
		}
		if n, err := r.RowsAffected(); err != nil {
			return res, err
		} else if n != 1 {
			return res, errs.Conflictf("item %d of %s changed while the sheet was checked; nothing was imported", c.d.Item, p.name).
				WithHint("run the command again: it checks the sheet afresh")
		}
		if c.overrides != "" {
			res.Overrides[c.d.Item] = c.overrides
		}
	}
	res.Changed = len(p.changes)
	return res, nil
}

// applyDecisionBatches writes a plan's changes n a statement, each batch
// of distinct items, each change guarded as applyDecisionSQL's is.
func (t *txn) applyDecisionBatches(p *DecisionPlan, n int) error {
	now := formatTime(t.now)
	stmts := map[int]*sql.Stmt{}
	defer func() {
		for _, st := range stmts {
			st.Close()
		}
	}()
	apply := func(batch []planned) error {
		st := stmts[len(batch)]
		if st == nil {
			var b strings.Builder
			b.WriteString(`UPDATE review_items SET decision = v.decision, reason = v.reason, decided_by = v.decider, decided_at = $1,
		imported_by = v.imported, overrides = CASE WHEN v.overrides != '' THEN v.overrides WHEN review_items.decided_by = v.decider THEN review_items.overrides ELSE '' END
		FROM (VALUES `)
			for i := range batch {
				if i > 0 {
					b.WriteString(", ")
				}
				k := 2 + i*9
				fmt.Fprintf(&b, "(CAST($%d AS BIGINT), $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)", k, k+1, k+2, k+3, k+4, k+5, k+6, k+7, k+8)
			}
			b.WriteString(`) AS v(id, decision, reason, decider, imported, overrides, odecision, odecider, odecided_at)
		WHERE review_items.id = v.id AND review_items.decision = v.odecision AND review_items.decided_by = v.odecider
		AND review_items.decided_at = v.odecided_at`)
			var err error
			if st, err = t.tx.PrepareContext(t.ctx, b.String()); err != nil {
				return err
			}
			stmts[len(batch)] = st
		}
		args := make([]any, 0, 1+9*len(batch))
		args = append(args, now)
		for _, c := range batch {
			imported, decidedAt := "", c.decidedAt
			if c.decider != t.op.Name {
				imported = t.op.Name
			}
			if c.again {
				decidedAt = now
			}
			args = append(args, c.id, c.d.Decision, c.d.Reason, c.decider, imported, c.overrides, c.decision, c.decidedBy, decidedAt)
		}
		r, err := st.ExecContext(t.ctx, args...)
		if err != nil {
			return err
		}
		if got, err := r.RowsAffected(); err != nil {
			return err
		} else if got != int64(len(batch)) {
			return errs.Conflictf("%d of items %d…%d of %s changed while the sheet was checked; nothing was imported",
				int64(len(batch))-got, batch[0].d.Item, batch[len(batch)-1].d.Item, p.name).
				WithHint("run the command again: it checks the sheet afresh")
		}
		return nil
	}
	batch := make([]planned, 0, n)
	in := map[int64]bool{}
	for _, c := range p.changes {
		// A second change to one item goes in the next batch, after
		// the first is written.
		if len(batch) == n || in[c.id] {
			if err := apply(batch); err != nil {
				return err
			}
			batch, in = batch[:0], map[int64]bool{}
		}
		batch = append(batch, c)
		in[c.id] = true
	}
	if len(batch) > 0 {
		return apply(batch)
	}
	return nil
}
