package audit

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"strings"
)

// The object index (one row per object an entry touched, for `audit log
// --object` and an account's history) is a copy of what each entry's
// Objects field says, and only that field is covered by the hash. Checking
// the copy row by row would need the index ordered by entry, which it is
// not (it is keyed by object), so verify compares two multiset digests
// instead: one summed over the (seq, object) pairs the hashed entries
// name, one over the rows of the index read in any order and in parallel.
// Equal digests mean equal multisets; only a mismatching segment is then
// compared row by row, to name the entry.
//
// The digest of a pair is SHA-256 under a key drawn at random for each
// verification, summed lane by lane modulo 2^64. The key is what makes a
// sum safe: without it, someone editing the index could search offline for
// rows whose digests add up to those of the rows they removed; with it,
// the tampering is fixed before the key exists, and a changed multiset
// gives the same sum with probability about 2^-64 per lane.

// ObjectKey keys the pair digests of one verification.
type ObjectKey [32]byte

// NewObjectKey draws a fresh key.
func NewObjectKey() *ObjectKey {
	var k ObjectKey
	rand.Read(k[:])
	return &k
}

// ObjectDigest is the multiset digest of (seq, object) pairs.
type ObjectDigest struct {
	sum [4]uint64
	// N is the number of pairs added.
	N int64
}

// Add adds one pair. buf is scratch space, returned for reuse.
func (d *ObjectDigest) Add(k *ObjectKey, buf []byte, seq int64, object string) []byte {
	buf = append(buf[:0], k[:]...)
	buf = binary.BigEndian.AppendUint64(buf, uint64(seq))
	buf = append(buf, object...)
	h := sha256.Sum256(buf)
	for i := range d.sum {
		d.sum[i] += binary.BigEndian.Uint64(h[8*i:])
	}
	d.N++
	return buf
}

// Merge adds the pairs of o.
func (d *ObjectDigest) Merge(o *ObjectDigest) {
	for i := range d.sum {
		d.sum[i] += o.sum[i]
	}
	d.N += o.N
}

// Equal reports whether d and o digest the same multiset (with the
// probability above).
func (d *ObjectDigest) Equal(o *ObjectDigest) bool { return d.sum == o.sum && d.N == o.N }

// EachObject calls fn for every object of an Objects field, as DecodeList
// would give them. Verify calls it for every entry, so the lists custos
// writes (json.Marshal of plain strings: no escapes) are split without
// the JSON decoder, which would cost as much as hashing the entry.
func EachObject(objects string, fn func(string)) {
	if objects == "[]" {
		return
	}
	if strings.HasPrefix(objects, `["`) && strings.HasSuffix(objects, `"]`) && len(objects) >= 4 &&
		!strings.ContainsAny(objects, "\\") {
		// Without a backslash no object can contain a quote, so `","`
		// occurs only between objects.
		rest := objects[2 : len(objects)-2]
		for {
			i := strings.Index(rest, `","`)
			if i < 0 {
				fn(rest)
				return
			}
			fn(rest[:i])
			rest = rest[i+3:]
		}
	}
	var list []string
	if err := json.Unmarshal([]byte(objects), &list); err != nil {
		list = []string{objects}
	}
	for _, o := range list {
		fn(o)
	}
}
