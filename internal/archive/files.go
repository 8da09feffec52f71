package archive

import (
	"archive/tar"
	"bufio"
	"cmp"
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
	"strconv"
	"strings"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/records"
)

// fileSum is the catalogued SHA-256 of a record whose file an archive
// holds: 40 bytes a file, sorted by id, where a map of strings took three
// times as much.
type fileSum struct {
	id  int64
	sum [32]byte
}

// fileWriter writes the tar of a purge's files: one entry per record, named
// by its id, in the order the records are archived. It is not compressed:
// recordings, mail archives and documents seldom shrink, and the copy
// should cost no more than reading the files.
type fileWriter struct {
	path         string
	f            *os.File
	buf          *bufio.Writer
	sum          hash.Hash
	tw           *tar.Writer
	count, bytes int64
}

func newFileWriter(path string) (*fileWriter, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	fw := &fileWriter{path: path, f: f, sum: sha256.New()}
	fw.buf = bufio.NewWriterSize(io.MultiWriter(f, fw.sum), 1<<20)
	fw.tw = tar.NewWriter(fw.buf)
	return fw, nil
}

// add copies src into the tar, hashing it as it goes, and checks the hash
// against the record's catalogued SHA-256.
func (fw *fileWriter) add(r *records.Record, src *os.File) error {
	fi, err := src.Stat()
	if err != nil {
		return err
	}
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if err := fw.tw.WriteHeader(&tar.Header{Name: strconv.FormatInt(r.ID, 10), Mode: 0o600, Size: fi.Size(),
		ModTime: fi.ModTime(), Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(fw.tw, h), io.LimitReader(src, fi.Size()))
	if err != nil {
		return fmt.Errorf("cannot archive the file of record %d: %w", r.ID, err)
	}
	if n != fi.Size() {
		return errs.Integrityf("the file of record %d (%s) changed size while it was archived; nothing was deleted", r.ID, r.Location)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != r.SHA256 {
		return errs.Integrityf("the file of record %d (%s) changed while it was archived (SHA-256 %s, catalogued %s); nothing was deleted",
			r.ID, r.Location, got, r.SHA256)
	}
	fw.count++
	fw.bytes += n
	return nil
}

// close finishes and syncs the tar and returns its SHA-256.
func (fw *fileWriter) close() (string, error) {
	if err := fw.tw.Close(); err != nil {
		return "", err
	}
	if err := fw.buf.Flush(); err != nil {
		return "", err
	}
	if err := fw.f.Sync(); err != nil {
		return "", err
	}
	if err := fw.f.Close(); err != nil {
		return "", err
	}
	return hex.EncodeToString(fw.sum.Sum(nil)), nil
}

func (fw *fileWriter) abort() {
	fw.f.Close()
	os.Remove(fw.path)
}

// verifyFiles reads the files tar of an archive back: its SHA-256 against
// the manifest, and every entry against the catalogued SHA-256 of its
// record (want, by id). Every record that says its file is archived must
// have exactly one entry. fn, if given, receives each entry's content.
func verifyFiles(path string, m *Manifest, want []fileSum, fn func(id int64, r io.Reader) error) error {
	f, err := os.Open(path)
	if err != nil {
		return errs.Integrityf("cannot read the files of the archive: %v", errors.Unwrap(err))
	}
	defer f.Close()
	sum := sha256.New()
	br := bufio.NewReaderSize(f, 1<<20)
	tr := tar.NewReader(io.TeeReader(br, sum))
	seen := map[int64]bool{}
	var bytes int64
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return errs.Integrityf("the files tar %s is damaged: %v", path, err)
		}
		id, err := strconv.ParseInt(hdr.Name, 10, 64)
		at, ok := slices.BinarySearchFunc(want, id, func(f fileSum, id int64) int { return cmp.Compare(f.id, id) })
		var wantSum string
		if ok {
			wantSum = hex.EncodeToString(want[at].sum[:])
		}
		if err != nil || !ok || seen[id] || hdr.Typeflag != tar.TypeReg {
			return errs.Integrityf("the files tar %s has an entry %q that no archived record names", path, hdr.Name)
		}
		seen[id] = true
		h := sha256.New()
		var r io.Reader = io.TeeReader(tr, h)
		if fn != nil {
			err = fn(id, r)
		}
		if _, cerr := io.Copy(io.Discard, r); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != wantSum {
			return errs.Integrityf("the files tar %s: the file of record %d has SHA-256 %s, catalogued %s", path, id, got, wantSum)
		}
		bytes += hdr.Size
	}
	// The tar's end blocks, and anything after them, count in its hash.
	if _, err := io.Copy(sum, br); err != nil {
		return errs.Integrityf("the files tar %s is damaged: %v", path, err)
	}
	if len(seen) != len(want) || int64(len(seen)) != m.FileCount || bytes != m.FileBytes {
		return errs.Integrityf("the files tar %s holds %d files, the archive names %d", path, len(seen), len(want))
	}
	if got := hex.EncodeToString(sum.Sum(nil)); got != m.FilesSHA256 {
		return errs.Integrityf("the files tar %s does not match its manifest: SHA-256 %s, manifest says %s", path, got, m.FilesSHA256)
	}
	return nil
}

var errBusyDir = errs.New(errs.Busy, "another purge is using the archive directory").WithHint("wait for it to finish, then run the purge again")

// Sweep removes what interrupted purges of this store (tag, the manifest's
// store) left in an archive directory: unfinished ".partial" files, and
// complete archives whose SHA-256 no recorded purge names (referenced),
// which no deletion rests on. An archive is known by its content, not its
// path, so archives moved or reached through another path are kept.
// Archives of other stores and files custos did not write are left alone.
// Call it holding LockDir, and read referenced after taking it.
func Sweep(dir, tag string, referenced map[string]bool) ([]string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(abs)
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, Prefix) || !e.Type().IsRegular() {
			continue
		}
		path := filepath.Join(abs, name)
		switch {
		case strings.HasSuffix(name, ".partial"):
		case strings.HasSuffix(name, ".manifest.json"):
			archive := strings.TrimSuffix(path, ".manifest.json") + Suffix
			var m Manifest
			if b, err := os.ReadFile(path); err != nil || json.Unmarshal(b, &m) != nil || m.Format != Format || m.Store == "" || m.Store != tag ||
				referenced[m.SHA256] {
				continue
			}
			for _, p := range []string{archive, FilesPath(archive)} {
				if os.Remove(p) == nil {
					removed = append(removed, p)
				}
			}
		default:
			continue
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return removed, err
		}
		removed = append(removed, path)
	}
	return removed, nil
}
