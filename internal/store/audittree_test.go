package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"github.com/custos-dev/custos/bench/seed"
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/audit"
	"github.com/custos-dev/custos/internal/errs"
)

// mth is RFC 6962's Merkle tree hash, written from the RFC's definition,
// as the reference the stored tree is compared with.
func mth(leaves [][]byte) []byte {
	switch len(leaves) {
	case 0:
		s := sha256.Sum256(nil)
		return s[:]
	case 1:
		return leaves[0]
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	s := sha256.Sum256(append(append([]byte{1}, mth(leaves[:k])...), mth(leaves[k:])...))
	return s[:]
}

// treeStore is a store with at least n entries, and their leaf hashes.
func treeStore(t *testing.T, n int) (*sqlStore, [][]byte) {
	t.Helper()
	s := MustOpen(t)
	seedStore(t, s, seed.Scale{AuditEntries: n})
	var leaves [][]byte
	for _, e := range entries(t, s) {
		leaves = append(leaves, e.LeafHash())
	}
	return s, leaves
}

func readTx(t *testing.T, s *sqlStore, fn func(tx Tx) error) {
	t.Helper()
	if err := s.View(context.Background(), inv("audit prove", "ana"), Spec{}, fn); err != nil {
		t.Fatal(err)
	}
}

// The tree kept on append has the RFC 6962 root at every size, and the
// inclusion proofs of the first, a middle and the last entry of logs of
// sizes 1, 2, 3, 7, 8, 9 and 1000 verify against it, and against no other
// size's root.
func TestTreeInclusionProofs(t *testing.T) {
	s, leaves := treeStore(t, 1000)
	readTx(t, s, func(tx Tx) error {
		size, err := tx.Audit().AuditTreeSize()
		if err != nil || size != int64(len(leaves)) {
			t.Fatalf("tree of %d leaves (%v), log of %d entries", size, err, len(leaves))
		}
		for _, n := range []int64{1, 2, 3, 7, 8, 9, 1000} {
			root, err := tx.Audit().AuditRoot(n)
			if err != nil {
				return err
			}
			if want := mth(leaves[:n]); !bytes.Equal(root, want) {
				t.Errorf("size %d: root %x, want %x", n, root, want)
			}
			other, err := tx.Audit().AuditRoot(n + 1)
			if err != nil {
				return err
			}
			for _, seq := range []int64{1, (n + 1) / 2, n} {
				e, _, r, p, err := tx.Audit().AuditInclusion(seq, n)
				if err != nil {
					t.Errorf("entry %d of %d: %v", seq, n, err)
					continue
				}
				if !bytes.Equal(r, root) || e.Seq != seq {
					t.Errorf("entry %d of %d: root %x, entry %d", seq, n, r, e.Seq)
				}
				if err := audit.VerifyInclusion(uint64(seq-1), uint64(n), e.LeafHash(), p, root); err != nil {
					t.Errorf("entry %d of %d: %v", seq, n, err)
				}
				if err := audit.VerifyInclusion(uint64(seq-1), uint64(n), e.LeafHash(), p, other); err == nil {
					t.Errorf("entry %d of %d: the proof verifies against the root of %d entries", seq, n, n+1)
				}
			}
		}
		if _, _, _, _, err := tx.Audit().AuditInclusion(5, 1<<40); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("proof in a tree larger than the log: %v", err)
		}
		return nil
	})
}

// Consistency proofs between every pair of sizes up to 64 verify.
func TestTreeConsistencyProofs(t *testing.T) {
	s, leaves := treeStore(t, 64)
	readTx(t, s, func(tx Tx) error {
		for n2 := int64(1); n2 <= 64; n2++ {
			root2 := mth(leaves[:n2])
			for n1 := int64(1); n1 <= n2; n1++ {
				p, err := tx.Audit().AuditConsistency(n1, n2)
				if err != nil {
					return err
				}
				if err := audit.VerifyConsistency(uint64(n1), uint64(n2), p, mth(leaves[:n1]), root2); err != nil {
					t.Errorf("%d → %d: %v", n1, n2, err)
				}
			}
		}
		return nil
	})
}

// A store whose entries predate the tree gets its tree from the
// migration, and the next append continues it.
func TestTreeIsBuiltForOlderStores(t *testing.T) {
	s, _ := treeStore(t, 30)
	tamperQuietly(t, s, `DELETE FROM audit_tree`)
	readTx(t, s, func(tx Tx) error {
		if _, err := tx.Audit().VerifyAudit(nil, 0, nil); err == nil || !strings.Contains(err.Error(), "Merkle tree holds 0 entries") {
			t.Errorf("verify of a store without its tree: %v", err)
		}
		return nil
	})
	// What the migration runs, then an ordinary append.
	tx, err := s.db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if err := buildTree(context.Background(), tx); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := s.Invoke(context.Background(), inv("operator list", "ana"), Spec{}, func(Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	var leaves [][]byte
	for _, e := range entries(t, s) {
		leaves = append(leaves, e.LeafHash())
	}
	readTx(t, s, func(tx Tx) error {
		if _, err := tx.Audit().VerifyAudit(nil, 0, nil); err != nil {
			t.Error(err)
		}
		root, err := tx.Audit().AuditRoot(int64(len(leaves)))
		if err == nil && !bytes.Equal(root, mth(leaves)) {
			t.Errorf("root %x, want %x", root, mth(leaves))
		}
		return err
	})
}

// Verify compares the stored tree's root with the entries' root, so a
// rewritten node on the tree's right border or a deleted leaf is exit 6;
// a node inside the tree cannot forge a proof (the proof would not lead
// to the signed root), and audit prove checks each proof it prints, so a
// rewritten or deleted node there is exit 6 when a proof needs it.
func TestTreeTamperingIsCaught(t *testing.T) {
	for _, tc := range []struct {
		name, stmt, want string
		verify           bool
	}{
		{"leaf rewritten", `UPDATE audit_tree SET hash = (SELECT hash FROM audit_tree WHERE level = 0 AND idx = 3) WHERE level = 0 AND idx = 5`, "entry 5: it does not match the Merkle tree", false},
		{"inner node rewritten", `UPDATE audit_tree SET hash = (SELECT hash FROM audit_tree WHERE level = 0 AND idx = 3) WHERE level = 1 AND idx = 3`, "entry 5: it does not match the Merkle tree", false},
		{"inner node deleted", `DELETE FROM audit_tree WHERE level = 1 AND idx = 3`, "no node at level 1, index 3", false},
		{"border node rewritten", `UPDATE audit_tree SET hash = (SELECT hash FROM audit_tree WHERE level = 0 AND idx = 3) WHERE level = 5 AND idx = 0`, "inner nodes rewritten", true},
		{"leaf deleted", `DELETE FROM audit_tree WHERE level = 0 AND idx = (SELECT max(idx) FROM audit_tree WHERE level = 0)`, "Merkle tree holds 41 entries but the log 42 (tree rows deleted)", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := treeStore(t, 40)
			tamperQuietly(t, s, tc.stmt)
			readTx(t, s, func(tx Tx) error {
				var err error
				if tc.verify {
					_, err = tx.Audit().VerifyAudit(nil, 0, nil)
				} else {
					var size int64
					if size, err = tx.Audit().AuditTreeSize(); err == nil {
						_, _, _, _, err = tx.Audit().AuditInclusion(5, size)
					}
				}
				if errs.CodeOf(err) != errs.Integrity || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("got %v, want integrity error %q", err, tc.want)
				}
				return nil
			})
		})
	}
}
