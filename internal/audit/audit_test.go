package audit

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/testutil/golden"
)

func entry(i int) *Entry {
	return &Entry{
		At:           FormatTime(mustTime("2026-11-23T10:00:00Z").Add(1e9 * timeDuration(i))),
		RealOperator: "ana",
		Operator:     "ana",
		Host:         "h1",
		PID:          100 + int64(i),
		Command:      "operator add",
		Args:         EncodeList([]string{"operator", "add", "op" + string(rune('a'+i)), "--role", "it"}),
		Outcome:      "ok",
		Objects:      EncodeList([]string{"operator:op" + string(rune('a'+i))}),
	}
}

func chain(n int) []*Entry {
	var out []*Entry
	prevSeq, prevHash := int64(0), GenesisHash
	for i := range n {
		e := entry(i)
		e.Seal(prevSeq, prevHash)
		prevSeq, prevHash = e.Seq, e.Hash
		out = append(out, e)
	}
	return out
}

func verify(entries []*Entry) error {
	v := NewVerifier()
	for _, e := range entries {
		if err := v.Check(e); err != nil {
			return err
		}
	}
	return nil
}

// verifyInSegments checks entries the way the store does for a long log:
// segments of size sequence numbers (some possibly empty), each checked on
// its own, then joined in order.
func verifyInSegments(entries []*Entry, size int64) (*Verifier, error) {
	var last int64
	for _, e := range entries {
		last = max(last, e.Seq)
	}
	v := NewVerifier()
	for lo := int64(1); lo <= max(last, 1); lo += size {
		s, sErr := NewSegment(), error(nil)
		for _, e := range entries {
			in := e.Seq >= lo && e.Seq < lo+size || lo == 1 && e.Seq < 1
			if in && sErr == nil {
				sErr = s.Check(e)
			}
		}
		if err := v.Join(s, sErr); err != nil {
			return v, err
		}
	}
	return v, nil
}

// The canonical encoding is frozen: changing it would make every existing
// store fail verification. This golden file changes only deliberately,
// with a new canonicalVersion.
func TestCanonicalEncodingIsFrozen(t *testing.T) {
	e := chain(2)[1]
	got := string(e.AppendCanonical(nil)) + "\n" + e.Hash + "\n"
	golden.Check(t, "canonical.golden", []byte(got))
}

func TestIntactChainVerifies(t *testing.T) {
	entries := chain(5)
	v := NewVerifier()
	for _, e := range entries {
		if err := v.Check(e); err != nil {
			t.Fatal(err)
		}
	}
	if seq, hash := v.Head(); seq != 5 || hash != entries[4].Hash || v.Count != 5 {
		t.Fatalf("head %d %s count %d", seq, hash, v.Count)
	}
}

func TestTamperingIsFound(t *testing.T) {
	tests := []struct {
		name   string
		tamper func([]*Entry) []*Entry
		want   string
	}{
		{"edited operator", func(c []*Entry) []*Entry { c[2].Operator = "mallory"; return c },
			"entry 3: its contents do not match its hash"},
		{"edited args", func(c []*Entry) []*Entry { c[1].Args = `["x"]`; return c },
			"entry 2: its contents do not match its hash"},
		{"deleted", func(c []*Entry) []*Entry { return append(c[:2], c[3:]...) },
			"entry 3: entries 3 to 3 are missing"},
		{"deleted and renumbered", func(c []*Entry) []*Entry {
			c = append(c[:2], c[3:]...)
			for i, e := range c {
				e.Seq = int64(i + 1)
			}
			return c
		}, "entry 3: it does not follow entry 2"},
		{"reordered", func(c []*Entry) []*Entry {
			c[1], c[2] = c[2], c[1]
			c[1].Seq, c[2].Seq = 2, 3
			return c
		}, "entry 2: it does not follow entry 1"},
		{"inserted with a recomputed hash", func(c []*Entry) []*Entry {
			forged := entry(9)
			forged.Seal(c[1].Seq, c[1].Hash)
			return append(c[:2], append([]*Entry{forged}, c[2:]...)...)
		}, "entry 4: sequence number 3 is out of order"},
		{"inserted with the rest renumbered", func(c []*Entry) []*Entry {
			forged := entry(9)
			forged.Seal(c[1].Seq, c[1].Hash)
			c = append(c[:2], append([]*Entry{forged}, c[2:]...)...)
			for i, e := range c {
				e.Seq = int64(i + 1)
			}
			return c
		}, "entry 4: it does not follow entry 3"},
		{"out of order", func(c []*Entry) []*Entry { c[0].Seq = 0; return c },
			"entry 1: sequence number 0 is out of order"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := verify(tt.tamper(chain(5)))
			if err == nil || errs.CodeOf(err) != errs.Integrity || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want integrity error containing %q", err, tt.want)
			}
			// Checked in segments, whatever their size, the first break
			// found and its message are the same.
			for size := int64(1); size <= 6; size++ {
				_, segErr := verifyInSegments(tt.tamper(chain(5)), size)
				if segErr == nil || segErr.Error() != err.Error() {
					t.Errorf("in segments of %d: got %v, want %v", size, segErr, err)
				}
			}
		})
	}
}

func TestIntactChainVerifiesInSegments(t *testing.T) {
	entries := chain(7)
	for size := int64(1); size <= 8; size++ {
		v, err := verifyInSegments(entries, size)
		if err != nil {
			t.Fatalf("segments of %d: %v", size, err)
		}
		if seq, hash := v.Head(); seq != 7 || hash != entries[6].Hash || v.Count != 7 {
			t.Fatalf("segments of %d: head %d %s count %d", size, seq, hash, v.Count)
		}
	}
}

// A deleted run that spans a seam, or a whole segment, is reported from
// its first missing entry, as one verifier reading the log would.
func TestMissingRunAcrossSegments(t *testing.T) {
	c := chain(10)
	c = append(c[:2], c[7:]...) // entries 3 to 7 deleted
	for size := int64(1); size <= 4; size++ {
		_, err := verifyInSegments(c, size)
		if err == nil || !strings.Contains(err.Error(), "entry 3: entries 3 to 7 are missing") {
			t.Errorf("segments of %d: %v", size, err)
		}
	}
}

// Moving bytes from one field to the next must change the hash: the length
// prefixes make the encoding unambiguous.
func TestCanonicalEncodingIsUnambiguous(t *testing.T) {
	a, b := entry(0), entry(0)
	a.RealOperator, a.Operator = "an", "aana"
	b.RealOperator, b.Operator = "ana", "ana"
	a.Seal(0, GenesisHash)
	b.Seal(0, GenesisHash)
	if a.Hash == b.Hash {
		t.Fatal("different fields, same hash")
	}
}

func TestCheckpoint(t *testing.T) {
	key := []byte("k")
	cp := &Checkpoint{Seq: 3, Hash: strings.Repeat("a", 64), Time: "2026-11-23T10:00:00.000000000Z", Org: "Example"}
	if err := cp.CheckSignature(nil); err != nil {
		t.Fatalf("unsigned, no key: %v", err)
	}
	if err := cp.CheckSignature(key); errs.CodeOf(err) != errs.Integrity {
		t.Fatalf("unsigned with a key set: %v", err)
	}
	cp.Sign(key)
	if err := cp.CheckSignature(key); err != nil {
		t.Fatal(err)
	}
	if err := cp.CheckSignature(nil); errs.CodeOf(err) != errs.Invalid {
		t.Fatalf("signed, no key: %v", err)
	}
	for _, edit := range []func(*Checkpoint){
		func(c *Checkpoint) { c.Seq++ },
		func(c *Checkpoint) { c.Hash = strings.Repeat("b", 64) },
		func(c *Checkpoint) { c.Time = "2027-01-01T00:00:00.000000000Z" },
		func(c *Checkpoint) { c.Org = "Other" },
	} {
		c := *cp
		edit(&c)
		if err := c.CheckSignature(key); errs.CodeOf(err) != errs.Integrity {
			t.Errorf("edited checkpoint passed: %+v", c)
		}
	}
	if err := cp.CheckAgainst(2, ""); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("truncation: %v", err)
	}
	if err := cp.CheckAgainst(5, strings.Repeat("c", 64)); err == nil || !strings.Contains(err.Error(), "does not match the checkpoint") {
		t.Fatalf("rewrite: %v", err)
	}
	if err := cp.CheckAgainst(5, cp.Hash); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseCheckpoint([]byte(`{"seq":1}`)); errs.CodeOf(err) != errs.Invalid {
		t.Fatalf("incomplete checkpoint: %v", err)
	}
}

// Entries timed before an earlier entry by more than MaxSkew are named,
// with the host and how far back; within the skew, or with the check
// off, none is. Checked in segments, the same entries are named when the
// bad clock's entries are each the earliest of their segment, and the
// count is the same whatever the split.
func TestClockSkewIsFlagged(t *testing.T) {
	at := func(e *Entry, s string) { e.At = s }
	build := func() []*Entry {
		var out []*Entry
		prevSeq, prevHash := int64(0), GenesisHash
		for i, when := range []string{
			"2026-11-23T10:00:00.000000000Z",
			"2026-11-23T10:05:00.000000000Z",
			"2026-11-23T10:04:30.000000000Z", // 30 s back: within a minute
			"2026-11-23T10:06:00.000000000Z",
			"2026-11-23T09:50:00.000000000Z", // 16 min back, host h2
			"2026-11-23T10:07:00.000000000Z",
		} {
			e := entry(i)
			at(e, when)
			if i == 4 {
				e.Host = "h2"
			}
			e.Seal(prevSeq, prevHash)
			prevSeq, prevHash = e.Seq, e.Hash
			out = append(out, e)
		}
		return out
	}
	want := []Skew{{Seq: 5, Host: "h2", Behind: 16 * time.Minute}}
	for size := int64(1); size <= 7; size++ {
		v := NewVerifier()
		v.MaxSkew = time.Minute
		entries := build()
		for lo := int64(1); lo <= 6; lo += size {
			s := v.Segment()
			for _, e := range entries {
				if e.Seq >= lo && e.Seq < lo+size {
					if err := s.Check(e); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := v.Join(s, nil); err != nil {
				t.Fatal(err)
			}
		}
		if !slices.Equal(v.Skews, want) || v.SkewCount != 1 {
			t.Errorf("segments of %d: %v (%d), want %v", size, v.Skews, v.SkewCount, want)
		}
	}
	v := NewVerifier()
	for _, e := range build() {
		if err := v.Check(e); err != nil {
			t.Fatal(err)
		}
	}
	if len(v.Skews) != 0 || v.SkewCount != 0 {
		t.Errorf("with the check off: %v", v.Skews)
	}
}
