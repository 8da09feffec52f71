// Where records come from, for add and import: a local file measured (size,
// SHA-256, modification time) without following links or blocking, and
// the rows of a CSV or JSON Lines input, read on a goroutine of their own
// and checked by records.Validate.

package records

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/archive"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/procs"
	"github.com/custos-dev/custos/internal/records"
	"github.com/custos-dev/custos/internal/when"
)

// fileFacts measures a local regular file: size, SHA-256 and modification
// time. It looks with lstat before it opens anything, and opens without
// following a link and without blocking, so a FIFO or a device at the
// path is refused instead of hanging the command, and it checks that what
// it opened is the regular file it looked at.
func fileFacts(path string) (int64, string, time.Time, error) {
	li, err := os.Lstat(path)
	if err != nil {
		return 0, "", time.Time{}, err
	}
	if !li.Mode().IsRegular() {
		return 0, "", time.Time{}, errNotRegular(path, li.Mode())
	}
	f, err := archive.OpenNoFollow(path)
	if err != nil {
		return 0, "", time.Time{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, "", time.Time{}, err
	}
	if !fi.Mode().IsRegular() || !os.SameFile(fi, li) {
		return 0, "", time.Time{}, errNotRegular(path, fi.Mode())
	}
	h := sha256.New()
	n, err := io.Copy(h, f)
	return n, hex.EncodeToString(h.Sum(nil)), fi.ModTime(), err
}

// errNotRegular refuses a location that is not a regular file.
func errNotRegular(path string, m fs.FileMode) error {
	kind := map[string]string{
		records.FileSymlink: "a symbolic link; register the file it points to",
		records.FileDir:     "a directory; use records import --dir",
		records.FileFIFO:    "a FIFO",
		records.FileDevice:  "a device",
		records.FileSocket:  "a socket",
	}[records.KindOf(m)]
	if kind == "" {
		kind = "not a regular file"
	}
	return errs.Invalidf("%s is %s", path, kind)
}

// pipeRecords reads records on a goroutine of its own, in batches, while fn
// (the inserts) runs on this one: parsing and checking the rows take one
// core, SQLite the other. The first error wins, whichever side it comes
// from; after an error of fn it returns at once, and the reader stops at
// its next batch.
func pipeRecords(br *bufio.Reader, name string, fn func(*records.Record) error) error {
	const size = 1024
	batches := make(chan []*records.Record, 4)
	stop := make(chan struct{})
	defer close(stop)
	var readErr error
	procs.All()
	go func() {
		defer close(batches)
		batch := make([]*records.Record, 0, size)
		send := func() bool {
			select {
			case batches <- batch:
				batch = make([]*records.Record, 0, size)
				return true
			case <-stop:
				return false
			}
		}
		readErr = readRecords(br, name, func(r *records.Record) error {
			batch = append(batch, r)
			if len(batch) == size && !send() {
				return errStopped
			}
			return nil
		})
		if readErr == nil && len(batch) > 0 {
			send()
		}
	}()
	for batch := range batches {
		for _, r := range batch {
			if err := fn(r); err != nil {
				return err
			}
		}
	}
	return readErr
}

var errStopped = errors.New("stopped")

// readRecords reads CSV or JSON Lines, whichever the first character says.
// A leading byte-order mark (Excel's, or custos's own --bom) is skipped.
func readRecords(br *bufio.Reader, name string, fn func(*records.Record) error) error {
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		br.Discard(3)
	}
	for {
		b, err := br.Peek(1)
		if err == io.EOF {
			return errs.Invalidf("%s is empty", name)
		}
		if err != nil {
			return err
		}
		if b[0] == ' ' || b[0] == '\n' || b[0] == '\r' || b[0] == '\t' {
			br.ReadByte()
			continue
		}
		if b[0] == '{' {
			return readJSONL(br, name, fn)
		}
		return readCSV(br, name, fn)
	}
}

type jsonRecord struct {
	Class     string `json:"class"`
	Created   string `json:"created"`
	CreatedAt string `json:"created_at"`
	Subject   string `json:"subject"`
	Location  string `json:"location"`
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256"`
}

func rowError(name string, row int, err error) error {
	return errs.Invalidf("%s row %d: %v; nothing was imported", name, row, err)
}

// maxJSONLine is the longest JSON Lines record read. Exports with long
// subjects or locations pass 1 MiB; the buffer grows only as a line needs.
const maxJSONLine = 16 << 20

func readJSONL(br *bufio.Reader, name string, fn func(*records.Record) error) error {
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 64<<10), maxJSONLine)
	row := 1
	for ; sc.Scan(); row++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var jr jsonRecord
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&jr); err != nil {
			return rowError(name, row, err)
		}
		// Decode stops after the first value; anything after it on the
		// line is a malformed row, not something to ignore.
		if rest := strings.TrimSpace(line[dec.InputOffset():]); rest != "" {
			if rest[0] == '{' {
				return rowError(name, row, errors.New("the object is followed by another; put one object on each line"))
			}
			if len(rest) > 20 {
				rest = rest[:20] + "…"
			}
			return rowError(name, row, fmt.Errorf("the object is followed by %q", rest))
		}
		created := jr.Created
		if created == "" {
			created = jr.CreatedAt
		}
		r, err := makeRecord(jr.Class, created, jr.Subject, jr.Location, jr.Size, jr.SHA256)
		if err != nil {
			return rowError(name, row, err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if errors.Is(sc.Err(), bufio.ErrTooLong) {
		return rowError(name, row, fmt.Errorf("the line is longer than %d MiB", maxJSONLine>>20))
	}
	return sc.Err()
}

var csvFields = []string{"class", "created", "created_at", "subject", "location", "size", "sha256"}

func readCSV(br *bufio.Reader, name string, fn func(*records.Record) error) error {
	sh, err := cmdutil.NewSheet(br, name, csvFields, "class")
	if err != nil {
		return err
	}
	for {
		ok, err := sh.Next()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		created := sh.Get("created")
		if created == "" {
			created = sh.Get("created_at")
		}
		var size int64
		if s := sh.Get("size"); s != "" {
			if size, err = strconv.ParseInt(s, 10, 64); err != nil {
				return rowError(name, sh.Line, fmt.Errorf("size %q is not a number", s))
			}
		}
		r, err := makeRecord(sh.Get("class"), created, sh.Get("subject"), sh.Get("location"), size, sh.Get("sha256"))
		if err != nil {
			return rowError(name, sh.Line, err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
}

func makeRecord(class, created, subject, location string, size int64, sum string) (*records.Record, error) {
	r := &records.Record{Class: strings.TrimSpace(class), Subject: strings.TrimSpace(subject), Location: strings.TrimSpace(location),
		Size: size, SHA256: strings.TrimSpace(sum)}
	if strings.TrimSpace(created) == "" {
		return nil, errs.Invalidf("created is required")
	}
	t, err := when.ParseTime(strings.TrimSpace(created), time.UTC)
	if err != nil {
		return nil, err
	}
	r.CreatedAt = t
	return r, records.Validate(r)
}
