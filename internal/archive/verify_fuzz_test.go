package archive

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/records"
)

// FuzzVerify verifies mutated archives of three records. With body false
// the input replaces the archive file as it is, so its manifest no longer
// matches; with body true the input is the decompressed JSON Lines, and
// the archive is recompressed and the manifest's SHA-256 fixed, so only
// what is inside is wrong. Verify never panics; it returns an integrity
// error or a result that agrees with the manifest; and reading the records
// in order (fn) and checking them in parallel (no fn) agree, except that
// only the first reads the times.
func FuzzVerify(f *testing.F) {
	dir := f.TempDir()
	w, err := Create(dir, time.Date(2026, 11, 23, 2, 15, 0, 0, time.UTC), false)
	if err != nil {
		f.Fatal(err)
	}
	for i := range 3 {
		if err := w.Add(record(i)); err != nil {
			f.Fatal(err)
		}
	}
	m, err := w.Close(Manifest{Operator: "ana"})
	if err != nil {
		f.Fatal(err)
	}
	orig, err := os.ReadFile(filepath.Join(dir, m.Archive))
	if err != nil {
		f.Fatal(err)
	}
	manifest, err := json.Marshal(m)
	if err != nil {
		f.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(orig))
	if err != nil {
		f.Fatal(err)
	}
	body, err := io.ReadAll(zr)
	if err != nil {
		f.Fatal(err)
	}
	lines := bytes.SplitAfter(body, []byte("\n"))

	f.Add(orig, false)
	flipped := bytes.Clone(orig)
	flipped[len(flipped)/2] ^= 0xff
	f.Add(flipped, false)
	f.Add(orig[:len(orig)-20], false)
	f.Add(append(bytes.Clone(orig), orig...), false) // two gzip members
	f.Add([]byte("plain text\n"), false)
	f.Add(body, true)
	f.Add(append(bytes.Clone(body), "{not json}\n"...), true)
	f.Add(bytes.Join(lines[:2], nil), true)
	f.Add(bytes.Join([][]byte{lines[0], lines[0], lines[1], lines[2]}, nil), true)
	f.Add(bytes.Replace(body, []byte(`"2019-01-01T00:00:00Z"`), []byte(`"yesterday"`), 1), true)
	f.Add(bytes.Replace(body, []byte(`"id":2,`), []byte(`"id":2,"content":true,`), 1), true)
	f.Add(bytes.Replace(body, []byte(`"id":1,`), []byte(`"id":0,`), 1), true)
	f.Add(bytes.ReplaceAll(body, []byte("\n"), []byte("\n\n  \n")), true)

	f.Fuzz(func(t *testing.T, data []byte, body bool) {
		dir := t.TempDir()
		path := filepath.Join(dir, m.Archive)
		mb := manifest
		if body {
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			zw.Write(data)
			zw.Close()
			sum := sha256.Sum256(buf.Bytes())
			mm := *m
			mm.SHA256 = hex.EncodeToString(sum[:])
			mb, _ = json.Marshal(mm)
			data = buf.Bytes()
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(ManifestPath(path), mb, 0o600); err != nil {
			t.Fatal(err)
		}

		var got []*records.Record
		vm, set, err := Verify(path, func(r *records.Record) error { got = append(got, r); return nil })
		_, pset, perr := Verify(path, nil)
		for _, e := range []error{err, perr} {
			if e != nil && errs.CodeOf(e) != errs.Integrity {
				t.Fatalf("%v (code %v), want an integrity error", e, errs.CodeOf(e))
			}
		}
		if err == nil && perr != nil {
			t.Fatalf("records read in order verify, checked in parallel they do not: %v", perr)
		}
		if perr == nil && pset.Hash() != m.SetSHA256 {
			t.Fatalf("checked in parallel, the archive verifies with a set other than its manifest's")
		}
		if err != nil {
			return
		}
		if !body && !bytes.Equal(data, orig) {
			t.Fatalf("a changed archive verifies against the original manifest")
		}
		if vm.Count != m.Count || set.Count() != m.Count || int64(len(got)) != m.Count || set.Hash() != m.SetSHA256 {
			t.Fatalf("verified: manifest count %d, set of %d, %d records handed over; want %d and the manifest's set", vm.Count, set.Count(), len(got), m.Count)
		}
		var sumID int64
		for _, r := range got {
			if in, _ := set.Contains(r.ID); !in {
				t.Fatalf("record %d handed over, not in the set", r.ID)
			}
			sumID += r.ID
		}
		if sumID != m.SumID {
			t.Fatalf("ids handed over sum to %d, the manifest says %d", sumID, m.SumID)
		}
	})
}
