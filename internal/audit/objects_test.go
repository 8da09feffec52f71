package audit

import (
	"slices"
	"testing"
)

// EachObject's fast path agrees with the JSON decoder on every list
// EncodeList writes.
func TestEachObjectMatchesDecodeList(t *testing.T) {
	for _, list := range [][]string{
		nil,
		{"operator:alice"},
		{"account:a", "grant:7", "incident:INC-2026-0001"},
		{`we"ird`, `back\slash`, "<html>&", "ü"},
		{""},
		{"", ""},
		{`a","b`},
	} {
		enc := EncodeList(list)
		var got []string
		EachObject(enc, func(o string) { got = append(got, o) })
		if want := DecodeList(enc); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("%s: got %q, want %q", enc, got, want)
		}
	}
}

// The digest is a multiset digest: order does not matter, any change of
// pair, count or key does.
func TestObjectDigest(t *testing.T) {
	k := NewObjectKey()
	digest := func(k *ObjectKey, pairs ...any) *ObjectDigest {
		var d ObjectDigest
		var buf []byte
		for i := 0; i < len(pairs); i += 2 {
			buf = d.Add(k, buf, int64(pairs[i].(int)), pairs[i+1].(string))
		}
		return &d
	}
	a := digest(k, 1, "x", 2, "y", 3, "z")
	if !a.Equal(digest(k, 3, "z", 1, "x", 2, "y")) {
		t.Error("order changed the digest")
	}
	var merged ObjectDigest
	merged.Merge(digest(k, 1, "x"))
	merged.Merge(digest(k, 2, "y", 3, "z"))
	if !a.Equal(&merged) {
		t.Error("merging changed the digest")
	}
	for name, d := range map[string]*ObjectDigest{
		"missing":    digest(k, 1, "x", 2, "y"),
		"extra":      digest(k, 1, "x", 2, "y", 3, "z", 3, "w"),
		"repointed":  digest(k, 1, "x", 2, "y", 2, "z"),
		"duplicated": digest(k, 1, "x", 2, "y", 3, "z", 3, "z"),
		"other key":  digest(NewObjectKey(), 1, "x", 2, "y", 3, "z"),
	} {
		if a.Equal(d) {
			t.Errorf("%s: same digest", name)
		}
	}
}
