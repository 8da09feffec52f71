package store

import (
	"bytes"
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/custos-dev/custos/internal/audit"
	"github.com/custos-dev/custos/internal/errs"
)

// The audit log's Merkle tree (see internal/audit/tree.go) is stored in
// audit_tree, one row per complete subtree. Appending entry n adds its
// leaf and the subtrees it completes (two rows on average), in the
// transaction that appends the entry.

// treeQueryer is what the tree is read through: a transaction or a
// read-only connection pool.
type treeQueryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// treeReadChunk bounds the nodes one query reads.
const treeReadChunk = 64

// nodeReader reads stored nodes through q.
func nodeReader(ctx context.Context, q treeQueryer) audit.NodeReader {
	return func(ids []audit.NodeID) ([][]byte, error) {
		out := make([][]byte, len(ids))
		for lo := 0; lo < len(ids); lo += treeReadChunk {
			chunk := ids[lo:min(lo+treeReadChunk, len(ids))]
			var where []string
			var args []any
			for _, id := range chunk {
				where = append(where, "(level = $"+strconv.Itoa(len(args)+1)+" AND idx = $"+strconv.Itoa(len(args)+2)+")")
				args = append(args, int64(id.Level), int64(id.Index))
			}
			rows, err := q.QueryContext(ctx, `SELECT level, idx, hash FROM audit_tree WHERE `+strings.Join(where, " OR "), args...)
			if err != nil {
				return nil, err
			}
			got := map[audit.NodeID][]byte{}
			for rows.Next() {
				var level, idx int64
				var h []byte
				if err := rows.Scan(&level, &idx, &h); err != nil {
					rows.Close()
					return nil, err
				}
				got[audit.NodeID{Level: uint(level), Index: uint64(idx)}] = h
			}
			if err := rows.Close(); err != nil {
				return nil, err
			}
			for i, id := range chunk {
				h, ok := got[id]
				if !ok {
					return nil, errs.Integrityf("the audit log's Merkle tree has no node at level %d, index %d (rows deleted?)", id.Level, id.Index)
				}
				if len(h) != 32 {
					return nil, errs.Integrityf("the audit log's Merkle tree node at level %d, index %d is not a SHA-256 hash", id.Level, id.Index)
				}
				out[lo+i] = h
			}
		}
		return out, nil
	}
}

// treeSize is the number of leaves in the stored tree.
func treeSize(ctx context.Context, q treeQueryer) (int64, error) {
	var n sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT max(idx) FROM audit_tree WHERE level = 0`).Scan(&n); err != nil {
		return 0, err
	}
	if !n.Valid {
		return 0, nil
	}
	return n.Int64 + 1, nil
}

// insertNodes inserts nodes, several to a statement.
func insertNodes(ctx context.Context, tx *sql.Tx, nodes []audit.Node) error {
	const perStatement = 300
	for lo := 0; lo < len(nodes); lo += perStatement {
		chunk := nodes[lo:min(lo+perStatement, len(nodes))]
		var b strings.Builder
		b.WriteString(`INSERT INTO audit_tree (level, idx, hash) VALUES `)
		args := make([]any, 0, 3*len(chunk))
		for i, n := range chunk {
			if i > 0 {
				b.WriteByte(',')
			}
			k := strconv.Itoa(len(args) + 1)
			b.WriteString("($" + k + ", $" + strconv.Itoa(len(args)+2) + ", $" + strconv.Itoa(len(args)+3) + ")")
			args = append(args, int64(n.ID.Level), int64(n.ID.Index), n.Hash)
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// appendTree adds entry e, just appended, to the tree. A tree shorter
// than the log before e (a store whose entries predate the tree, or
// entries a bulk load appended) is first extended over the missing
// entries.
func appendTree(ctx context.Context, tx *sql.Tx, e *audit.Entry) error {
	n := e.Seq - 1
	size, err := treeSize(ctx, tx)
	if err != nil {
		return err
	}
	switch {
	case size > n:
		// The log was cut off under its tree (which, append-only, cannot
		// follow): the entry is still recorded, and audit verify reports
		// the truncation.
		return nil
	case size < n:
		return extendTree(ctx, tx, size, n+1)
	}
	siblings, err := nodeReader(ctx, tx)(audit.AppendSiblings(uint64(n)))
	if err != nil {
		return err
	}
	nodes, err := audit.AppendLeaf(uint64(n), e.LeafHash(), siblings)
	if err != nil {
		return err
	}
	return insertNodes(ctx, tx, nodes)
}

// extendBatch is how many entries extendTree reads at a time.
const extendBatch = 10_000

// extendTree adds entries size+1 to upTo to a tree of size leaves.
func extendTree(ctx context.Context, tx *sql.Tx, size, upTo int64) error {
	hashes, err := nodeReader(ctx, tx)(audit.RangeNodes(uint64(size)))
	if err != nil {
		return err
	}
	b, err := audit.NewBuilder(uint64(size), hashes)
	if err != nil {
		return err
	}
	var nodes []audit.Node
	leaves := make([][]byte, 0, extendBatch)
	for from := size + 1; from <= upTo; from += extendBatch {
		to := min(from+extendBatch-1, upTo)
		rows, err := tx.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE seq BETWEEN $1 AND $2 ORDER BY seq`, from, to)
		if err != nil {
			return err
		}
		leaves = leaves[:0]
		next := from
		var e audit.Entry
		for rows.Next() {
			if err := scanEntry(rows, &e); err != nil {
				rows.Close()
				return err
			}
			if e.Seq != next {
				rows.Close()
				return errs.Integrityf("audit log broken at entry %d: entry %d is missing", next, next)
			}
			next++
			leaves = append(leaves, e.LeafHash())
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if next != to+1 {
			return errs.Integrityf("audit log broken at entry %d: entry %d is missing", next, next)
		}
		nodes = nodes[:0]
		for _, l := range leaves {
			if err := b.Append(l, func(n audit.Node) { nodes = append(nodes, n) }); err != nil {
				return err
			}
		}
		if err := insertNodes(ctx, tx, nodes); err != nil {
			return err
		}
	}
	return nil
}

// treeVersion is the schema version that adds audit_tree.
const treeVersion = 15

// buildTree builds the tree over the entries a store had before it had a
// tree, as part of the migration that adds it.
func buildTree(ctx context.Context, tx *sql.Tx) error {
	var head int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM audit_log`).Scan(&head); err != nil {
		return err
	}
	size, err := treeSize(ctx, tx)
	if err != nil || size >= head {
		return err
	}
	return extendTree(ctx, tx, size, head)
}

// AuditTreeSize is the number of entries the stored Merkle tree holds.
func (t *txn) AuditTreeSize() (int64, error) { return treeSize(t.ctx, t.tx) }

// AuditRoot is the Merkle root of the first size entries.
func (t *txn) AuditRoot(size int64) ([]byte, error) {
	if err := t.checkTreeSize(size); err != nil {
		return nil, err
	}
	return audit.RootAt(uint64(size), nodeReader(t.ctx, t.tx))
}

func (t *txn) checkTreeSize(size int64) error {
	have, err := treeSize(t.ctx, t.tx)
	if err != nil {
		return err
	}
	if size < 0 || size > have {
		return errs.NotFoundf("the audit log has %d entries, not %d", have, size)
	}
	return nil
}

// AuditEntry reads entry seq.
func (t *txn) AuditEntry(seq int64) (audit.Entry, error) {
	var e audit.Entry
	err := scanEntry(t.tx.QueryRowContext(t.ctx, `SELECT `+auditColumns+` FROM audit_log WHERE seq = $1`, seq), &e)
	if err == sql.ErrNoRows {
		return e, errs.NotFoundf("audit entry %d not found", seq)
	}
	return e, err
}

// AuditInclusion returns entry seq and the proof that it is in the tree of
// the first size entries, whose root is root. The proof is checked before
// it is returned, so a store whose tree does not match its entries shows
// here rather than on the auditor's laptop.
func (t *txn) AuditInclusion(seq, size int64) (e audit.Entry, proof, root []byte, hashes [][]byte, err error) {
	if err = t.checkTreeSize(size); err != nil {
		return
	}
	if seq < 1 || seq > size {
		err = errs.NotFoundf("entry %d is not among the first %d entries of the audit log", seq, size)
		return
	}
	if e, err = t.AuditEntry(seq); err != nil {
		return
	}
	read := nodeReader(t.ctx, t.tx)
	if root, err = audit.RootAt(uint64(size), read); err != nil {
		return
	}
	if hashes, err = audit.InclusionProof(uint64(seq-1), uint64(size), read); err != nil {
		return
	}
	if err = audit.VerifyInclusion(uint64(seq-1), uint64(size), e.LeafHash(), hashes, root); err != nil {
		err = errs.Integrityf("audit log broken at entry %d: it does not match the Merkle tree (the entry or the tree was rewritten)", seq)
	}
	return
}

// AuditConsistency returns the proof that the tree of the first size2
// entries extends the tree of the first size1.
func (t *txn) AuditConsistency(size1, size2 int64) ([][]byte, error) {
	if err := t.checkTreeSize(size2); err != nil {
		return nil, err
	}
	if size1 < 0 || size1 > size2 {
		return nil, errs.Invalidf("a log of %d entries cannot extend one of %d", size2, size1)
	}
	return audit.ConsistencyProof(uint64(size1), uint64(size2), nodeReader(t.ctx, t.tx))
}

// verifyTree checks the stored tree against the root v computed from the
// entries themselves: same size, same root.
func (t *txn) verifyTree(v *audit.Verifier, head int64) error {
	size, err := treeSize(t.ctx, t.tx)
	if err != nil {
		return err
	}
	switch {
	case size > head:
		return errs.Integrityf("audit log truncated: its Merkle tree holds %d entries but the log ends at entry %d (its tail was cut off)", size, head)
	case size < head:
		return errs.Integrityf("the audit log's Merkle tree holds %d entries but the log %d (tree rows deleted)", size, head)
	}
	stored, err := audit.RootAt(uint64(size), nodeReader(t.ctx, t.tx))
	if err != nil {
		return err
	}
	if want := v.Root(); want != nil && !bytes.Equal(stored, want) {
		return t.treeDiffers(head)
	}
	return nil
}

// treeDiffers names the first entry whose stored leaf differs from its
// contents, for a stored tree whose root does not match the entries'.
func (t *txn) treeDiffers(head int64) error {
	for from := int64(1); from <= head; from += extendBatch {
		to := min(from+extendBatch-1, head)
		var leaves [][]byte
		err := func() error {
			rows, err := t.tx.QueryContext(t.ctx, `SELECT hash FROM audit_tree WHERE level = 0 AND idx BETWEEN $1 AND $2 ORDER BY idx`, from-1, to-1)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var h []byte
				if err := rows.Scan(&h); err != nil {
					return err
				}
				leaves = append(leaves, h)
			}
			return rows.Err()
		}()
		if err != nil {
			return err
		}
		i := 0
		err = t.AuditLog(AuditFilter{After: from - 1, Limit: 0}, func(e *audit.Entry) error {
			if e.Seq > to {
				return errStopWalk
			}
			if i >= len(leaves) || !bytes.Equal(leaves[i], e.LeafHash()) {
				return errs.Integrityf("audit log broken at entry %d: it does not match its leaf in the Merkle tree (the entry or the tree was rewritten)", e.Seq)
			}
			i++
			return nil
		})
		if err != nil && err != errStopWalk {
			return err
		}
	}
	return errs.Integrityf("the audit log's Merkle tree does not match its entries (inner nodes rewritten)")
}

var errStopWalk = errs.Invalidf("stop")

// VerifyAgainst checks, after a full VerifyAudit (v), that the log
// extends a signed checkpoint of size entries with root root: the log is
// at least that long, and a consistency proof leads from that root to the
// root of the entries v checked. When it does not, and the stored tree
// still has the signed root, the first entry that differs from its leaf
// is named; otherwise the tree was rewritten with the entries.
func (t *txn) VerifyAgainst(v *audit.Verifier, size int64, root []byte) error {
	head, _ := v.Head()
	if size > head {
		return errs.Integrityf("audit log truncated: the checkpoint signs %d entries but the log ends at entry %d", size, head)
	}
	p, err := t.AuditConsistency(size, head)
	if err != nil {
		return err
	}
	if audit.VerifyConsistency(uint64(size), uint64(head), p, root, v.Root()) == nil {
		return nil
	}
	stored, err := audit.RootAt(uint64(size), nodeReader(t.ctx, t.tx))
	if err == nil && bytes.Equal(stored, root) {
		if err := t.treeDiffers(size); !strings.Contains(err.Error(), "inner nodes") {
			return err
		}
	}
	return errs.Integrityf("audit log rewritten: its first %d entries no longer have the root the checkpoint signed (entries and tree rewritten together)", size)
}

// VerifySince checks what was appended after a signed checkpoint of size
// entries with root root, in time proportional to what was appended:
// the stored tree still has that root at that size, entry size is in it,
// the entries after it follow it in the chain, and with them the tree's
// root is the stored tree's root now. What came before the checkpoint is
// taken as verified when the checkpoint was (a full audit verify does it
// again). It returns the head.
func (t *txn) VerifySince(size int64, root []byte) (int64, error) {
	head, err := t.AuditHead()
	if err != nil {
		return 0, err
	}
	if size > head.Seq {
		return 0, errs.Integrityf("audit log truncated: the checkpoint signs %d entries but the log ends at entry %d", size, head.Seq)
	}
	have, err := treeSize(t.ctx, t.tx)
	if err != nil {
		return 0, err
	}
	if have != head.Seq {
		return 0, errs.Integrityf("the audit log's Merkle tree holds %d entries but the log %d (tree rows deleted or added)", have, head.Seq)
	}
	read := nodeReader(t.ctx, t.tx)
	hashes, err := read(audit.RangeNodes(uint64(size)))
	if err != nil {
		return 0, err
	}
	b, err := audit.NewBuilder(uint64(size), hashes)
	if err != nil {
		return 0, err
	}
	if !bytes.Equal(b.Root(), root) {
		return 0, errs.Integrityf("audit log rewritten: its first %d entries no longer have the root the checkpoint signed (run a full custos audit verify --checkpoint to find where)", size)
	}
	v := audit.NewVerifier()
	if size > 0 {
		e, _, _, _, err := t.AuditInclusion(size, size)
		if err != nil {
			return 0, err
		}
		v = audit.NewSegment()
		if err := v.Check(&e); err != nil {
			return 0, err
		}
	}
	var leaves [][]byte
	err = t.AuditLog(AuditFilter{After: size}, func(e *audit.Entry) error {
		if err := v.Check(e); err != nil {
			return err
		}
		leaves = append(leaves, e.LeafHash())
		return nil
	})
	if err != nil {
		return 0, err
	}
	if last, _ := v.Head(); last != head.Seq {
		return 0, audit.Broken(last+1, head.Seq)
	}
	for _, l := range leaves {
		if err := b.Append(l, func(audit.Node) {}); err != nil {
			return 0, err
		}
	}
	stored, err := audit.RootAt(uint64(head.Seq), read)
	if err != nil {
		return 0, err
	}
	if !bytes.Equal(stored, b.Root()) {
		return 0, errs.Integrityf("the audit log's Merkle tree does not match the entries appended since the checkpoint (entries %d to %d)", size+1, head.Seq)
	}
	return head.Seq, nil
}
