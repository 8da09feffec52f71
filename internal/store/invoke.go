package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/audit"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/operator"
)

// Invocation describes one run of a command, for its audit entry.
type Invocation struct {
	// Command is the command path without "custos", e.g. "operator add".
	Command string
	// Args is the argument vector with secrets already redacted.
	Args []string
	// OSUser is the real operator's login name: the OS user of the
	// process on SQLite, the session's role on PostgreSQL.
	OSUser string
	// As is the operator named by --as, or "".
	As   string
	Host string
	PID  int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (inv *Invocation) now() time.Time {
	if inv.Now != nil {
		return inv.Now().UTC()
	}
	return time.Now().UTC()
}

// effectiveName is the operator the invocation acts as.
func (inv *Invocation) effectiveName() string {
	if inv.As != "" {
		return inv.As
	}
	return inv.OSUser
}

// Spec says how the pipeline runs a command.
type Spec struct {
	// Write runs the command in a write transaction (holding the write lock) whose
	// commit includes the audit entry. A read runs in a read transaction and
	// its entry is appended right after.
	Write bool
	// Roles admitted to the command; empty admits every registered operator.
	Roles []operator.Role
	// Bootstrap runs without a registered operator; only `custos init`.
	Bootstrap bool
	// DryRun (with Write) runs the operation in a write transaction and
	// rolls it back: every rule is checked as it would be for real, nothing
	// changes, and the audit entry is appended on its own afterwards.
	DryRun bool
	// Targets are the objects the command is about ("operator:alice"),
	// recorded even when it is refused before its operation runs, so an
	// object's history shows the attempts on it too.
	Targets []string
	// Prepare, with Write and not DryRun, runs first in a read transaction
	// with the operators resolved and the permission checked, holding no
	// write lock: for the checks of a bulk command, whose write then only
	// applies what they found. Its failure is the invocation's, recorded
	// as any other.
	Prepare func(Tx) error
	// Stage, with Prepare, runs after it, outside any transaction and
	// before the audited one: for a bulk command that writes what it
	// found in batches of its own (a large review import's staged rows),
	// which its audited transaction then checks and adopts.
	Stage func(ctx context.Context) error
}

// Tx is one invocation's transaction. Domain operations are methods on it;
// each names the objects it touches with Touch, for the audit entry.
type txn struct {
	ctx context.Context
	tx  *sql.Tx
	now time.Time
	inv *Invocation
	// real and op are the real and effective operators; nil only during a
	// bootstrap before the first operator exists.
	real, op *operator.Operator
	objects  []string
	// then is the work that continues the invocation after its
	// transaction commits (see after).
	then *continuation
	// dryRun: the transaction is rolled back (Spec.DryRun); work it would
	// leave to batches is done in it instead.
	dryRun bool
	// states are the net state change of each account changed so far,
	// and stateOrder the accounts in the order of their first change;
	// their objects state:USERNAME:FROM:TO (stateObjects) join the entry
	// only when the transaction commits: a failure or a dry run changed
	// nothing, and its entry must not say otherwise.
	states     map[string]account.StateChange
	stateOrder []string
	store      *sqlStore
}

// continuation is bulk work an invocation leaves to batches of their own
// once its audited transaction has committed and recorded it: its entry
// names what the work changes, and a state in the store (a ledger) lets
// the next run finish it if this one is killed.
type continuation struct {
	// objects are what a failure of the batches is recorded against: the
	// committed entry already names everything the work changes.
	objects []string
	run     func(ctx context.Context) error
}

// after leaves run to be done once the invocation's transaction commits;
// a failure of it is recorded, in an entry of its own, against objects.
// It is not run in a dry run, whose transaction is rolled back.
func (t *txn) after(objects []string, run func(ctx context.Context) error) {
	t.then = &continuation{objects: objects, run: run}
}

// stateObjects are the objects of the state changes made, in order; an
// account changed and changed back has none.
func (t *txn) stateObjects() []string {
	var out []string
	for _, u := range t.stateOrder {
		if c := t.states[u]; c.From != c.To {
			out = append(out, c.Object())
		}
	}
	return out
}

// Context is the invocation's context.
func (t *txn) Context() context.Context { return t.ctx }

// Now is the invocation's time, fixed at its start.
func (t *txn) Now() time.Time { return t.now }

// Operator is the effective operator.
func (t *txn) Operator() *operator.Operator { return t.op }

// RealOperator is the operator logged in at the OS.
func (t *txn) RealOperator() *operator.Operator { return t.real }

// Invocation is the invocation being run.
func (t *txn) Invocation() *Invocation { return t.inv }

// Touch records objects ("operator:alice") for the audit entry.
func (t *txn) Touch(objects ...string) {
	for _, o := range objects {
		if !contains(t.objects, o) {
			t.objects = append(t.objects, o)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Invoke runs one command through the pipeline: begin the transaction,
// resolve the real and effective operators, check the permission, run fn,
// append the audit entry, commit. On any failure the transaction rolls back
// and the failure's entry is appended in a short transaction of its own.
// The returned error is marked as recorded.
func (s *sqlStore) Invoke(ctx context.Context, inv *Invocation, spec Spec, fn func(Tx) error) error {
	return s.invoke(ctx, inv, spec, func(t *txn) error { return fn(t) })
}

// invoke is Invoke for the store's own services, which work on the
// transaction's connection directly.
func (s *sqlStore) invoke(ctx context.Context, inv *Invocation, spec Spec, fn func(*txn) error) error {
	t := &txn{ctx: ctx, inv: inv, now: inv.now(), store: s}
	t.Touch(spec.Targets...)
	var err error
	switch {
	case spec.Write && s.readOnly:
		err = s.errReadOnly(inv.Command)
	case spec.Write:
		if spec.Prepare != nil && !spec.DryRun {
			err = s.view(ctx, inv, spec, func(t *txn) error { return spec.Prepare(t) })
			if err == nil && spec.Stage != nil {
				err = spec.Stage(ctx)
			}
		}
		if err == nil {
			err = s.runWrite(t, spec, fn)
		}
		if err == nil && !spec.DryRun && t.then != nil {
			t.objects = t.then.objects
			err = t.then.run(ctx)
		}
	default:
		err = s.runRead(t, spec, fn)
	}
	if err != nil {
		err = translate(err)
		// Once the context is cancelled, database/sql rolls the transaction
		// back and closes its statements by itself, so the operation may
		// fail with "statement is closed" or "transaction has already been
		// committed or rolled back" instead of the cancellation.
		if ctx.Err() != nil && errs.CodeOf(err) == errs.Internal {
			err = errs.Wrap(errs.Interrupted, ctx.Err(), "interrupted")
		}
		if s.RecordFailure(ctx, inv, err, t.objects) {
			return errs.MarkRecorded(err)
		}
		return err
	}
	return nil
}

func (s *sqlStore) runWrite(t *txn, spec Spec, fn func(*txn) error) error {
	tx, err := s.beginWrite(t.ctx, s.opts.BusyTimeout)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// A dry run's transaction is rolled back: the spool is drained by the
	// one that appends its entry.
	var drain *spoolDrain
	if !spec.DryRun {
		if drain, err = s.drainSpool(t.ctx, tx); err != nil {
			return err
		}
	}
	committed := false
	defer func() { drain.finish(committed) }()
	t.tx, t.dryRun = tx, spec.DryRun
	if err := t.authorize(spec); err != nil {
		return err
	}
	if err := fn(t); err != nil {
		return err
	}
	if spec.DryRun {
		if err := tx.Rollback(); err != nil {
			return err
		}
		return s.appendAlone(t)
	}
	// The state changes join the entry now that it commits with them.
	objects := append(slices.Clip(t.objects), t.stateObjects()...)
	if err := t.appendEntryOf(tx, nil, objects); err != nil {
		return err
	}
	err = tx.Commit()
	committed = err == nil
	return err
}

// appendAlone appends t's audit entry in a short write transaction of its
// own, after a read or a dry run.
func (s *sqlStore) appendAlone(t *txn) error {
	wtx, err := s.beginWrite(t.ctx, s.opts.BusyTimeout)
	if err != nil {
		return err
	}
	defer wtx.Rollback()
	drain, err := s.drainSpool(t.ctx, wtx)
	if err != nil {
		return err
	}
	committed := false
	defer func() { drain.finish(committed) }()
	if err := t.appendEntry(wtx, nil); err != nil {
		return err
	}
	err = wtx.Commit()
	committed = err == nil
	return err
}

func (s *sqlStore) runRead(t *txn, spec Spec, fn func(*txn) error) error {
	tx, err := s.db.BeginTx(t.ctx, s.d.readOptions())
	if err != nil {
		return err
	}
	t.tx = tx
	err = t.authorize(spec)
	if err == nil {
		err = fn(t)
	}
	if err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if s.readOnly {
		// Nothing can be written; the CLI says the entry is missing.
		return nil
	}
	// The read is done; its entry is appended in a short write transaction
	// so a long listing never holds the write lock.
	return s.appendAlone(t)
}

// authorize resolves the operators and checks the permission.
func (t *txn) authorize(spec Spec) error {
	real, err := t.lookupOperator(t.inv.OSUser)
	if err != nil && !(spec.Bootstrap && errs.CodeOf(err) == errs.NotFound) {
		if errs.CodeOf(err) == errs.NotFound {
			who := "OS user"
			if t.store.user != "" {
				who = "database role"
			}
			return errs.Deniedf("%s %s is not a custos operator", who, t.inv.OSUser).
				WithHint("an admin must run: custos operator add %s --role ROLE", t.inv.OSUser)
		}
		return err
	}
	t.real, t.op = real, real
	if t.inv.As != "" && t.inv.As != t.inv.OSUser {
		if real == nil || !real.Has(operator.Admin) {
			return errs.Deniedf("only an admin may act as another operator with --as")
		}
		as, err := t.lookupOperator(t.inv.As)
		if err != nil {
			if errs.CodeOf(err) == errs.NotFound {
				return errs.NotFoundf("--as %s: no such operator", t.inv.As)
			}
			return err
		}
		t.op = as
	}
	if spec.Bootstrap {
		return nil
	}
	return operator.Require(t.op, t.inv.Command, spec.Roles...)
}

// appendEntry seals and inserts the invocation's entry; failure is nil for
// success.
func (t *txn) appendEntry(tx *sql.Tx, failure error) error {
	return t.appendEntryOf(tx, failure, t.objects)
}

// appendEntryOf is appendEntry naming objects.
func (t *txn) appendEntryOf(tx *sql.Tx, failure error, objects []string) error {
	e := t.entryOf(failure, objects)
	if len(objects) < bulkObjects {
		return insertEntry(t.ctx, tx, e, objects)
	}
	// A bulk command's entry names many objects (a review close every
	// account and grant it revokes): their index rows are inserted by one
	// statement from the entry's own list, in index order, rather than a
	// statement each (220,000 objects on SQLite: 0.89 s → 0.24 s).
	if err := insertEntry(t.ctx, tx, e, nil); err != nil {
		return err
	}
	_, err := tx.ExecContext(t.ctx, `INSERT INTO audit_objects (object, seq) SELECT value, CAST($2 AS BIGINT) FROM `+t.store.d.jsonList("$1")+
		` ORDER BY value`, e.Objects, e.Seq)
	return err
}

// bulkObjects is the number of objects from which an entry's index rows
// are inserted by one statement.
const bulkObjects = 64

// entry is the invocation's entry, not yet sealed, timed now, naming
// the objects touched.
func (t *txn) entry(failure error) *audit.Entry { return t.entryOf(failure, t.objects) }

// entryOf is entry naming objects.
func (t *txn) entryOf(failure error, objects []string) *audit.Entry {
	e := &audit.Entry{
		At:           audit.FormatTime(time.Now()),
		RealOperator: t.inv.OSUser,
		Operator:     t.inv.effectiveName(),
		Host:         t.inv.Host,
		PID:          int64(t.inv.PID),
		Command:      t.inv.Command,
		Args:         audit.EncodeList(t.inv.Args),
		Outcome:      errs.Outcome(failure),
		ExitCode:     int64(errs.ExitCode(failure)),
		Objects:      audit.EncodeList(objects),
	}
	if failure != nil {
		e.Error = firstLine(failure.Error())
	}
	return e
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

const insertAuditSQL = `INSERT INTO audit_log (seq, at, real_operator, operator, host, pid, command, args, outcome, exit_code, error, objects, prev_hash, hash)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`

// insertEntry appends e after the current head, inside tx, which holds the
// write lock, so no other process can append in between.
func insertEntry(ctx context.Context, tx *sql.Tx, e *audit.Entry, objects []string) error {
	var prevSeq int64
	prevHash := audit.GenesisHash
	err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&prevSeq, &prevHash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	e.Seal(prevSeq, prevHash)
	if _, err := tx.ExecContext(ctx, insertAuditSQL, e.Seq, e.At, e.RealOperator, e.Operator, e.Host, e.PID,
		e.Command, e.Args, e.Outcome, e.ExitCode, e.Error, e.Objects, e.PrevHash, e.Hash); err != nil {
		return err
	}
	for _, o := range objects {
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_objects (object, seq) VALUES ($1, $2)`, o, e.Seq); err != nil {
			return err
		}
	}
	return appendTree(ctx, tx, e)
}

// failureBusyTimeout bounds the wait to record a failure: if the store is
// still locked after this, the failure is reported but cannot be recorded.
const failureBusyTimeout = 2 * time.Second

// RecordFailure appends the audit entry of a failed invocation in its own
// transaction. It is used by Invoke and by the CLI for invocations refused
// before they reached the pipeline (bad flags or arguments). It reports
// whether the entry was written.
func (s *sqlStore) RecordFailure(ctx context.Context, inv *Invocation, failure error, objects []string) bool {
	// An interrupted command (Ctrl-C cancels ctx) is still recorded.
	ctx = context.WithoutCancel(ctx)
	if s.readOnly {
		return false
	}
	timeout := min(s.opts.BusyTimeout, failureBusyTimeout)
	if errs.CodeOf(failure) == errs.Busy {
		timeout = 0
	}
	if timeout <= 0 {
		timeout = time.Millisecond
	}
	t := &txn{ctx: ctx, inv: inv, objects: objects, store: s}
	tx, err := s.beginWrite(ctx, timeout)
	if s.d.isBusy(err) {
		// Still locked: the entry waits in the spool for the next command
		// that gets the lock.
		if err := s.spool(t.entry(failure), objects); err != nil {
			return false
		}
		s.notice(fmt.Sprintf("notice: the store is locked; this failure is kept in %s and will be added to the audit log by the next command that gets the lock", s.spoolPath()))
		return true
	}
	if err != nil {
		return false
	}
	defer tx.Rollback()
	drain, err := s.drainSpool(ctx, tx)
	if err != nil {
		return false
	}
	committed := false
	defer func() { drain.finish(committed) }()
	if err := t.appendEntry(tx, failure); err != nil {
		return false
	}
	committed = tx.Commit() == nil
	return committed
}

// beginWrite begins a write transaction holding the store's write lock,
// waiting up to timeout for another writer (see the dialect's beginWrite).
func (s *sqlStore) beginWrite(ctx context.Context, timeout time.Duration) (*sql.Tx, error) {
	return s.d.beginWrite(ctx, s.db, s.opts.BusyTimeout, timeout)
}

// Authorize checks, in a read transaction and without an audit entry, that
// the invocation's operator may run a command of spec. Long commands that
// prepare work outside a transaction (a purge writes its archive first)
// check before they start; their one entry is written when they commit,
// and a refusal here is recorded by the caller like any failure.
func (s *sqlStore) Authorize(ctx context.Context, inv *Invocation, spec Spec) error {
	return s.view(ctx, inv, spec, func(*txn) error { return nil })
}

// View runs fn in a read transaction with the operators resolved and the
// permission checked, without an audit entry: for the preparatory reads of
// an invocation whose entry another call writes.
func (s *sqlStore) View(ctx context.Context, inv *Invocation, spec Spec, fn func(Tx) error) error {
	return s.view(ctx, inv, spec, func(t *txn) error { return fn(t) })
}

// view is View for the store's own services.
func (s *sqlStore) view(ctx context.Context, inv *Invocation, spec Spec, fn func(*txn) error) error {
	tx, err := s.db.BeginTx(ctx, s.d.readOptions())
	if err != nil {
		return translate(err)
	}
	defer tx.Rollback()
	t := &txn{ctx: ctx, tx: tx, inv: inv, now: inv.now(), store: s}
	if err := t.authorize(spec); err != nil {
		return err
	}
	return translate(fn(t))
}
