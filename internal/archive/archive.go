// Package archive writes and verifies the archives a purge makes before it
// deletes anything: the purged catalogue entries as gzip-compressed JSON
// Lines, and beside them a manifest with their count and the archive's
// SHA-256. Both are written to a temporary name, synced and renamed, so a
// reader never sees half a file, and verification reads everything back.
package archive

import (
	"bufio"
	"bytes"
	"cmp"
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
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/procs"
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
	// SumID is the sum of the record ids (kept for older readers).
	SumID int64 `json:"sum_id"`
	// SetSHA256 identifies the set of record ids the archive holds, and
	// which of them have their files in it (records.IDSet.Hash): the set
	// a purge deletes, and no other.
	SetSHA256 string `json:"set_sha256,omitempty"`
	// Files is the tar file beside the archive holding the records' files,
	// each named by its record id; FilesSHA256 its digest, FileCount and
	// FileBytes what it holds. Empty without --delete-files.
	Files       string `json:"files,omitempty"`
	FilesSHA256 string `json:"files_sha256,omitempty"`
	FileCount   int64  `json:"file_count,omitempty"`
	FileBytes   int64  `json:"file_bytes,omitempty"`
	Class       string `json:"class,omitempty"`
	AsOf        string `json:"as_of"`
	// Store identifies the store whose purge wrote the archive (the hash
	// of its first audit entry), so a sweep never removes another's.
	Store     string `json:"store,omitempty"`
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
	// Content: the archive's files tar holds the record's file.
	Content bool `json:"content,omitempty"`
}

// Writer writes one archive. Records are encoded and compressed by a
// goroutine of its own, so a purge reads the catalogue on one core while
// the archive is written on another.
type Writer struct {
	dir, name string
	f         *os.File
	buf       *bufio.Writer
	sum       hash.Hash
	gz        *gzip.Writer
	m         Manifest
	batch     []member
	work      chan []member
	// ids are the records added, content those whose files are in the
	// tar: 8 bytes a record, for the set the manifest names.
	ids, content []int64
	files        *fileWriter
	done         chan error
	stopped      bool
}

// writeBatch is how many records the encoder gets at a time.
const writeBatch = 512

// CheckDir refuses an archive directory that does not exist, so that a
// purge with a mistyped --archive fails on its first run, not on the first
// night something is due.
func CheckDir(dir string) error {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return errs.Invalidf("the archive directory %s is not a directory", dir).WithField("archive")
	}
	return nil
}

// member is one record handed to the encoder.
type member struct {
	r       *records.Record
	content bool
}

// Create starts an archive in dir named after the time. With files, the
// records' files go into a tar beside it (AddFile).
func Create(dir string, now time.Time, files bool) (*Writer, error) {
	if err := CheckDir(dir); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	// Never a name an archive already has: two purges in the same
	// nanosecond (or a clock set back) must not replace one another's.
	stamp := now.UTC().Format("20060102T150405.000000000Z")
	name := Prefix + stamp + Suffix
	for n := 2; exists(filepath.Join(abs, name)) || exists(ManifestPath(filepath.Join(abs, name))) || exists(FilesPath(filepath.Join(abs, name))); n++ {
		name = fmt.Sprintf("%s%s-%d%s", Prefix, stamp, n, Suffix)
	}
	f, err := os.OpenFile(filepath.Join(abs, name+".partial"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, errs.Invalidf("cannot write the archive: %v", err)
	}
	w := &Writer{dir: abs, name: name, f: f, sum: sha256.New()}
	if files {
		if w.files, err = newFileWriter(FilesPath(w.Path()) + ".partial"); err != nil {
			f.Close()
			os.Remove(filepath.Join(abs, name+".partial"))
			return nil, errs.Invalidf("cannot write the archive: %v", err)
		}
	}
	w.buf = bufio.NewWriterSize(io.MultiWriter(f, w.sum), 1<<20)
	// The fastest level: the archive is read back at once to verify it,
	// and a purge should cost little more than the delete it guards.
	w.gz, _ = gzip.NewWriterLevel(w.buf, gzip.BestSpeed)
	w.work, w.done = make(chan []member, 4), make(chan error, 1)
	procs.All() // the encoder runs beside the caller
	go w.encode()
	return w, nil
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// encode writes the batches it is sent, then closes the gzip stream. After
// an error it drains the rest and reports the error.
func (w *Writer) encode() {
	enc := json.NewEncoder(w.gz)
	var err error
	for batch := range w.work {
		for _, m := range batch {
			if err != nil {
				break
			}
			r := m.r
			err = enc.Encode(line{ID: r.ID, Class: r.Class, CreatedAt: r.CreatedAt.UTC().Format(time.RFC3339Nano), Subject: r.Subject,
				Location: r.Location, Size: r.Size, SHA256: r.SHA256, AddedAt: r.AddedAt.UTC().Format(time.RFC3339Nano), AddedBy: r.AddedBy,
				Content: m.content})
		}
	}
	if err == nil {
		err = w.gz.Close()
	}
	w.done <- err
}

// stop hands over the last batch (unless the archive is being discarded)
// and waits for the encoder.
func (w *Writer) stop(discard bool) error {
	if w.stopped {
		return nil
	}
	w.stopped = true
	if len(w.batch) > 0 && !discard {
		w.work <- w.batch
	}
	close(w.work)
	return <-w.done
}

// Path is where the archive will be once closed.
func (w *Writer) Path() string { return filepath.Join(w.dir, w.name) }

// Add archives one record's catalogue entry. The writer keeps r until
// Close: the caller must not change it. A write error shows at Close.
func (w *Writer) Add(r *records.Record) error { return w.add(r, false) }

func (w *Writer) add(r *records.Record, content bool) error {
	w.m.Count++
	w.m.SumID += r.ID
	w.ids = append(w.ids, r.ID)
	if content {
		w.content = append(w.content, r.ID)
	}
	w.batch = append(w.batch, member{r, content})
	if len(w.batch) == writeBatch {
		w.work <- w.batch
		w.batch = make([]member, 0, writeBatch)
	}
	return nil
}

// AddFile archives a record with its file, read from src (at its start)
// and hashed while copied: a file whose content no longer has the
// record's catalogued SHA-256 is an integrity failure, and the archive
// cannot be closed.
func (w *Writer) AddFile(r *records.Record, src *os.File) error {
	if w.files == nil {
		return errs.New(errs.Internal, "the archive was created without files")
	}
	if err := w.files.add(r, src); err != nil {
		return err
	}
	return w.add(r, true)
}

// Set is the set of record ids added so far.
func (w *Writer) Set() records.IDSet { return records.BuildIDSet(w.ids, w.content) }

// Abort removes the unfinished archive.
func (w *Writer) Abort() {
	w.stop(true)
	w.f.Close()
	os.Remove(filepath.Join(w.dir, w.name+".partial"))
	if w.files != nil {
		w.files.abort()
	}
}

// Close finishes the archive and writes its manifest; m supplies the scope
// and who made it. Every file is synced before it gets its name, the
// manifest last.
func (w *Writer) Close(m Manifest) (*Manifest, error) {
	if err := w.stop(false); err != nil {
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
	m.SetSHA256 = w.Set().Hash()
	if w.files != nil {
		sum, err := w.files.close()
		if err != nil {
			w.Abort()
			return nil, err
		}
		m.Files, m.FilesSHA256, m.FileCount, m.FileBytes = filepath.Base(FilesPath(w.Path())), sum, w.files.count, w.files.bytes
		if err := os.Rename(FilesPath(w.Path())+".partial", FilesPath(w.Path())); err != nil {
			return nil, err
		}
	}
	if err := os.Rename(filepath.Join(w.dir, w.name+".partial"), w.Path()); err != nil {
		return nil, err
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	if err := writeSynced(ManifestPath(w.Path()), append(b, '\n')); err != nil {
		return nil, err
	}
	return &m, syncDir(w.dir)
}

// The names of archive files: Prefix, the time, then Suffix for the
// catalogue entries, with the manifest and the files tar beside.
const (
	Prefix = "custos-purge-"
	Suffix = ".jsonl.gz"
)

// FilesPath is the tar of the records' files beside an archive.
func FilesPath(archive string) string {
	return strings.TrimSuffix(archive, Suffix) + ".files.tar"
}

// ManifestPath is the manifest beside an archive.
func ManifestPath(archive string) string {
	return strings.TrimSuffix(archive, Suffix) + ".manifest.json"
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
// every line decoded, the count, the id set and, when the archive holds
// the records' files, every file against its record's SHA-256. fn, if
// given, receives every record. It returns the set of ids the archive
// holds: the set a purge deletes. Any mismatch is an integrity failure
// (exit 6).
func Verify(archivePath string, fn func(*records.Record) error) (*Manifest, records.IDSet, error) {
	m, set, _, err := verify(archivePath, fn)
	return m, set, err
}

func verify(archivePath string, fn func(*records.Record) error) (*Manifest, records.IDSet, []fileSum, error) {
	var set records.IDSet
	if strings.HasSuffix(archivePath, ".manifest.json") {
		archivePath = strings.TrimSuffix(archivePath, ".manifest.json") + ".jsonl.gz"
	}
	mb, err := os.ReadFile(ManifestPath(archivePath))
	if err != nil {
		return nil, set, nil, errs.Invalidf("cannot read the manifest of %s: %v", archivePath, errors.Unwrap(err))
	}
	var m Manifest
	if err := json.Unmarshal(mb, &m); err != nil || m.Format != Format {
		return nil, set, nil, errs.Integrityf("%s is not a custos purge manifest", ManifestPath(archivePath))
	}
	f, err := os.Open(archivePath)
	if err != nil {
		return nil, set, nil, errs.Invalidf("cannot read the archive: %v", errors.Unwrap(err))
	}
	defer f.Close()
	sum := sha256.New()
	gz, err := gzip.NewReader(io.TeeReader(bufio.NewReaderSize(f, 1<<20), sum))
	if err != nil {
		return nil, set, nil, errs.Integrityf("archive %s is not gzip: %v", archivePath, err)
	}
	// One goroutine decompresses (and hashes) the file into batches of
	// lines; decoders take the batches. With fn, one decoder, this
	// goroutine, hands the records over in order; without, one per core.
	batches := make(chan *lineBatch, 8)
	stop := make(chan struct{})
	defer close(stop)
	var readErr error
	cores := procs.All()
	go func() {
		defer close(batches)
		readErr = readLines(gz, batches, stop)
	}()
	workers := 1
	if fn == nil {
		workers = cores
	}
	var mu sync.Mutex
	var count, sumID int64
	var all []int64
	var contents []fileSum
	bad, badAt := error(nil), int64(-1)
	decode := func() {
		var n, ids int64
		var ms []int64
		var sums []fileSum
		for b := range batches {
			at, err := b.decode(archivePath, fn, &n, &ids, &ms, &sums)
			if err != nil {
				mu.Lock()
				if badAt < 0 || at < badAt {
					bad, badAt = err, at
				}
				mu.Unlock()
			}
		}
		mu.Lock()
		count, sumID = count+n, sumID+ids
		all = append(all, ms...)
		contents = append(contents, sums...)
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for range workers - 1 {
		wg.Go(decode)
	}
	decode()
	wg.Wait()
	if bad != nil {
		return nil, set, nil, bad
	}
	if readErr != nil {
		return nil, set, nil, errs.Integrityf("archive %s is damaged after %d records: %v", archivePath, count, readErr)
	}
	if got := hex.EncodeToString(sum.Sum(nil)); got != m.SHA256 {
		return nil, set, nil, errs.Integrityf("archive %s does not match its manifest: SHA-256 %s, manifest says %s", archivePath, got, m.SHA256)
	}
	if count != m.Count || sumID != m.SumID {
		return nil, set, nil, errs.Integrityf("archive %s holds %d records, its manifest says %d", archivePath, count, m.Count)
	}
	slices.SortFunc(contents, func(a, b fileSum) int { return cmp.Compare(a.id, b.id) })
	withFiles := make([]int64, len(contents))
	for i, c := range contents {
		withFiles[i] = c.id
	}
	set = records.BuildIDSet(all, withFiles)
	if set.Count() != count {
		return nil, set, nil, errs.Integrityf("archive %s names a record more than once", archivePath)
	}
	// Archives written before the set was named carry no set hash; their
	// count and id sum were checked above.
	if m.SetSHA256 != "" && set.Hash() != m.SetSHA256 {
		return nil, set, nil, errs.Integrityf("archive %s does not hold the set of records its manifest names", archivePath)
	}
	if len(contents) > 0 || m.Files != "" {
		if m.Files != filepath.Base(FilesPath(archivePath)) {
			return nil, set, nil, errs.Integrityf("archive %s holds files but its manifest names no files tar beside it", archivePath)
		}
		if err := verifyFiles(FilesPath(archivePath), &m, contents, nil); err != nil {
			return nil, set, nil, err
		}
	}
	return &m, set, contents, nil
}

// ReadFiles hands fn each file the archive holds, by record id, after the
// whole archive, files included, was verified; a file that does not match
// on this second reading stops it with an integrity failure.
func ReadFiles(archivePath string, fn func(id int64, r io.Reader) error) error {
	m, _, contents, err := verify(archivePath, nil)
	if err != nil || m.Files == "" {
		return err
	}
	return verifyFiles(FilesPath(archivePath), m, contents, fn)
}

// lineBatch is a run of archive lines in one buffer: the non-blank lines,
// the first of which is line first (from 0) of the archive.
type lineBatch struct {
	data        []byte
	starts, end []int
	first       int64
}

// decode decodes every line of b, adding to the count and id sum, and
// handing each record to fn if given. After a bad line it stops and
// returns the error and the line's index in the archive.
func (b *lineBatch) decode(archivePath string, fn func(*records.Record) error, count, sumID *int64, ms *[]int64, sums *[]fileSum) (int64, error) {
	for i, start := range b.starts {
		var l line
		if err := json.Unmarshal(b.data[start:b.end[i]], &l); err != nil {
			at := b.first + int64(i)
			return at, errs.Integrityf("archive %s is damaged after %d records: %v", archivePath, at, err)
		}
		*count++
		*sumID += l.ID
		*ms = append(*ms, l.ID)
		if l.Content {
			var fs fileSum
			if n, err := hex.Decode(fs.sum[:], []byte(l.SHA256)); err != nil || n != len(fs.sum) {
				return b.first + int64(i), errs.Integrityf("archive %s: record %d holds its file but no valid SHA-256", archivePath, l.ID)
			}
			fs.id = l.ID
			*sums = append(*sums, fs)
		}
		if fn == nil {
			continue
		}
		created, err1 := time.Parse(time.RFC3339Nano, l.CreatedAt)
		added, err2 := time.Parse(time.RFC3339Nano, l.AddedAt)
		if err1 != nil || err2 != nil {
			return b.first + int64(i), errs.Integrityf("archive %s: record %d has an unreadable time", archivePath, l.ID)
		}
		if err := fn(&records.Record{ID: l.ID, Class: l.Class, CreatedAt: created, Subject: l.Subject, Location: l.Location,
			Size: l.Size, SHA256: l.SHA256, AddedAt: added, AddedBy: l.AddedBy}); err != nil {
			return b.first + int64(i), err
		}
	}
	return 0, nil
}

// readLines reads r to its end (so the gzip trailer is checked and every
// byte hashed) and sends its non-blank lines in batches of about 256 KB.
func readLines(r io.Reader, out chan<- *lineBatch, stop <-chan struct{}) error {
	br := bufio.NewReaderSize(r, 1<<20)
	var lines int64
	b := &lineBatch{}
	send := func() bool {
		select {
		case out <- b:
			b = &lineBatch{data: make([]byte, 0, 256<<10), first: lines}
			return true
		case <-stop:
			return false
		}
	}
	start := 0
	for {
		chunk, err := br.ReadSlice('\n')
		b.data = append(b.data, chunk...)
		if err == bufio.ErrBufferFull {
			continue // a line longer than the buffer: keep reading it
		}
		if len(bytes.TrimSpace(b.data[start:])) > 0 {
			b.starts, b.end = append(b.starts, start), append(b.end, len(b.data))
			lines++
		}
		start = len(b.data)
		if err == io.EOF {
			if len(b.starts) > 0 {
				send()
			}
			return nil
		}
		if err != nil {
			return err
		}
		if len(b.data) >= 256<<10 {
			if !send() {
				return nil
			}
			start = 0
		}
	}
}
