package store

import (
	"cmp"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/audit"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/report"
	"github.com/custos-dev/custos/internal/request"
)

// ReportFacts reads what the compliance report of period p counts, as of
// the audit log's head when it starts: every traced sequence number is at
// most that head. It verifies the chain too, since the report states
// whether the log it counts is intact: in full from entry 1, or, given
// since (a signed checkpoint whose signature the caller checked), only
// what was appended after it (VerifySince: the stored tree still has the
// signed root at the signed size, and the entries after it chain on and
// give the stored tree's root now).
func (t *txn) ReportFacts(p report.Period, rs *ReportSince) (*report.Facts, error) {
	head, err := t.AuditHead()
	if err != nil {
		return nil, err
	}
	f := &report.Facts{Head: report.Head{Seq: head.Seq, Hash: head.Hash}, Now: t.now}
	steps := []func(*report.Facts, report.Period) error{
		t.reportEntries, t.reportAccounts, t.reportReviews, t.reportSchedules,
		t.reportPurges, t.reportHolds, t.reportLookups, t.reportIncidents, t.reportTraining, t.reportPeople, t.reportCheckpoints,
		t.reportDrift, t.reportExpired,
	}
	for _, step := range steps {
		if err := step(f, p); err != nil {
			return nil, err
		}
	}
	if rs != nil {
		since := rs.Checkpoint
		cp := &report.Checkpoint{Origin: since.Origin, Size: since.Size, Witnesses: since.Witnesses}
		if cp.Witnesses == nil {
			cp.Witnesses = []string{}
		}
		if rs.Stored != nil {
			cp.Stored, cp.At = true, rs.Stored.MadeAt
			for _, c := range f.Checkpoints {
				if c.Size == cp.Size {
					cp.Seq = c.Seq
					break
				}
			}
		}
		_, err := t.VerifySince(since.Size, since.Root)
		switch {
		case err == nil:
			f.Verify = report.Verification{OK: true, Entries: head.Seq - since.Size, Since: cp}
		case errs.CodeOf(err) == errs.Integrity:
			f.Verify = report.Verification{Error: firstLine(err.Error()), Since: cp}
		default:
			return nil, err
		}
		return f, nil
	}
	v, err := t.VerifyAudit(nil, 0, nil)
	switch {
	case err == nil:
		f.Verify = report.Verification{OK: true, Entries: head.Seq}
	case errs.CodeOf(err) == errs.Integrity:
		last := int64(0)
		if v != nil {
			last, _ = v.Head()
		}
		f.Verify = report.Verification{Entries: last, Error: firstLine(err.Error())}
	default:
		return nil, err
	}
	return f, nil
}

// ReportSince is the signed checkpoint a report verifies the log from.
type ReportSince struct {
	// Checkpoint is the note, its signature checked by the caller.
	Checkpoint *audit.SignedCheckpoint
	// Stored is the kept note it was read from (audit checkpoint keeps
	// each), or nil for a note the auditor gave as a file.
	Stored *StoredCheckpoint
}

// ReportEntries reads the entries with the given sequence numbers, for
// the report's list of traced entries.
func (t *txn) ReportEntries(seqs []int64) ([]report.Entry, error) {
	out := make([]report.Entry, 0, len(seqs))
	for len(seqs) > 0 {
		batch := seqs[:min(len(seqs), 500)]
		seqs = seqs[len(batch):]
		args := make([]any, len(batch))
		marks := make([]string, len(batch))
		for i, s := range batch {
			args[i], marks[i] = s, fmt.Sprintf("$%d", i+1)
		}
		rows, err := t.tx.QueryContext(t.ctx, `SELECT seq, at, operator, command, args, objects, hash FROM audit_log WHERE seq IN (`+strings.Join(marks, ", ")+`) ORDER BY seq`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			e, err := scanReportEntry(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func scanReportEntry(r rowScanner) (report.Entry, error) {
	var e report.Entry
	var at, args, objects string
	if err := r.Scan(&e.Seq, &at, &e.Operator, &e.Command, &args, &objects, &e.Hash); err != nil {
		return e, err
	}
	e.At, e.Args, e.Objects = parseTime(at), audit.DecodeList(args), audit.DecodeList(objects)
	return e, nil
}

func (t *txn) reportEntries(f *report.Facts, p report.Period) error {
	// The period's times bound seq (as in AuditLog), so each command's
	// part is one range of the (command, seq) index: at enterprise size a
	// quarter holds millions of entries, of which the counted commands are
	// a fraction. Each entry is counted as it is read, not held.
	f.Counts = report.NewCounts(p)
	b, ok, err := t.auditBounds(AuditFilter{Since: p.From, Until: p.To})
	if err != nil || !ok {
		return err
	}
	hi := f.Head.Seq
	if b.hi > 0 {
		hi = min(hi, b.hi)
	}
	for _, c := range report.Counted {
		// The outcome is checked here, not in SQL: given outcome = 'ok',
		// SQLite walks the (outcome, seq) index over every successful
		// entry of the log (nearly all of them) instead of this command's.
		rows, err := t.tx.QueryContext(t.ctx, `SELECT seq, at, command, args, objects, outcome FROM audit_log
			WHERE command = $1 AND seq >= $2 AND seq <= $3 AND at >= $4 AND at < $5 ORDER BY seq`,
			c, b.lo, hi, formatTime(p.From), formatTime(p.To))
		if err != nil {
			return err
		}
		for rows.Next() {
			var e report.Entry
			var at, args, objects, outcome string
			if err := rows.Scan(&e.Seq, &at, &e.Command, &args, &objects, &outcome); err != nil {
				rows.Close()
				return err
			}
			if outcome != "ok" {
				continue
			}
			e.At, e.Args, e.Objects = parseTime(at), flagNames(audit.DecodeList(args)), audit.DecodeList(objects)
			f.Counts.Add(e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// flagNames keeps the names of the flags in args (--reason, not its
// value): all the report reads of them, at a fraction of the memory.
func flagNames(args []string) []string {
	var out []string
	for _, a := range args {
		if strings.HasPrefix(a, "--") {
			name, _, _ := strings.Cut(a, "=")
			out = append(out, name)
		}
	}
	return out
}

// objectSeqs maps each object whose name starts with prefix to the
// successful entries up to head that touched it, reads (show, list,
// export) left out, in order.
func (t *txn) objectSeqs(prefix string, head int64) (map[string][]int64, error) {
	ent, err := t.objectEntries(prefix, head)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]int64, len(ent))
	for name, es := range ent {
		for _, e := range es {
			out[name] = append(out[name], e.seq)
		}
	}
	return out, nil
}

// isRead says whether a command only reads what it touches.
func isRead(command string) bool {
	for _, verb := range []string{" show", " list", " export", " log"} {
		if strings.HasSuffix(command, verb) {
			return true
		}
	}
	return false
}

// accountChanges are the commands that change an account's state, whose
// last entry is what the report traces an account's state to.
var accountChanges = []string{"account request", "account approve", "account reject", "account activate",
	"account freeze", "account revoke", "account expire", "incident open", "incident close"}

// lastChangeSQL traces an account to the entry that
// last changed it when the log has no state change of it: one short
// backward walk of the (object, seq) index per such account.
const lastChangeSQL = `SELECT o.seq FROM audit_objects o JOIN audit_log l ON l.seq = o.seq
	WHERE o.object = $1 AND o.seq <= $2 AND l.outcome = 'ok' AND l.command IN (%s)
	ORDER BY o.seq DESC LIMIT 1`

// stateChangesSQL reads every recorded state change up to the head, in
// the order of the object index: one range of it, each account's changes
// together (a username holds no colon, so "state:USER:" is a range of
// its own).
const stateChangesSQL = `SELECT object, seq FROM audit_objects WHERE object >= $1 AND object < $2 AND seq <= $3 ORDER BY object, seq`

// pointSeqSQL is the last entry before an instant: one step of the
// index on at.
const pointSeqSQL = `SELECT seq FROM audit_log WHERE at < $1 ORDER BY at DESC LIMIT 1`

func (t *txn) reportAccounts(f *report.Facts, p report.Period) error {
	sl, last, err := t.reportStates(f, p)
	if err != nil {
		return err
	}
	f.States = sl
	rows, err := t.tx.QueryContext(t.ctx, `SELECT username, type, state, until FROM accounts ORDER BY username`)
	if err != nil {
		return err
	}
	var untraced []int
	for rows.Next() {
		var a report.Account
		if err := rows.Scan(&a.Username, &a.Type, &a.State, &a.Until); err != nil {
			rows.Close()
			return err
		}
		if seq, ok := last[a.Username]; ok {
			a.Seq = seq
		} else {
			untraced = append(untraced, len(f.Accounts))
		}
		f.Accounts = append(f.Accounts, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(untraced) == 0 {
		return err
	}
	// Accounts not changed since before state changes were recorded:
	// the last successful entry of a command that changes accounts.
	args := []any{"", f.Head.Seq}
	marks := make([]string, len(accountChanges))
	for i, c := range accountChanges {
		args = append(args, c)
		marks[i] = fmt.Sprintf("$%d", len(args))
	}
	if len(untraced) > len(f.Accounts)/2 {
		// Most accounts predate the record (a store upgraded from a
		// version without it): one statement walks them all, rather
		// than a round trip through database/sql per account (about a
		// second per 100,000).
		return t.traceAllAccounts(f, args[1:], marks)
	}
	stmt, err := t.tx.PrepareContext(t.ctx, fmt.Sprintf(lastChangeSQL, strings.Join(marks, ", ")))
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, i := range untraced {
		args[0] = "account:" + f.Accounts[i].Username
		err := stmt.QueryRowContext(t.ctx, args...).Scan(&f.Accounts[i].Seq)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	return nil
}

// traceAllAccountsSQL is lastChangeSQL for every account, in username
// order; %s is the list of commands.
const traceAllAccountsSQL = `SELECT a.username, (SELECT o.seq FROM audit_objects o JOIN audit_log l ON l.seq = o.seq
	WHERE o.object = 'account:' || a.username AND o.seq <= $1 AND l.outcome = 'ok' AND l.command IN (%s)
	ORDER BY o.seq DESC LIMIT 1) FROM accounts a ORDER BY a.username`

// traceAllAccounts traces each account of f.Accounts (in username order)
// that has no recorded state change to its last changing entry, in one
// statement; args are the head and the commands, marks their parameters.
func (t *txn) traceAllAccounts(f *report.Facts, args []any, marks []string) error {
	for i := range marks {
		marks[i] = fmt.Sprintf("$%d", i+2)
	}
	rows, err := t.tx.QueryContext(t.ctx, fmt.Sprintf(traceAllAccountsSQL, strings.Join(marks, ", ")), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for i := 0; rows.Next(); i++ {
		var user string
		var seq sql.NullInt64
		if err := rows.Scan(&user, &seq); err != nil {
			return err
		}
		// The same snapshot, the same order: row i is account i.
		if i >= len(f.Accounts) || f.Accounts[i].Username != user {
			return fmt.Errorf("accounts changed between two reads of one transaction")
		}
		if f.Accounts[i].Seq == 0 {
			f.Accounts[i].Seq = seq.Int64
		}
	}
	return rows.Err()
}

// reportStates reads the recorded account state changes (objects
// state:USER:FROM:TO) the chart of states over period p needs, and the
// last change of each account. The log records them from the entry kept
// by migration 0019 on.
func (t *txn) reportStates(f *report.Facts, p report.Period) (*report.StateLog, map[string]int64, error) {
	sl := &report.StateLog{Points: report.StatePoints(p, f.Now)}
	err := t.tx.QueryRowContext(t.ctx, `SELECT first_seq FROM audit_recorded_since WHERE what = 'account-states'`).Scan(&sl.FirstSeq)
	if err != nil {
		return nil, nil, err
	}
	if sl.FirstSeq <= f.Head.Seq {
		var at string
		if err := t.tx.QueryRowContext(t.ctx, `SELECT at FROM audit_log WHERE seq = $1`, sl.FirstSeq).Scan(&at); err != nil {
			return nil, nil, err
		}
		sl.FirstAt = parseTime(at)
	}
	for _, pt := range sl.Points {
		var seq int64
		err := t.tx.QueryRowContext(t.ctx, pointSeqSQL, audit.FormatTime(pt)).Scan(&seq)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, nil, err
		}
		sl.PointSeqs = append(sl.PointSeqs, min(seq, f.Head.Seq))
	}
	first, lastPoint := sl.PointSeqs[0], sl.PointSeqs[len(sl.PointSeqs)-1]
	prefix := account.StateObjectPrefix("")
	rows, err := t.tx.QueryContext(t.ctx, stateChangesSQL, prefix, prefix[:len(prefix)-1]+";", f.Head.Seq)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	sl.Changes = map[string][]report.StateChange{}
	last := map[string]int64{}
	var user string
	var changes []report.StateChange
	// keep holds what tells an account's state at the points: the last
	// change up to the first point, every one up to the last point, and
	// the first one after it.
	keep := func() {
		if len(changes) == 0 {
			return
		}
		slices.SortFunc(changes, func(a, b report.StateChange) int { return cmp.Compare(a.Seq, b.Seq) })
		last[user] = changes[len(changes)-1].Seq
		var kept []report.StateChange
		for i, c := range changes {
			switch {
			case c.Seq <= first && i+1 < len(changes) && changes[i+1].Seq <= first:
			case c.Seq > lastPoint && i > 0 && changes[i-1].Seq > lastPoint:
			default:
				kept = append(kept, c)
			}
		}
		sl.Changes[user] = kept
		changes = changes[:0]
	}
	for rows.Next() {
		var obj string
		var seq int64
		if err := rows.Scan(&obj, &seq); err != nil {
			return nil, nil, err
		}
		c, ok := account.ParseStateChange(obj)
		if !ok {
			continue
		}
		if c.Username != user {
			keep()
			user = c.Username
		}
		changes = append(changes, report.StateChange{Username: c.Username, From: string(c.From), To: string(c.To), Seq: seq})
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	keep()
	return sl, last, nil
}

func (t *txn) reportReviews(f *report.Facts, p report.Period) error {
	seqs, err := t.objectSeqs("review", f.Head.Seq)
	if err != nil {
		return err
	}
	rows, err := t.tx.QueryContext(t.ctx, `SELECT r.name, r.state, r.due, r.started_at, r.closed_at,
		count(i.id), count(*) FILTER (WHERE i.decision = 'keep'), count(*) FILTER (WHERE i.decision = 'revoke'),
		count(*) FILTER (WHERE i.flags LIKE '%sod-conflict%'),
		count(*) FILTER (WHERE i.flags LIKE '%sod-conflict%' AND i.decision != 'revoke'),
		count(*) FILTER (WHERE i.flags LIKE '%clearance-mismatch%'),
		count(*) FILTER (WHERE i.flags LIKE '%clearance-mismatch%' AND i.decision != 'revoke')
		FROM reviews r LEFT JOIN review_items i ON i.id > r.base AND i.id <= r.base + r.items AND i.review_id = r.id
		WHERE r.started_at < $1 AND (r.closed_at = '' OR r.closed_at >= $2)
		GROUP BY r.id, r.name, r.state, r.due, r.started_at, r.closed_at ORDER BY r.started_at, r.name`,
		formatTime(p.To), formatTime(p.From))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r report.Review
		var started, closed string
		if err := rows.Scan(&r.Name, &r.State, &r.Due, &started, &closed, &r.Items, &r.Kept, &r.Revoked,
			&r.SoD, &r.SoDKept, &r.Clearance, &r.ClearanceKept); err != nil {
			return err
		}
		r.StartedAt, r.ClosedAt, r.Seqs = parseTime(started), parseTime(closed), seqs[r.Name]
		f.Reviews = append(f.Reviews, r)
	}
	return rows.Err()
}

func (t *txn) reportSchedules(f *report.Facts, _ report.Period) error {
	seqs, err := t.objectSeqs("retention", f.Head.Seq)
	if err != nil {
		return err
	}
	rows, err := t.tx.QueryContext(t.ctx, `SELECT class, retain, locked_at FROM retention ORDER BY class`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var s report.Schedule
		var locked string
		if err := rows.Scan(&s.Class, &s.Retain, &locked); err != nil {
			return err
		}
		s.Locked, s.Seqs = locked != "", seqs[s.Class]
		f.Schedules = append(f.Schedules, s)
	}
	return rows.Err()
}

func (t *txn) reportPurges(f *report.Facts, p report.Period) error {
	seqs, err := t.objectSeqs("purge", f.Head.Seq)
	if err != nil {
		return err
	}
	reqs, err := t.objectSeqs("request", f.Head.Seq)
	if err != nil {
		return err
	}
	rows, err := t.tx.QueryContext(t.ctx, `SELECT id, state, started_at, finished_at, scope_class, count, deleted, archive_sha256, request_id
		FROM purges WHERE started_at < $1 AND (finished_at = '' OR finished_at >= $2) ORDER BY id`, formatTime(p.To), formatTime(p.From))
	if err != nil {
		return err
	}
	var ps []report.Purge
	for rows.Next() {
		var x report.Purge
		var started, finished string
		if err := rows.Scan(&x.ID, &x.State, &started, &finished, &x.Class, &x.Count, &x.Deleted, &x.ArchiveSHA256, &x.RequestID); err != nil {
			rows.Close()
			return err
		}
		x.StartedAt, x.FinishedAt = parseTime(started), parseTime(finished)
		x.Seqs = append(seqs[fmt.Sprint(x.ID)], reqs[x.RequestID]...)
		ps = append(ps, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range ps {
		if ps[i].RequestID == "" {
			continue
		}
		if ps[i].Approvers, err = t.approvers(ps[i].RequestID); err != nil {
			return err
		}
	}
	f.Purges = ps
	return nil
}

// approvers are the operators who gave a request's stages, in order, each
// with the stage it gave.
func (t *txn) approvers(id string) ([]string, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT operator, stage FROM request_approvals WHERE request_id = $1 ORDER BY at, stage`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var op, stage string
		if err := rows.Scan(&op, &stage); err != nil {
			return nil, err
		}
		out = append(out, op+" ("+stage+")")
	}
	return out, rows.Err()
}

func (t *txn) reportHolds(f *report.Facts, p report.Period) error {
	seqs, err := t.objectSeqs("hold", f.Head.Seq)
	if err != nil {
		return err
	}
	rows, err := t.tx.QueryContext(t.ctx, `SELECT name, kind, created_at, released_at FROM holds
		WHERE created_at < $1 AND (released_at = '' OR released_at >= $2) ORDER BY created_at, name`, formatTime(p.To), formatTime(p.From))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var h report.Hold
		var created, released string
		if err := rows.Scan(&h.Name, &h.Kind, &created, &released); err != nil {
			return err
		}
		h.CreatedAt, h.ReleasedAt, h.Seqs = parseTime(created), parseTime(released), seqs[h.Name]
		f.Holds = append(f.Holds, h)
	}
	return rows.Err()
}

func (t *txn) reportLookups(f *report.Facts, p report.Period) error {
	seqs, err := t.objectSeqs("request", f.Head.Seq)
	if err != nil {
		return err
	}
	rows, err := t.tx.QueryContext(t.ctx, `SELECT id, created_at, state, payload FROM requests
		WHERE kind = $1 AND created_at >= $2 AND created_at < $3 ORDER BY created_at, id`, request.KindLookup, formatTime(p.From), formatTime(p.To))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var l report.Lookup
		var created, payload string
		if err := rows.Scan(&l.ID, &created, &l.State, &payload); err != nil {
			return err
		}
		lk, _ := request.ParseLookup(payload)
		l.CreatedAt, l.External, l.Seqs = parseTime(created), lk.External, seqs[l.ID]
		f.Lookups = append(f.Lookups, l)
	}
	return rows.Err()
}

// reportPeople reads the transfers and leaves whose date falls in the
// period (or, for a transfer, that were carried out in it), each traced
// to the entries that touched its account.
func (t *txn) reportPeople(f *report.Facts, p report.Period) error {
	from, to := p.From.Format(account.DateFormat), p.To.Format(account.DateFormat)
	rows, err := t.tx.QueryContext(t.ctx, `SELECT username, kind, on_date, state, done_at FROM account_schedule
		WHERE (on_date >= $1 AND on_date < $2) OR (done_at >= $3 AND done_at < $4) ORDER BY id`, from, to, formatTime(p.From), formatTime(p.To))
	if err != nil {
		return err
	}
	var out []report.ScheduledChange
	for rows.Next() {
		var c report.ScheduledChange
		var on, done string
		if err := rows.Scan(&c.Username, &c.Kind, &on, &c.State, &done); err != nil {
			rows.Close()
			return err
		}
		c.OnDate, _ = time.Parse(account.DateFormat, on)
		c.DoneAt = parseTime(done)
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range out {
		q, err := t.tx.QueryContext(t.ctx, `SELECT o.seq FROM audit_objects o JOIN audit_log l ON l.seq = o.seq
			WHERE o.object = $1 AND o.seq <= $2 AND l.outcome = 'ok' AND l.command IN ('account leave', 'account transfer', 'account expire', 'request approve')
			ORDER BY o.seq`, "account:"+out[i].Username, f.Head.Seq)
		if err != nil {
			return err
		}
		for q.Next() {
			var seq int64
			if err := q.Scan(&seq); err != nil {
				q.Close()
				return err
			}
			out[i].Seqs = append(out[i].Seqs, seq)
		}
		q.Close()
		if err := q.Err(); err != nil {
			return err
		}
	}
	f.People = out
	return nil
}

// reportCheckpoints lists the signed checkpoints the log records, newest
// first: each audit checkpoint signed with a key names the tree size it
// signed as the object audit:SIZE. Their witnesses' cosignatures are
// added to the note outside custos, so the store does not know them.
func (t *txn) reportCheckpoints(f *report.Facts, _ report.Period) error {
	// From the (command, seq) index, the outcome checked here: with
	// outcome = 'ok' in the query SQLite walks every successful entry.
	rows, err := t.tx.QueryContext(t.ctx, `SELECT o.object, l.seq, l.at, l.outcome FROM audit_log l JOIN audit_objects o ON o.seq = l.seq
		WHERE l.command = 'audit checkpoint' AND l.seq <= $1 AND o.object >= 'audit:' AND o.object < 'audit;'
		ORDER BY l.seq DESC`, f.Head.Seq)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() && len(f.Checkpoints) < 20 {
		var c report.Checkpoint
		var obj, at, outcome string
		if err := rows.Scan(&obj, &c.Seq, &at, &outcome); err != nil {
			return err
		}
		if outcome != "ok" {
			continue
		}
		fmt.Sscanf(strings.TrimPrefix(obj, "audit:"), "%d", &c.Size)
		c.At = parseTime(at)
		f.Checkpoints = append(f.Checkpoints, c)
	}
	return rows.Err()
}

// reportTraining is the training register's coverage and pass rate per
// department as of the report (training.Report), traced to the entries
// that registered courses and recorded results. With no course
// registered it reports nothing, and the report says so.
func (t *txn) reportTraining(f *report.Facts, _ report.Period) error {
	courses, err := t.Courses()
	if err != nil || len(courses) == 0 {
		return err
	}
	depts, _, err := t.TrainingReport("")
	if err != nil {
		return err
	}
	bySeq, err := t.objectSeqs("course", f.Head.Seq)
	if err != nil {
		return err
	}
	var seqs []int64
	for _, s := range bySeq {
		seqs = append(seqs, s...)
	}
	slices.Sort(seqs)
	f.Training = []report.TrainingDept{}
	for _, d := range depts {
		f.Training = append(f.Training, report.TrainingDept{Department: d.Department, Staff: int64(d.People),
			Trained: int64(d.Covered), Passed: int64(d.Passed), Seqs: slices.Compact(seqs)})
	}
	return nil
}

func (t *txn) reportIncidents(f *report.Facts, p report.Period) error {
	prev := p.YearBefore()
	rows, err := t.tx.QueryContext(t.ctx, `SELECT i.id, i.type, i.severity, i.state, i.detected_at, i.deadline, i.closed_at,
		(SELECT min(n.at) FROM incident_notifications n WHERE n.incident_id = i.id),
		(SELECT count(*) FROM incident_notifications n WHERE n.incident_id = i.id),
		(SELECT count(*) FROM incident_accounts a WHERE a.incident_id = i.id AND a.frozen = 1),
		(SELECT count(*) FROM incident_accounts a WHERE a.incident_id = i.id AND a.restored_at != '')
		FROM incidents i
		WHERE (i.detected_at >= $1 AND i.detected_at < $2) OR (i.detected_at >= $3 AND i.detected_at < $4) OR i.state != 'closed'
		ORDER BY i.detected_at, i.id`, formatTime(p.From), formatTime(p.To), formatTime(prev.From), formatTime(prev.To))
	if err != nil {
		return err
	}
	var ins []report.Incident
	for rows.Next() {
		var in report.Incident
		var detected, deadline, closed string
		var reported sql.NullString
		if err := rows.Scan(&in.ID, &in.Type, &in.Severity, &in.State, &detected, &deadline, &closed, &reported,
			&in.Notifications, &in.Frozen, &in.Restored); err != nil {
			rows.Close()
			return err
		}
		in.DetectedAt, in.Deadline, in.ClosedAt, in.ReportedAt = parseTime(detected), parseTime(deadline), parseTime(closed), parseTime(reported.String)
		ins = append(ins, in)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(ins) == 0 {
		return nil
	}
	ent, err := t.objectEntries("incident", f.Head.Seq)
	if err != nil {
		return err
	}
	for i := range ins {
		for _, e := range ent[ins[i].ID] {
			ins[i].Seqs = append(ins[i].Seqs, e.seq)
			switch e.command {
			case "incident open":
				ins[i].OpenSeq = e.seq
			case "incident notify":
				ins[i].NotifySeqs = append(ins[i].NotifySeqs, e.seq)
			case "incident close":
				ins[i].CloseSeq = e.seq
			}
		}
	}
	f.Incidents = ins
	return nil
}

type objectEntry struct {
	seq     int64
	command string
}

// objectEntries maps each object whose name starts with prefix to the
// successful entries up to head that touched it, with their commands,
// reads (show, list, export) left out, in order.
func (t *txn) objectEntries(prefix string, head int64) (map[string][]objectEntry, error) {
	// ';' follows ':' in every collation custos runs on (C on
	// PostgreSQL, binary on SQLite): the range is the prefix.
	rows, err := t.tx.QueryContext(t.ctx, `SELECT o.object, o.seq, l.command FROM audit_objects o JOIN audit_log l ON l.seq = o.seq
		WHERE o.object >= $1 AND o.object < $2 AND o.seq <= $3 AND l.outcome = 'ok' ORDER BY o.object, o.seq`,
		prefix+":", prefix+";", head)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]objectEntry{}
	for rows.Next() {
		var obj string
		var e objectEntry
		if err := rows.Scan(&obj, &e.seq, &e.command); err != nil {
			return nil, err
		}
		if isRead(e.command) {
			continue
		}
		name := strings.TrimPrefix(obj, prefix+":")
		out[name] = append(out[name], e)
	}
	return out, rows.Err()
}

// reportDrift reads the findings of the last directory reconciliation
// from its audit entry: account reconcile --directory records each as
// the object drift:KIND:USERNAME (exit 5 included, which it records as
// a conflict). With none in the log, Drift stays nil.
func (t *txn) reportDrift(f *report.Facts, _ report.Period) error {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT seq, at, args, objects FROM audit_log
		WHERE command = 'account reconcile' AND seq <= $1 AND outcome IN ('ok', 'conflict') ORDER BY seq DESC`, f.Head.Seq)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		var at, args, objects string
		if err := rows.Scan(&seq, &at, &args, &objects); err != nil {
			return err
		}
		if !slices.Contains(flagNames(audit.DecodeList(args)), "--directory") {
			continue // an HR reconciliation
		}
		d := &report.Drift{At: parseTime(at), Seq: seq, Kinds: map[string]int64{}}
		for _, o := range audit.DecodeList(objects) {
			if rest, ok := strings.CutPrefix(o, "drift:"); ok {
				kind, _, _ := strings.Cut(rest, ":")
				d.Kinds[kind]++
			}
		}
		f.Drift = d
		return nil
	}
	return rows.Err()
}

// reportExpired reads the grants whose last day fell in the period and
// that were not revoked before it ended, each traced to the entry that
// last set that day: a grant:ID entry (an approved request, a changed
// last day) or else the access grant that gave it.
func (t *txn) reportExpired(f *report.Facts, p report.Period) error {
	from, to := p.From.Format(account.DateFormat), p.To.Format(account.DateFormat)
	rows, err := t.tx.QueryContext(t.ctx, `SELECT g.id, g.until, g.revoked_at,
		COALESCE((SELECT max(o.seq) FROM audit_objects o WHERE o.object = 'grant:' || g.id AND o.seq <= $3),
			(SELECT max(l.seq) FROM audit_objects o JOIN audit_log l ON l.seq = o.seq
			 WHERE o.object = 'account:' || g.username AND o.seq <= $3 AND l.command = 'access grant' AND l.at = g.granted_at), 0)
		FROM grants g WHERE g.until != '' AND g.until >= $1 AND g.until < $2 ORDER BY g.id`, from, to, f.Head.Seq)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var g report.ExpiredGrant
		var revoked string
		if err := rows.Scan(&g.ID, &g.Until, &revoked, &g.Seq); err != nil {
			return err
		}
		last, err := time.Parse(account.DateFormat, g.Until)
		if err != nil {
			continue
		}
		if revoked != "" && parseTime(revoked).Before(last.AddDate(0, 0, 1)) {
			continue // revoked while still in force: counted as a revocation
		}
		f.Expired = append(f.Expired, g)
	}
	return rows.Err()
}
