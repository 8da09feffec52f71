package store

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/records"
)

// stageSamples cover every field, zero and not, large and negative
// integers, long strings and times in other zones.
func stageSamples() []*records.Record {
	east := time.FixedZone("", 5*3600+30*60)
	return []*records.Record{
		{},
		{Class: "voice", CreatedAt: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), Subject: "a"},
		{ID: 1 << 40, Class: "mail", CreatedAt: time.Date(1999, 12, 31, 23, 59, 59, 999999999, east),
			Subject: string(bytes.Repeat([]byte("ß"), 300)), Location: "/srv/mail/x.eml", Size: -7,
			SHA256: "ab" + string(bytes.Repeat([]byte("0"), 62)), AddedAt: time.Date(2026, 11, 30, 1, 2, 3, 4, time.UTC), AddedBy: "ana"},
		{Size: 1<<63 - 1, AddedBy: "bo", AddedAt: time.Unix(0, 0).UTC()},
		{ID: -1, Location: "s3://b/k"},
	}
}

func readStaged(t *testing.T, data []byte) ([]*records.Record, bool, error) {
	t.Helper()
	sr, legacy, err := newStageReader(bufio.NewReader(bytes.NewReader(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out []*records.Record
	for {
		r, err := sr.next()
		if err == io.EOF {
			return out, legacy, nil
		}
		if err != nil {
			return out, legacy, err
		}
		out = append(out, r)
	}
}

func TestStagingFormatRoundTrips(t *testing.T) {
	want := stageSamples()
	b := []byte(stageMagic)
	for _, r := range want {
		b = appendStaged(b, r)
	}
	got, legacy, err := readStaged(t, b)
	if err != nil || legacy {
		t.Fatal(err, legacy)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	// Cut anywhere inside a record, it is damaged, not shorter.
	for cut := len(stageMagic) + 1; cut < len(b); cut += 7 {
		got, _, err := readStaged(t, b[:cut])
		if err == nil && len(got) != len(want) {
			// A cut on a record boundary reads fewer records cleanly;
			// RunImport knows the count and calls that damaged.
			continue
		}
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("cut at %d: %v", cut, err)
		}
	}
}

// The staging files of earlier versions, gob streams, are read without
// encoding/gob, to the same records gob itself decodes.
func TestLegacyGobStagingIsRead(t *testing.T) {
	want := stageSamples()
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	for _, r := range want {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	got, legacy, err := readStaged(t, buf.Bytes())
	if err != nil || !legacy {
		t.Fatal(err, legacy)
	}
	dec := gob.NewDecoder(bytes.NewReader(buf.Bytes()))
	for i := range want {
		var r records.Record
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got[i], &r) {
			t.Fatalf("record %d: got %+v\ngob decodes %+v", i, got[i], &r)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d", len(got), len(want))
	}
}

// An import interrupted under an earlier version, its rows staged as gob,
// is finished by this one; the same rows imported again are then that
// import, not a second copy.
func TestInterruptedLegacyImportIsFinishedNotRepeated(t *testing.T) {
	s := MustOpen(t)
	ctx := context.Background()
	const n = 5000
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	res, err := s.RunImport(cctx, inv("records import", "ana"), Spec{Write: true}, ImportRequest{
		Source: "a.csv", Rows: importRows(n, "a"),
		Progress: func(done, total int64) { cancel() },
	})
	if errs.CodeOf(err) != errs.Interrupted || res == nil || !res.Recorded {
		t.Fatalf("interrupted import: %v %+v", err, res)
	}
	// Make it what an earlier version left: the same rows, as gob, under
	// the gob stream's SHA-256.
	var sum string
	if err := s.db.QueryRow(`SELECT sha256 FROM imports WHERE id = 1`).Scan(&sum); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(s.stagePath(sum))
	if err != nil {
		t.Fatal(err)
	}
	rows, legacy, err := readStaged(t, data)
	if err != nil || legacy || len(rows) != n {
		t.Fatal(err, legacy, len(rows))
	}
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	for _, r := range rows {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	h := sha256.Sum256(buf.Bytes())
	old := hex.EncodeToString(h[:])
	if err := os.WriteFile(s.stagePath(old), buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Remove(s.stagePath(sum))
	if _, err := s.db.Exec(`UPDATE imports SET sha256 = $1 WHERE id = 1`, old); err != nil {
		t.Fatal(err)
	}

	res, err = s.RunImport(ctx, inv("records import", "ana"), Spec{Write: true}, ImportRequest{Source: "a.csv", Rows: importRows(n, "a")})
	if err != nil || !res.Resumed || res.Imported != n || len(res.Finished) != 1 {
		t.Fatalf("same rows again: %v %+v", err, res)
	}
	var c, subjects int
	s.db.QueryRow(`SELECT count(*), count(DISTINCT subject) FROM records`).Scan(&c, &subjects)
	if c != n || subjects != n {
		t.Fatalf("%d records, %d subjects, want %d", c, subjects, n)
	}
	if _, err := os.Stat(s.stagePath(old)); !os.IsNotExist(err) {
		t.Fatalf("staging file left: %v", err)
	}
	var first string
	s.db.QueryRow(`SELECT subject FROM records ORDER BY id LIMIT 1`).Scan(&first)
	if first != fmt.Sprintf("a-%d", 0) {
		t.Fatalf("first record %q", first)
	}
}

// A staging file cut short is damaged (exit 6), and nothing more is
// loaded from it.
func TestTruncatedStagingIsDamaged(t *testing.T) {
	s := MustOpen(t)
	ctx := context.Background()
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.RunImport(cctx, inv("records import", "ana"), Spec{Write: true}, ImportRequest{
		Source: "a.csv", Rows: importRows(5000, "a"),
		Progress: func(done, total int64) { cancel() },
	})
	var sum string
	var loaded int
	if err := s.db.QueryRow(`SELECT sha256, loaded FROM imports WHERE id = 1`).Scan(&sum, &loaded); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(s.stagePath(sum))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.stagePath(sum), data[:len(data)-10], 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = s.RunImport(ctx, inv("records import", "ana"), Spec{Write: true}, ImportRequest{Source: "b.csv", Rows: importRows(1, "b")})
	if errs.CodeOf(err) != errs.Integrity {
		t.Fatalf("got %v, want damaged", err)
	}
	var c int
	s.db.QueryRow(`SELECT count(*) FROM records WHERE subject LIKE 'b-%'`).Scan(&c)
	if c != 0 {
		t.Fatalf("%d records of b imported", c)
	}
}
