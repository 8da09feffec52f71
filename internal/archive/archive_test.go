package archive

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/records"
)

func record(i int) *records.Record {
	t := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
	return &records.Record{ID: int64(i + 1), Class: "voice", CreatedAt: t, Subject: fmt.Sprintf("s%d \"q\" ü", i%7),
		Location: fmt.Sprintf("/srv/calls/%d.wav", i), Size: int64(i), SHA256: strings.Repeat("a", 64),
		AddedAt: t.Add(time.Hour), AddedBy: "ana"}
}

func write(t *testing.T, dir string, n int) *Manifest {
	t.Helper()
	w, err := Create(dir, time.Date(2026, 11, 23, 2, 15, 0, 0, time.UTC), false)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := w.Add(record(i)); err != nil {
			t.Fatal(err)
		}
	}
	m, err := w.Close(Manifest{Operator: "ana"})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Whatever the number of records, around the encoder's batch size and the
// reader's, every record comes back, in order, as it went in.
func TestRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, writeBatch - 1, writeBatch, writeBatch + 1, 5000} {
		dir := t.TempDir()
		m := write(t, dir, n)
		if m.Count != int64(n) {
			t.Fatalf("%d records: manifest count %d", n, m.Count)
		}
		var got []*records.Record
		vm, _, err := Verify(filepath.Join(dir, m.Archive), func(r *records.Record) error { got = append(got, r); return nil })
		if err != nil {
			t.Fatalf("%d records: %v", n, err)
		}
		if vm.SHA256 != m.SHA256 || len(got) != n {
			t.Fatalf("%d records: got %d back", n, len(got))
		}
		if _, _, err := Verify(filepath.Join(dir, m.Archive), nil); err != nil {
			t.Fatalf("%d records, in parallel: %v", n, err)
		}
		for i, r := range got {
			want := record(i)
			if !r.CreatedAt.Equal(want.CreatedAt) || !r.AddedAt.Equal(want.AddedAt) {
				t.Fatalf("record %d: times %v %v", i, r.CreatedAt, r.AddedAt)
			}
			r.CreatedAt, r.AddedAt = want.CreatedAt, want.AddedAt
			if *r != *want {
				t.Fatalf("record %d: got %+v, want %+v", i, r, want)
			}
		}
	}
}

// rewrite replaces an archive's content with body, gzip-compressed, and
// fixes its manifest's SHA-256, so that only what is inside is wrong.
func rewrite(t *testing.T, path string, body []byte, gz bool) {
	t.Helper()
	var buf bytes.Buffer
	if gz {
		zw := gzip.NewWriter(&buf)
		zw.Write(body)
		zw.Close()
	} else {
		buf.Write(body)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	mb, _ := os.ReadFile(ManifestPath(path))
	var m Manifest
	json.Unmarshal(mb, &m)
	sum := sha256.Sum256(buf.Bytes())
	m.SHA256 = hex.EncodeToString(sum[:])
	mb, _ = json.Marshal(m)
	os.WriteFile(ManifestPath(path), mb, 0o600)
}

func TestDamageIsFound(t *testing.T) {
	lines := func(n int) []byte {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		for i := range n {
			r := record(i)
			enc.Encode(line{ID: r.ID, Class: r.Class, CreatedAt: r.CreatedAt.Format(time.RFC3339Nano), AddedAt: r.AddedAt.Format(time.RFC3339Nano)})
		}
		return b.Bytes()
	}
	tests := []struct {
		name   string
		damage func(t *testing.T, path string)
		want   string
	}{
		{"a flipped byte", func(t *testing.T, path string) {
			b, _ := os.ReadFile(path)
			b[len(b)/2] ^= 0xff
			os.WriteFile(path, b, 0o600)
		}, "archive"},
		{"cut short", func(t *testing.T, path string) {
			b, _ := os.ReadFile(path)
			os.WriteFile(path, b[:len(b)-20], 0o600)
		}, "archive"},
		{"not gzip", func(t *testing.T, path string) { rewrite(t, path, []byte("plain text\n"), false) }, "is not gzip"},
		{"a line that is not JSON", func(t *testing.T, path string) {
			rewrite(t, path, append(lines(3), "{not json}\n"...), true)
		}, "damaged after 3 records"},
		{"a record missing", func(t *testing.T, path string) { rewrite(t, path, lines(2), true) }, "holds 2 records, its manifest says 3"},
		{"an unreadable time", func(t *testing.T, path string) {
			rewrite(t, path, bytes.Replace(lines(3), []byte(`"2019-01-01T00:00:00Z"`), []byte(`"yesterday"`), 1), true)
		}, "unreadable time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			m := write(t, dir, 3)
			path := filepath.Join(dir, m.Archive)
			tt.damage(t, path)
			_, _, err := Verify(path, func(*records.Record) error { return nil })
			if errs.CodeOf(err) != errs.Integrity || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an integrity error with %q", err, tt.want)
			}
			// Without fn (a purge's check) the lines decode in parallel;
			// only the times go unread.
			if tt.name != "an unreadable time" {
				_, _, err := Verify(path, nil)
				if errs.CodeOf(err) != errs.Integrity || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("without fn: got %v, want an integrity error with %q", err, tt.want)
				}
			}
		})
	}
}

// In a long archive, the first bad line is the one reported, whichever
// decoder finds which.
func TestFirstBadLineInParallel(t *testing.T) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for i := range 40000 {
		if i == 30000 || i == 35000 {
			b.WriteString("{broken\n")
			continue
		}
		enc.Encode(line{ID: int64(i + 1)})
	}
	dir := t.TempDir()
	m := write(t, dir, 1)
	path := filepath.Join(dir, m.Archive)
	rewrite(t, path, b.Bytes(), true)
	_, _, err := Verify(path, nil)
	if err == nil || !strings.Contains(err.Error(), "damaged after 30000 records") {
		t.Fatalf("got %v", err)
	}
}

// A line longer than the reader's buffer is read whole.
func TestLongLine(t *testing.T) {
	dir := t.TempDir()
	w, err := Create(dir, time.Now(), false)
	if err != nil {
		t.Fatal(err)
	}
	r := record(0)
	r.Subject = strings.Repeat("x", 3<<20)
	w.Add(r)
	w.Add(record(1))
	m, err := w.Close(Manifest{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	if _, _, err := Verify(filepath.Join(dir, m.Archive), func(r *records.Record) error { got = append(got, r.Subject); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(got[0]) != 3<<20 || got[1] != record(1).Subject {
		t.Fatalf("got %d records", len(got))
	}
}

// An aborted archive leaves nothing behind.
func TestAbort(t *testing.T) {
	dir := t.TempDir()
	w, err := Create(dir, time.Now(), false)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2000 {
		w.Add(record(i))
	}
	w.Abort()
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
}

// custos starts on one processor (package procs); writing an archive and
// reading it back take every processor the process may use, for the
// encoder beside the caller and the decoders.
func TestArchivesTakeEveryProcessor(t *testing.T) {
	runtime.SetDefaultGOMAXPROCS()
	all := runtime.GOMAXPROCS(0)
	t.Cleanup(runtime.SetDefaultGOMAXPROCS)
	dir := t.TempDir()
	runtime.GOMAXPROCS(1)
	m := write(t, dir, 10)
	if got := runtime.GOMAXPROCS(0); got != all {
		t.Fatalf("writing: GOMAXPROCS %d, want %d", got, all)
	}
	runtime.GOMAXPROCS(1)
	if _, _, err := Verify(filepath.Join(dir, m.Archive), nil); err != nil {
		t.Fatal(err)
	}
	if got := runtime.GOMAXPROCS(0); got != all {
		t.Fatalf("reading back: GOMAXPROCS %d, want %d", got, all)
	}
}
