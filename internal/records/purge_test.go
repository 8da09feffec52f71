package records

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/custos-dev/custos/internal/testutil/golden"
)

// The id set of a purge: runs, count, hash and the deletion batches cut
// from it, with the invariants beside the golden output: the batches
// cover exactly the set, in order, without overlap, and only equal sets
// hash equal.
func TestIDSetAndBatches(t *testing.T) {
	ms := func(ids ...int64) []Member {
		var out []Member
		for _, id := range ids {
			out = append(out, Member{ID: id, Content: id%10 == 7})
		}
		return out
	}
	cases := []struct {
		name string
		ids  []Member
		span int64
	}{
		{"empty", nil, 3},
		{"one run", ms(1, 2, 3, 4, 5, 6), 4},
		{"out of order, repeated", ms(6, 1, 3, 2, 2, 5, 4), 4},
		{"gaps", ms(1, 4, 5, 6, 100, 101, 250), 2},
		{"files split runs", ms(5, 6, 7, 8, 9), 10},
		{"{1,4}", ms(1, 4), 10},
		{"{2,3}", ms(2, 3), 10},
		{"largest id", []Member{{ID: 9223372036854775806}, {ID: 9223372036854775807}}, 1},
		{"largest id, wide span", []Member{{ID: 9223372036854775806}, {ID: 9223372036854775807}}, 4000},
	}
	var b bytes.Buffer
	hashes := map[string]string{}
	for _, c := range cases {
		s := NewIDSet(c.ids)
		fmt.Fprintf(&b, "%s: runs %v count %d max %d hash %.16s\n", c.name, s.Ranges, s.Count(), s.Max(), s.Hash())
		if prev, dup := hashes[s.Hash()]; dup && fmt.Sprint(NewIDSet(c.ids).Ranges) != prev {
			t.Errorf("%s hashes like a different set %s", c.name, prev)
		}
		hashes[s.Hash()] = fmt.Sprint(s.Ranges)
		var covered int64
		for cursor := int64(0); ; {
			lo, hi, ok := s.NextBatch(cursor, c.span)
			if !ok {
				break
			}
			if lo < cursor || hi <= lo {
				t.Fatalf("%s: batch (%d, %d] after cursor %d", c.name, lo, hi, cursor)
			}
			var n int64
			for _, r := range s.Ranges {
				n += max(0, min(r.Hi, hi)-max(r.Lo, lo+1)+1)
			}
			fmt.Fprintf(&b, "  batch (%d, %d]: %d ids\n", lo, hi, n)
			covered += n
			cursor = hi
		}
		if covered != s.Count() {
			t.Errorf("%s: batches cover %d of %d ids", c.name, covered, s.Count())
		}
		for _, m := range c.ids {
			if in, content := s.Contains(m.ID); !in || content != m.Content {
				t.Errorf("%s: member %d: in=%v, content=%v", c.name, m.ID, in, content)
			}
		}
		if in, _ := s.Contains(-1); in {
			t.Errorf("%s holds -1", c.name)
		}
	}
	if hashes[NewIDSet(ms(1, 4)).Hash()] == hashes[NewIDSet(ms(2, 3)).Hash()] {
		t.Error("{1,4} and {2,3} hash the same")
	}
	golden.Check(t, "idset.golden", b.Bytes())
}

// What a purge with --delete-files does with each kind of file, under
// roots /srv/rec and /data: one decision and one reason per case.
func TestDecideFile(t *testing.T) {
	roots := []string{"/srv/rec", "/data"}
	const sum = "aa"
	reg := FileFacts{Kind: FileRegular, Links: 1, SameDevice: true, SHA256: sum}
	with := func(f func(*FileFacts)) FileFacts { c := reg; f(&c); return c }
	cases := []struct {
		name    string
		loc     string
		sha     string
		facts   FileFacts
		resumed bool
	}{
		{"no location", "", sum, FileFacts{}, false},
		{"regular, matching", "/srv/rec/a.wav", sum, reg, false},
		{"uri", "s3://bucket/a.wav", sum, reg, false},
		{"relative", "rec/a.wav", sum, reg, false},
		{"outside the roots", "/etc/passwd", sum, reg, false},
		{"root prefix of another dir", "/srv/records/a.wav", sum, reg, false},
		{"dot-dot out of a root", "/srv/rec/../../etc/shadow", sum, reg, false},
		{"dot-dot inside a root", "/srv/rec/x/../a.wav", sum, reg, false},
		{"the root itself", "/srv/rec", sum, with(func(f *FileFacts) { f.Kind = FileDir }), false},
		{"missing", "/data/gone.wav", sum, FileFacts{Kind: FileMissing}, false},
		{"symlink", "/data/l.wav", sum, FileFacts{Kind: FileSymlink}, false},
		{"fifo", "/data/p", sum, FileFacts{Kind: FileFIFO}, false},
		{"device", "/data/d", sum, FileFacts{Kind: FileDevice}, false},
		{"socket", "/data/s", sum, FileFacts{Kind: FileSocket}, false},
		{"directory", "/data/dir", sum, FileFacts{Kind: FileDir}, false},
		{"unreachable", "/data/esc/x", sum, FileFacts{Kind: FileUnreachable}, false},
		{"hard link", "/data/h.wav", sum, with(func(f *FileFacts) { f.Links = 2 }), false},
		{"other file system", "/data/m.wav", sum, with(func(f *FileFacts) { f.SameDevice = false }), false},
		{"no catalogued hash", "/data/n.wav", "", reg, false},
		{"changed", "/data/c.wav", "bb", reg, false},
		{"zeroed, not resumed", "/data/z.wav", "bb", with(func(f *FileFacts) { f.Zeroed = true }), false},
		{"zeroed by a killed run", "/data/z.wav", "bb", with(func(f *FileFacts) { f.Zeroed = true }), true},
	}
	var b bytes.Buffer
	names := []string{"destroy", "none", "skip", "mismatch"}
	for _, c := range cases {
		d := DecideFile(&Record{Location: c.loc, SHA256: c.sha}, roots, c.facts, c.resumed)
		if d.Reason == "" {
			t.Errorf("%s: no reason", c.name)
		}
		fmt.Fprintf(&b, "%-28s %-8s %s\n", c.name, names[d.Action], d.Reason)
	}
	golden.Check(t, "decidefile.golden", b.Bytes())
}

func TestParseRoots(t *testing.T) {
	for in, want := range map[string]string{"": "[]", "/srv/rec, /data/": "[/srv/rec /data]", "/a/../b,/b": "[/b]"} {
		got, err := ParseRoots(in)
		if err != nil || fmt.Sprint(got) != want {
			t.Errorf("ParseRoots(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"/", "rel/dir", "/a,/b/../..", "/x\x01y"} {
		if _, err := ParseRoots(bad); err == nil {
			t.Errorf("ParseRoots(%q) accepted", bad)
		}
	}
}

// BuildIDSet is NewIDSet over two slices: the same runs for any members.
func TestBuildIDSetAgreesWithNewIDSet(t *testing.T) {
	for seed := range 200 {
		var ms []Member
		var ids, content []int64
		x := uint64(seed*7919 + 1)
		for range seed % 40 {
			x = x*6364136223846793005 + 1442695040888963407
			id, has := int64(x>>40)%30-3, x>>20%3 == 0
			ms = append(ms, Member{ID: id, Content: has})
			ids = append(ids, id)
			if has {
				content = append(content, id)
			}
		}
		if a, b := NewIDSet(ms), BuildIDSet(ids, content); fmt.Sprint(a.Ranges) != fmt.Sprint(b.Ranges) {
			t.Fatalf("seed %d: NewIDSet %v, BuildIDSet %v", seed, a.Ranges, b.Ranges)
		}
	}
}
