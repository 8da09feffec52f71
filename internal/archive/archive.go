// Package archive writes and verifies the archives a purge makes before it
// deletes anything: the purged catalogue entries as gzip-compressed JSON
// Lines, and beside them a manifest with their count and the archive's
// SHA-256. Both are written to a temporary name, synced and renamed, so a
// reader never sees half a file, and verification reads everything back.
package archive

import (
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/records"
)

// Format names the archive format in every manifest.
const Format = "custos-purge-archive-v1"

// Manifest describes an archive.
type Manifest struct {
	Format string `json:"format"`
	// Archive is the archive's file name, beside the manifest.
	Archive string `json:"archive"`
	SHA256  string `json:"sha256"`
	Count   int64  `json:"count"`
	// SumID is the sum of the record ids, an order-independent check that
	// the archive holds the records the purge deletes.
	SumID     int64  `json:"sum_id"`
	Class     string `json:"class,omitempty"`
	AsOf      string `json:"as_of"`
	Operator  string `json:"operator"`
	Host      string `json:"host"`
	CreatedAt string `json:"created_at"`
}

// line is one record as archived.
type line struct {
	ID        int64  `json:"id"`
	Class     string `json:"class"`
	CreatedAt string `json:"created_at"`
	Subject   string `json:"subject"`
	Location  string `json:"location"`
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256"`
	AddedAt   string `json:"added_at"`
	AddedBy   string `json:"added_by"`
}

// Writer writes one archive.
type Writer struct {
	dir, name string
	f         *os.File
	buf       *bufio.Writer
	sum       hash.Hash
	gz        *gzip.Writer
	enc       *json.Encoder
	m         Manifest
}

// Create starts an archive in dir named after the time.
func Create(dir string, now time.Time) (*Writer, error) {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, errs.Invalidf("--archive %s is not a directory", dir)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	name := "custos-purge-" + now.UTC().Format("20060102T150405.000000000Z") + ".jsonl.gz"
	f, err := os.OpenFile(filepath.Join(abs, name+".partial"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, errs.Invalidf("cannot write the archive: %v", err)
	}
	w := &Writer{dir: abs, name: name, f: f, sum: sha256.New()}
	w.buf = bufio.NewWriterSize(io.MultiWriter(f, w.sum), 1<<20)
	// The fastest level: the archive is read back at once to verify it,
	// and a purge should cost little more than the delete it guards.
	w.gz, _ = gzip.NewWriterLevel(w.buf, gzip.BestSpeed)
	w.enc = json.NewEncoder(w.gz)
	return w, nil
}

// Path is where the archive will be once closed.
func (w *Writer) Path() string { return filepath.Join(w.dir, w.name) }

// Add archives one record.
func (w *Writer) Add(r *records.Record) error {
	w.m.Count++
	w.m.SumID += r.ID
	return w.enc.Encode(line{ID: r.ID, Class: r.Class, CreatedAt: r.CreatedAt.UTC().Format(time.RFC3339Nano), Subject: r.Subject,
		Location: r.Location, Size: r.Size, SHA256: r.SHA256, AddedAt: r.AddedAt.UTC().Format(time.RFC3339Nano), AddedBy: r.AddedBy})
}

// Abort removes the unfinished archive.
func (w *Writer) Abort() {
	w.f.Close()
	os.Remove(filepath.Join(w.dir, w.name+".partial"))
}

// Close finishes the archive and writes its manifest; m supplies the scope
// and who made it. Both files are synced before they get their names.
func (w *Writer) Close(m Manifest) (*Manifest, error) {
	if err := w.gz.Close(); err != nil {
		w.Abort()
		return nil, err
	}
	if err := w.buf.Flush(); err != nil {
		w.Abort()
		return nil, err
	}
	if err := w.f.Sync(); err != nil {
		w.Abort()
		return nil, err
	}
	if err := w.f.Close(); err != nil {
		return nil, err
	}
	m.Format, m.Archive, m.SHA256, m.Count, m.SumID = Format, w.name, hex.EncodeToString(w.sum.Sum(nil)), w.m.Count, w.m.SumID
	if err := os.Rename(filepath.Join(w.dir, w.name+".partial"), w.Path()); err != nil {
		return nil, err
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	if err := writeSynced(ManifestPath(w.Path()), append(b, '\n')); err != nil {
		return nil, err
	}
	return &m, syncDir(w.dir)
}

// ManifestPath is the manifest beside an archive.
func ManifestPath(archive string) string {
	return strings.TrimSuffix(archive, ".jsonl.gz") + ".manifest.json"
}

func writeSynced(path string, b []byte) error {
	tmp := path + ".partial"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Verify reads an archive back against its manifest: the file's SHA-256,
// every line decoded, the count and the id sum. fn, if given, receives
// every record. Any mismatch is an integrity failure (exit 6).
func Verify(archivePath string, fn func(*records.Record) error) (*Manifest, error) {
	if strings.HasSuffix(archivePath, ".manifest.json") {
		archivePath = strings.TrimSuffix(archivePath, ".manifest.json") + ".jsonl.gz"
	}
	mb, err := os.ReadFile(ManifestPath(archivePath))
	if err != nil {
		return nil, errs.Invalidf("cannot read the manifest of %s: %v", archivePath, errors.Unwrap(err))
	}
	var m Manifest
	if err := json.Unmarshal(mb, &m); err != nil || m.Format != Format {
		return nil, errs.Integrityf("%s is not a custos purge manifest", ManifestPath(archivePath))
	}
	f, err := os.Open(archivePath)
	if err != nil {
		return nil, errs.Invalidf("cannot read the archive: %v", errors.Unwrap(err))
	}
	defer f.Close()
	sum := sha256.New()
	gz, err := gzip.NewReader(io.TeeReader(bufio.NewReaderSize(f, 1<<20), sum))
	if err != nil {
		return nil, errs.Integrityf("archive %s is not gzip: %v", archivePath, err)
	}
	dec := json.NewDecoder(gz)
	var count, sumID int64
	for {
		var l line
		if err := dec.Decode(&l); err == io.EOF {
			break
		} else if err != nil {
			return nil, errs.Integrityf("archive %s is damaged after %d records: %v", archivePath, count, err)
		}
		count++
		sumID += l.ID
		if fn != nil {
			created, err1 := time.Parse(time.RFC3339Nano, l.CreatedAt)
			added, err2 := time.Parse(time.RFC3339Nano, l.AddedAt)
			if err1 != nil || err2 != nil {
				return nil, errs.Integrityf("archive %s: record %d has an unreadable time", archivePath, l.ID)
			}
			if err := fn(&records.Record{ID: l.ID, Class: l.Class, CreatedAt: created, Subject: l.Subject, Location: l.Location,
				Size: l.Size, SHA256: l.SHA256, AddedAt: added, AddedBy: l.AddedBy}); err != nil {
				return nil, err
			}
		}
	}
	io.Copy(io.Discard, gz) // the hash covers every byte, trailer included
	if got := hex.EncodeToString(sum.Sum(nil)); got != m.SHA256 {
		return nil, errs.Integrityf("archive %s does not match its manifest: SHA-256 %s, manifest says %s", archivePath, got, m.SHA256)
	}
	if count != m.Count || sumID != m.SumID {
		return nil, errs.Integrityf("archive %s holds %d records, its manifest says %d", archivePath, count, m.Count)
	}
	return &m, nil
}

// Destroy overwrites a file with zeros, syncs it and removes it, so that
// its content does not linger in free blocks of a simple file system. (On
// copy-on-write file systems and SSDs an overwrite may land elsewhere; full
// disk encryption is what makes deleted data unrecoverable there.) A file
// already gone is not an error; it reports whether a file was destroyed.
func Destroy(path string) (bool, error) {
	if strings.Contains(path, "://") || !filepath.IsAbs(path) {
		return false, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("cannot destroy %s: %w", path, err)
	}
	fi, err := f.Stat()
	if err == nil && fi.Mode().IsRegular() {
		zero := make([]byte, 64<<10)
		for left := fi.Size(); left > 0 && err == nil; left -= int64(len(zero)) {
			_, err = f.Write(zero[:min(int64(len(zero)), left)])
		}
		if err == nil {
			err = f.Sync()
		}
	}
	f.Close()
	if err != nil {
		return false, fmt.Errorf("cannot destroy %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, fmt.Errorf("cannot remove %s: %w", path, err)
	}
	return true, nil
}
