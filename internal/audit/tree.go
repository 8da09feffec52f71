package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math/bits"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/custos-dev/custos/internal/errs"
)

// The log is also a Merkle tree (RFC 6962): entry n (sequence number n) is
// leaf n-1, its leaf hash SHA-256(0x00 || canonical encoding). The store
// keeps every complete subtree's hash (a node), so that an inclusion or a
// consistency proof, or the root at any size, is a few dozen look-ups. The
// hashing and the proofs are github.com/transparency-dev/merkle's; this
// file only says which nodes to read and write.

// hasher is RFC 6962's SHA-256 tree hasher.
var hasher = rfc6962.DefaultHasher

// rangeFactory builds compact ranges with hashChildren.
var rangeFactory = &compact.RangeFactory{Hash: hashChildren}

// hashChildren is RFC 6962's inner node hash, SHA-256(0x01 || l || r),
// as hasher.HashChildren computes it but with one allocation instead of
// three: audit verify takes one per entry. l and r are SHA-256 hashes.
func hashChildren(l, r []byte) []byte {
	var buf [1 + 2*sha256.Size]byte
	buf[0] = rfc6962.RFC6962NodeHashPrefix
	copy(buf[1:], l)
	copy(buf[1+sha256.Size:], r)
	h := sha256.Sum256(buf[:])
	return h[:]
}

// NodeID names a complete subtree: the one at Level (0 for a leaf) whose
// leaves are Index<<Level to (Index+1)<<Level - 1.
type NodeID = compact.NodeID

// Node is a stored node and its hash.
type Node struct {
	ID   NodeID
	Hash []byte
}

// NodeReader returns the stored hashes of the given nodes, in order; a
// node that is not stored is an error.
type NodeReader func(ids []NodeID) ([][]byte, error)

// LeafHash is the entry's Merkle leaf hash.
func (e *Entry) LeafHash() []byte {
	var buf [512]byte
	return hasher.HashLeaf(e.AppendCanonical(buf[:0]))
}

// EmptyRoot is the root of a tree with no leaves.
func EmptyRoot() []byte { return hasher.EmptyRoot() }

// AppendSiblings lists the nodes that appending leaf n (to a tree of n
// leaves) completes subtrees with: the left siblings on its way up, one
// per trailing one bit of n.
func AppendSiblings(n uint64) []NodeID {
	ids := make([]NodeID, bits.TrailingZeros64(^n))
	for k := range ids {
		ids[k] = compact.NewNodeID(uint(k), (n>>k)-1)
	}
	return ids
}

// AppendLeaf returns the nodes that leaf n, with hash leaf, adds to a tree
// of n leaves: the leaf itself and each subtree it completes. siblings are
// the hashes of AppendSiblings(n), in order.
func AppendLeaf(n uint64, leaf []byte, siblings [][]byte) ([]Node, error) {
	if len(siblings) != bits.TrailingZeros64(^n) {
		return nil, fmt.Errorf("leaf %d: %d sibling hashes, want %d", n, len(siblings), bits.TrailingZeros64(^n))
	}
	out := make([]Node, 0, len(siblings)+1)
	h := leaf
	id := compact.NewNodeID(0, n)
	out = append(out, Node{id, h})
	for _, s := range siblings {
		h = hashChildren(s, h)
		id = id.Parent()
		out = append(out, Node{id, h})
	}
	return out, nil
}

// Builder appends leaves to a tree in memory and reports the nodes each
// completes: what a bulk append stores.
type Builder struct {
	r *compact.Range
}

// NewBuilder continues a tree of size leaves, whose compact range (the
// hashes of RangeNodes(size), in order) is given.
func NewBuilder(size uint64, hashes [][]byte) (*Builder, error) {
	r, err := rangeFactory.NewRange(0, size, hashes)
	if err != nil {
		return nil, err
	}
	return &Builder{r: r}, nil
}

// RangeNodes lists the nodes whose hashes make up the tree of size leaves
// (its compact range), largest first.
func RangeNodes(size uint64) []NodeID { return compact.RangeNodes(0, size, nil) }

// Append adds a leaf and calls visit with every node it completes, the
// leaf first.
func (b *Builder) Append(leaf []byte, visit func(Node)) error {
	return b.r.Append(leaf, func(id NodeID, h []byte) { visit(Node{id, h}) })
}

// Size is the number of leaves.
func (b *Builder) Size() uint64 { return b.r.End() }

// Root is the tree's root hash.
func (b *Builder) Root() []byte { return rootOf(b.r) }

func rootOf(r *compact.Range) []byte {
	if r.End() == 0 {
		return EmptyRoot()
	}
	h, _ := r.GetRootHash(nil)
	return h
}

// RootAt computes the root of the first size leaves from stored nodes.
func RootAt(size uint64, read NodeReader) ([]byte, error) {
	if size == 0 {
		return EmptyRoot(), nil
	}
	hashes, err := read(RangeNodes(size))
	if err != nil {
		return nil, err
	}
	r, err := rangeFactory.NewRange(0, size, hashes)
	if err != nil {
		return nil, err
	}
	return rootOf(r), nil
}

// InclusionProof reads the proof that leaf index is in the tree of size
// leaves.
func InclusionProof(index, size uint64, read NodeReader) ([][]byte, error) {
	nodes, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, errs.Invalidf("%v", err)
	}
	return rehash(nodes, read)
}

// ConsistencyProof reads the proof that the tree of size2 leaves extends
// the tree of size1 leaves.
func ConsistencyProof(size1, size2 uint64, read NodeReader) ([][]byte, error) {
	nodes, err := proof.Consistency(size1, size2)
	if err != nil {
		return nil, errs.Invalidf("%v", err)
	}
	return rehash(nodes, read)
}

func rehash(nodes proof.Nodes, read NodeReader) ([][]byte, error) {
	if len(nodes.IDs) == 0 {
		return [][]byte{}, nil
	}
	hashes, err := read(nodes.IDs)
	if err != nil {
		return nil, err
	}
	return nodes.Rehash(hashes, hashChildren)
}

// VerifyInclusion checks that leaf is leaf index of the tree of size
// leaves whose root is root.
func VerifyInclusion(index, size uint64, leaf []byte, p [][]byte, root []byte) error {
	if err := proof.VerifyInclusion(hasher, index, size, leaf, p, root); err != nil {
		return errs.Integrityf("the inclusion proof of entry %d does not lead to the root of the tree of %d entries: %v", index+1, size, err)
	}
	return nil
}

// VerifyConsistency checks that the tree of size2 leaves with root root2
// extends the tree of size1 leaves with root root1.
func VerifyConsistency(size1, size2 uint64, p [][]byte, root1, root2 []byte) error {
	if size1 == size2 {
		if !bytes.Equal(root1, root2) {
			return errs.Integrityf("the two checkpoints are of the same size (%d entries) but their roots differ: the log was rewritten", size1)
		}
		return nil
	}
	if err := proof.VerifyConsistency(hasher, size1, size2, p, root1, root2); err != nil {
		return errs.Integrityf("the log of %d entries does not extend the log of %d entries (it was rewritten): %v", size2, size1, err)
	}
	return nil
}

// EncodeHashes encodes proof hashes as base64, as checkpoints write them.
func EncodeHashes(hs [][]byte) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = base64.StdEncoding.EncodeToString(h)
	}
	return out
}

// DecodeHashes reverses EncodeHashes; every hash must be 32 bytes.
func DecodeHashes(ss []string) ([][]byte, error) {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		h, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(h) != 32 {
			return nil, errs.Invalidf("proof hash %d is not a base64 SHA-256 hash", i+1)
		}
		out[i] = h
	}
	return out, nil
}
