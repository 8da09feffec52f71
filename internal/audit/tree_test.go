package audit

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/transparency-dev/merkle/testonly"

	"github.com/custos-dev/custos/internal/errs"
)

// memTree is a tree built the way the store builds it, leaf by leaf with
// AppendLeaf, its nodes kept in a map.
type memTree struct {
	nodes map[NodeID][]byte
	size  uint64
}

func newMemTree() *memTree { return &memTree{nodes: map[NodeID][]byte{}} }

func (m *memTree) read(ids []NodeID) ([][]byte, error) {
	out := make([][]byte, len(ids))
	for i, id := range ids {
		h, ok := m.nodes[id]
		if !ok {
			return nil, fmt.Errorf("no node %v", id)
		}
		out[i] = h
	}
	return out, nil
}

func (m *memTree) append(t *testing.T, leaf []byte) {
	t.Helper()
	sib, err := m.read(AppendSiblings(m.size))
	if err != nil {
		t.Fatal(err)
	}
	nodes, err := AppendLeaf(m.size, leaf, sib)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		if _, dup := m.nodes[n.ID]; dup {
			t.Fatalf("node %v written twice", n.ID)
		}
		m.nodes[n.ID] = n.Hash
	}
	m.size++
}

// The RFC 6962 test vectors (as the merkle library carries them): the
// roots of the trees of the first 1 to 8 leaves (RootHashes is indexed by size), built leaf by leaf as on
// append, and in bulk as the migration does.
func TestTreeMatchesRFC6962Vectors(t *testing.T) {
	m := newMemTree()
	b, _ := NewBuilder(0, nil)
	roots := testonly.RootHashes()
	for i, in := range testonly.LeafInputs() {
		leaf := hasher.HashLeaf(in)
		m.append(t, leaf)
		if err := b.Append(leaf, func(Node) {}); err != nil {
			t.Fatal(err)
		}
		got, err := RootAt(m.size, m.read)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, roots[i+1]) || !bytes.Equal(b.Root(), roots[i+1]) {
			t.Errorf("size %d: root %x and %x, want %x", i+1, got, b.Root(), roots[i+1])
		}
	}
	if r, _ := RootAt(0, m.read); !bytes.Equal(r, testonly.EmptyRootHash()) {
		t.Errorf("empty root %x", r)
	}
}

func leaves(n int, salt string) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = hasher.HashLeaf([]byte(fmt.Sprintf("entry %d%s", i, salt)))
	}
	return out
}

func build(t *testing.T, ls [][]byte) *memTree {
	m := newMemTree()
	for _, l := range ls {
		m.append(t, l)
	}
	return m
}

// Inclusion proofs of the first, a middle and the last leaf of trees of
// sizes 1, 2, 3, 7, 8, 9 and 1000 verify, and not against another root.
func TestInclusionProofs(t *testing.T) {
	ls := leaves(1001, "")
	m := build(t, ls)
	for _, n := range []uint64{1, 2, 3, 7, 8, 9, 1000} {
		root, _ := RootAt(n, m.read)
		other, _ := RootAt(n+1, m.read)
		for _, i := range []uint64{0, n / 2, n - 1} {
			p, err := InclusionProof(i, n, m.read)
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifyInclusion(i, n, ls[i], p, root); err != nil {
				t.Errorf("leaf %d of %d: %v", i, n, err)
			}
			if err := VerifyInclusion(i, n, ls[i], p, other); errs.CodeOf(err) != errs.Integrity {
				t.Errorf("leaf %d of %d verifies against the root of %d: %v", i, n, n+1, err)
			}
			if err := VerifyInclusion(i, n, ls[(i+1)%n], p, root); n > 1 && err == nil {
				t.Errorf("leaf %d of %d: another leaf verifies", i, n)
			}
		}
	}
}

// Consistency proofs between every pair of sizes up to 64 verify; the
// proof from a rewritten log (one leaf changed) does not.
func TestConsistencyProofs(t *testing.T) {
	ls := leaves(64, "")
	m := build(t, ls)
	forged := append([][]byte{}, ls...)
	forged[20] = hasher.HashLeaf([]byte("rewritten"))
	f := build(t, forged)
	for n2 := uint64(1); n2 <= 64; n2++ {
		r2, _ := RootAt(n2, m.read)
		fr2, _ := RootAt(n2, f.read)
		for n1 := uint64(1); n1 <= n2; n1++ {
			r1, _ := RootAt(n1, m.read)
			p, err := ConsistencyProof(n1, n2, m.read)
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifyConsistency(n1, n2, p, r1, r2); err != nil {
				t.Errorf("%d → %d: %v", n1, n2, err)
			}
			if n2 > 20 {
				fp, _ := ConsistencyProof(n1, n2, f.read)
				if err := VerifyConsistency(n1, n2, fp, r1, fr2); n1 > 20 && errs.CodeOf(err) != errs.Integrity {
					t.Errorf("%d → %d: the rewritten log's proof verifies: %v", n1, n2, err)
				}
			}
		}
	}
}

// hashChildren is the library's RFC 6962 inner node hash, with fewer
// allocations.
func TestHashChildren(t *testing.T) {
	ls := leaves(3, "")
	if got, want := hashChildren(ls[0], ls[1]), hasher.HashChildren(ls[0], ls[1]); !bytes.Equal(got, want) {
		t.Errorf("%x, want %x", got, want)
	}
}

// BenchmarkVerifierCheck is the cost per entry of a full verification,
// with the Merkle tree (as audit verify runs) and without (the chain
// alone, as before the tree).
func BenchmarkVerifierCheck(b *testing.B) {
	const n = 1 << 14
	es := make([]Entry, n)
	prev, prevHash := int64(0), GenesisHash
	for i := range es {
		es[i] = Entry{At: "2026-11-30T10:00:00.000000000Z", RealOperator: "ana", Operator: "ana", Host: "h1", PID: int64(1000 + i),
			Command: "account approve", Args: EncodeList([]string{"account", "approve", fmt.Sprintf("u%07d", i), "--stage", "it"}),
			Outcome: "ok", Objects: EncodeList([]string{fmt.Sprintf("account:u%07d", i)})}
		es[i].Seal(prev, prevHash)
		prev, prevHash = es[i].Seq, es[i].Hash
	}
	for _, tree := range []bool{true, false} {
		b.Run(fmt.Sprintf("tree=%v", tree), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i += n {
				v := NewVerifier()
				if !tree {
					v.tree = nil
				}
				for j := range min(n, b.N-i) {
					if err := v.Check(&es[j]); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
