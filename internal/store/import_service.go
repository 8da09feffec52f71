package store

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/operator"
	"github.com/custos-dev/custos/internal/records"
)

// A records import runs in three steps, so that no other command waits
// long behind it while it stays all or nothing:
//
//  1. its rows are read and validated, with no lock held, into a staging
//     file (a bad row refuses the import before anything is recorded);
//  2. the import is recorded in the invocation's one audited transaction,
//     which reserves the ids of all its records;
//  3. the records are loaded from the staging file in batches of their
//     own, each holding the write lock for about batchTarget.
//
// A killed import stays "loading" with its staging file: the next import
// from any operator (of the same file or not) finishes it first, and an
// import of the same rows is then that one, not a second copy. Meanwhile
// the records already loaded are in the catalogue like any other.

// Import is one records import.
type Import struct {
	ID      int64
	Source  string
	SHA256  string
	FirstID int64
	Count   int64
	Loaded  int64
	State   string
	// Operator and StartedAt are who recorded it, and when: its records'
	// added_by and added_at.
	Operator  string
	StartedAt time.Time

	// restaged is, for an import staged by an earlier version in its gob
	// format, the SHA-256 its rows have in this version's format, so that
	// the same rows imported again after it is finished are recognised.
	restaged string
}

// ImportRequest is one run of `records import`.
type ImportRequest struct {
	// Source names what is imported, for the log and the import's row.
	Source string
	// Rows produces the records, validated, in a read transaction (a
	// directory import asks what is registered already); an error refuses
	// the import and nothing is recorded.
	Rows func(tx Tx, add func(*records.Record) error) error
	// Progress, if set, hears how far the loading is.
	Progress func(done, total int64)
	// Notice, if set, hears of the interrupted imports this run finishes.
	Notice func(format string, args ...any)
}

// ImportResult is what an import run did.
type ImportResult struct {
	// Imported is how many records this import added (or, when it was
	// the rows of an interrupted import, how many that one added).
	Imported int64
	// Finished are the interrupted imports this run finished first.
	Finished []*Import
	// Resumed: the rows were those of an interrupted import, which this
	// run finished instead of importing them again.
	Resumed bool
	// Recorded: the invocation's entry is in the log, even if loading
	// failed afterwards (the next import finishes it).
	Recorded bool
}

// importSpan is the number of records in a loading batch at first; it
// adapts to batchTarget as the purge's deletion batches do.
const importSpan = 2000

// RunImport is `records import`: see the steps above. With spec.DryRun
// (and Write) it stages and checks the rows and records the import in a
// transaction that is rolled back, finishes no interrupted import and
// loads nothing; Imported is then what would be imported.
func (s *sqlStore) RunImport(ctx context.Context, inv *Invocation, spec Spec, req ImportRequest) (*ImportResult, error) {
	if s.readOnly {
		return nil, s.errReadOnly(inv.Command)
	}
	if err := s.Authorize(ctx, inv, spec); err != nil {
		return nil, err
	}
	notice := func(format string, args ...any) {
		if req.Notice != nil {
			req.Notice(format, args...)
		}
	}
	res := &ImportResult{}
	var unfinished []*Import
	if err := s.view(ctx, inv, spec, func(tx *txn) (err error) {
		unfinished, err = tx.unfinishedImports()
		return err
	}); err != nil {
		return nil, err
	}
	for _, imp := range unfinished {
		if spec.DryRun {
			// A dry run finishes nothing: it says what the real run would
			// finish first.
			notice("Would finish import %d of %s first, interrupted after loading %d of %d records.", imp.ID, imp.Source, imp.Loaded, imp.Count)
			res.Finished = append(res.Finished, imp)
			continue
		}
		notice("Finishing import %d of %s, interrupted after loading %d of %d records.", imp.ID, imp.Source, imp.Loaded, imp.Count)
		if err := s.loadImport(ctx, imp, req.Progress); err != nil {
			return nil, err
		}
		res.Finished = append(res.Finished, imp)
	}

	// 1: stage.
	st, err := s.stageImport(ctx, inv, spec, req)
	if err != nil {
		return nil, err
	}
	defer st.discard()
	var again *Import
	for _, imp := range res.Finished {
		if imp.SHA256 == st.sha || imp.restaged == st.sha {
			again = imp
		}
	}

	// 2: record, in the invocation's audited transaction.
	spec.Write = true
	for _, imp := range res.Finished {
		spec.Targets = append(spec.Targets, "import:"+strconv.FormatInt(imp.ID, 10))
	}
	var imp *Import
	err = s.invoke(ctx, inv, spec, func(tx *txn) error {
		if again != nil || st.count == 0 {
			return nil
		}
		var err error
		imp, err = tx.recordImport(req.Source, st.sha, st.count)
		return err
	})
	if err != nil {
		return nil, err
	}
	res.Recorded = true
	if spec.DryRun {
		// Staged and checked, the import recorded and rolled back:
		// nothing is loaded.
		res.Imported = st.count
		if again != nil {
			res.Resumed, res.Imported = true, again.Count
		}
		return res, nil
	}
	if again != nil {
		res.Resumed, res.Imported = true, again.Count
		return res, nil
	}
	if imp == nil {
		return res, nil
	}

	// 3: load, from the staging file kept under the import's name.
	if err := st.keep(s.stagePath(st.sha)); err != nil {
		return res, err
	}
	if err := s.loadImport(ctx, imp, req.Progress); err != nil {
		return res, err
	}
	res.Imported = imp.Count
	return res, nil
}

// stagePath is where the staged rows of an import wait until it is
// loaded: beside the spool, named by their SHA-256.
func (s *sqlStore) stagePath(sum string) string {
	return strings.TrimSuffix(s.spoolPath(), ".spool") + ".import-" + sum[:16]
}

// staging is a staging file being written or kept.
type staging struct {
	f     *os.File
	path  string
	sha   string
	count int64
	kept  bool
}

// stageImport runs req.Rows in a read transaction and writes the records
// to a new staging file (see import_stage.go), hashing them.
func (s *sqlStore) stageImport(ctx context.Context, inv *Invocation, spec Spec, req ImportRequest) (*staging, error) {
	dir := filepath.Dir(s.stagePath(strings.Repeat("0", 16)))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, errs.Wrap(errs.Internal, err, "cannot stage the import: %v", err)
	}
	f, err := os.CreateTemp(dir, filepath.Base(s.stagePath(strings.Repeat("0", 16)))+"-*.tmp")
	if err != nil {
		return nil, errs.Wrap(errs.Internal, err, "cannot stage the import: %v", err)
	}
	st := &staging{f: f, path: f.Name()}
	h := sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(f, h), 1<<20)
	_, err = bw.WriteString(stageMagic)
	var buf []byte
	if err == nil {
		err = s.view(ctx, inv, spec, func(tx *txn) error {
			return req.Rows(tx, func(r *records.Record) error {
				st.count++
				buf = appendStaged(buf[:0], r)
				_, err := bw.Write(buf)
				return err
			})
		})
	}
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		st.discard()
		return nil, err
	}
	st.sha = hex.EncodeToString(h.Sum(nil))
	return st, nil
}

// keep gives the staging file its final name, for a later run to finish
// the import from.
func (st *staging) keep(path string) error {
	if err := os.Rename(st.path, path); err != nil {
		return errs.Wrap(errs.Internal, err, "cannot keep the staged import: %v", err)
	}
	st.path, st.kept = path, true
	return nil
}

func (st *staging) discard() {
	st.f.Close()
	if !st.kept {
		os.Remove(st.path)
	}
}

// recordImport records an import of count records and reserves their ids.
func (t *txn) recordImport(source, sum string, count int64) (*Import, error) {
	id, err := t.nextID("imports")
	if err != nil {
		return nil, err
	}
	var last int64
	if err := t.tx.QueryRowContext(t.ctx, `SELECT value FROM counters WHERE name = 'records'`).Scan(&last); err != nil {
		return nil, err
	}
	if _, err := t.tx.ExecContext(t.ctx, `UPDATE counters SET value = $1 WHERE name = 'records'`, last+count); err != nil {
		return nil, err
	}
	imp := &Import{ID: id, Source: source, SHA256: sum, FirstID: last + 1, Count: count, State: "loading", Operator: t.op.Name, StartedAt: t.now}
	if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO imports (id, source, sha256, first_id, count, state, operator, started_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, imp.ID, imp.Source, imp.SHA256, imp.FirstID, imp.Count, imp.State, imp.Operator, formatTime(imp.StartedAt)); err != nil {
		return nil, err
	}
	t.Touch("import:" + strconv.FormatInt(id, 10))
	return imp, nil
}

// unfinishedImports are the imports still loading, oldest first.
func (t *txn) unfinishedImports() ([]*Import, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT id, source, sha256, first_id, count, loaded, state, operator, started_at
		FROM imports WHERE state = 'loading' ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Import
	for rows.Next() {
		var imp Import
		var started string
		if err := rows.Scan(&imp.ID, &imp.Source, &imp.SHA256, &imp.FirstID, &imp.Count, &imp.Loaded, &imp.State, &imp.Operator, &started); err != nil {
			return nil, err
		}
		imp.StartedAt = parseTime(started)
		out = append(out, &imp)
	}
	return out, rows.Err()
}

// loadImport loads the records of imp not loaded yet from its staging
// file, in batches, and marks it done. Each batch commits whole with the
// import's count of loaded records, so a kill at any point leaves a state
// the next run continues from.
func (s *sqlStore) loadImport(ctx context.Context, imp *Import, progress func(done, total int64)) error {
	path := s.stagePath(imp.SHA256)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return errs.New(errs.Busy, "import %d of %s was interrupted after %d of %d records, and its staged rows (%s) are not on this host", imp.ID, imp.Source, imp.Loaded, imp.Count, path).
			WithHint("run any records import on the host that ran import %d to finish it", imp.ID)
	}
	if err != nil {
		return errs.Wrap(errs.Internal, err, "cannot read the staged import: %v", err)
	}
	defer f.Close()
	damaged := func(err error) error {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return errs.Wrap(errs.Integrity, err, "the staged rows of import %d (%s) are damaged: %v", imp.ID, path, err)
	}
	sr, legacy, err := newStageReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return damaged(err)
	}
	// Rows staged by an earlier version are hashed again in this
	// version's format as they are read, for RunImport to recognise them.
	var rehash hash.Hash
	var buf []byte
	if legacy {
		rehash = sha256.New()
		rehash.Write([]byte(stageMagic))
	}
	read := int64(0)
	next := func() (*records.Record, error) {
		r, err := sr.next()
		if err != nil {
			return nil, damaged(err)
		}
		read++
		if rehash != nil {
			buf = appendStaged(buf[:0], r)
			rehash.Write(buf)
			if read == imp.Count {
				imp.restaged = hex.EncodeToString(rehash.Sum(nil))
			}
		}
		return r, nil
	}
	for i := int64(0); i < imp.Loaded; i++ {
		if _, err := next(); err != nil {
			return err
		}
	}
	if err := s.BulkCache(ctx); err != nil {
		return err
	}
	batch := make([]*records.Record, 0, importSpan)
	interrupted := func() error {
		return errs.Wrap(errs.Interrupted, ctx.Err(), "interrupted after loading %d of %d records of import %d; run the import again to finish it", imp.Loaded, imp.Count, imp.ID)
	}
	load := func(ctx context.Context, span int64) (bool, error) {
		batch = batch[:0]
		for n := min(span, imp.Count-imp.Loaded); int64(len(batch)) < n; {
			r, err := next()
			if err != nil {
				return false, err
			}
			r.ID = imp.FirstID + imp.Loaded + int64(len(batch))
			batch = append(batch, r)
		}
		if err := s.loadImportBatch(ctx, imp, batch); err != nil {
			return false, err
		}
		if progress != nil {
			progress(imp.Loaded, imp.Count)
		}
		return imp.Loaded < imp.Count, nil
	}
	if imp.Loaded < imp.Count {
		if err := batchLoop(ctx, importSpan, minDeleteSpan, importSpan*64, interrupted, load); err != nil {
			return err
		}
	}
	err = s.finishImport(context.WithoutCancel(ctx), imp)
	if err == nil {
		os.Remove(path)
	}
	return err
}

// loadImportBatch inserts one batch of an import's records (their ids
// reserved when it was recorded) and counts them loaded, in one write
// transaction.
func (s *sqlStore) loadImportBatch(ctx context.Context, imp *Import, batch []*records.Record) error {
	tx, err := s.beginWrite(ctx, s.opts.BusyTimeout)
	if err != nil {
		return translate(err)
	}
	defer tx.Rollback()
	t := &txn{ctx: ctx, tx: tx, now: imp.StartedAt, store: s, op: &operator.Operator{Name: imp.Operator}}
	var loaded int64
	if err := tx.QueryRowContext(ctx, `SELECT loaded FROM imports WHERE id = $1`, imp.ID).Scan(&loaded); err != nil {
		return translate(err)
	}
	if loaded != imp.Loaded {
		// Another run finished this batch meanwhile: start again from
		// what it left.
		return errs.New(errs.Conflict, "import %d is being loaded by another custos process", imp.ID).
			WithHint("wait for it to finish; run the import again if it was interrupted")
	}
	ins, err := t.NewRecordInserter()
	if err != nil {
		return translate(err)
	}
	for _, r := range batch {
		if err := ins.Add(r, true); err != nil {
			return translate(err)
		}
	}
	if _, err := ins.Close(); err != nil {
		return translate(err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE imports SET loaded = $2 WHERE id = $1`, imp.ID, imp.Loaded+int64(len(batch))); err != nil {
		return translate(err)
	}
	if err := tx.Commit(); err != nil {
		return translate(err)
	}
	imp.Loaded += int64(len(batch))
	return nil
}

// finishImport marks a loaded import done.
func (s *sqlStore) finishImport(ctx context.Context, imp *Import) error {
	tx, err := s.beginWrite(ctx, s.opts.BusyTimeout)
	if err != nil {
		return translate(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE imports SET state = 'done', finished_at = $2 WHERE id = $1`, imp.ID, formatTime(time.Now())); err != nil {
		return translate(err)
	}
	imp.State = "done"
	return translate(tx.Commit())
}
