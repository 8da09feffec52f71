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
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/archive"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/records"
	"github.com/custos-dev/custos/internal/store"
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
	kind := "not a regular file"
	switch {
	case m&fs.ModeSymlink != 0:
		kind = "a symbolic link; register the file it points to"
	case m.IsDir():
		kind = "a directory; use records import --dir"
	case m&fs.ModeNamedPipe != 0:
		kind = "a FIFO"
	case m&fs.ModeDevice != 0:
		kind = "a device"
	case m&fs.ModeSocket != 0:
		kind = "a socket"
	}
	return errs.Invalidf("%s is %s", path, kind)
}

// checkRecord validates a record's fields (records.Validate).
func checkRecord(r *records.Record) error { return records.Validate(r) }

func newCmdAdd(f *cmdutil.Factory) *cobra.Command {
	var class, created, subject, location string
	var allowPurged bool
	var out *cmdutil.Output
	cmd := &cobra.Command{
		Use:   "add --class C [--created T] [--subject S] [--location L]",
		Short: "Register one record",
		Long: `Register one record in the catalogue. --created defaults to now. When
--location is a local file, its size and SHA-256 are recorded.`,
		Example: `  $ custos records add --class voice --created 2026-11-02T09:14:00Z --subject acme \
      --location /srv/calls/2026/11/02/0914-acme.wav`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			r := &records.Record{Class: class, Subject: strings.TrimSpace(subject), Location: strings.TrimSpace(location), CreatedAt: f.Now()}
			if created != "" {
				t, err := when.ParseTime(created, time.Local)
				if err != nil {
					return errs.Invalidf("--created: %v", err)
				}
				r.CreatedAt = t
			}
			if r.Location != "" && filepath.IsAbs(r.Location) {
				size, sum, _, err := fileFacts(r.Location)
				if err != nil && errs.CodeOf(err) == errs.Invalid {
					return errs.Invalidf("--location: %v", err)
				} else if err == nil {
					r.Size, r.SHA256 = size, sum
				}
			}
			if err := checkRecord(r); err != nil {
				return err
			}
			err := cmdutil.Run(f, cmd, store.Spec{Write: true}, func(tx *store.Tx) error {
				if r.Location != "" && !allowPurged {
					if purged, err := tx.LocationPurged(r.Location, r.SHA256); err != nil || purged {
						if purged {
							return errs.Conflictf("%s was purged; it is not registered again", r.Location).
								WithHint("add --allow-purged to register it as a new record")
						}
						return err
					}
				}
				ins, err := tx.NewRecordInserter()
				if err != nil {
					return err
				}
				if err := ins.Add(r, false); err != nil {
					return err
				}
				tx.Touch("record:" + strconv.FormatInt(r.ID, 10))
				_, err = ins.Close()
				return err
			})
			if err != nil {
				return err
			}
			if format := out.Format(); format != output.Table {
				return output.WriteObject(f.IO, format, recordColumns, recordRow(r)...)
			}
			_, err = fmt.Fprintf(f.IO.Out, "Added record %d (%s).\n", r.ID, r.Class)
			return err
		},
	}
	cmd.Flags().StringVar(&class, "class", "", "the record's class (required)")
	cmd.Flags().StringVar(&created, "created", "", "when the record was created (default now)")
	cmd.Flags().StringVar(&subject, "subject", "", "who or what the record is about")
	cmd.Flags().StringVar(&location, "location", "", "the file path or URI of the record")
	cmd.Flags().BoolVar(&allowPurged, "allow-purged", false, "register a location a purge removed")
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

func newCmdImport(f *cmdutil.Factory) *cobra.Command {
	var dir, class string
	var allowPurged bool
	var out *cmdutil.Output
	cmd := &cobra.Command{
		Use:   "import (FILE | - | --dir DIR --class C [--allow-purged])",
		Short: "Register many records from a file or a directory",
		Long: `Register records in bulk, in one transaction: a bad row is exit 2 naming
it, and nothing is imported; a killed import leaves nothing half-done, and
running it again imports the file.

FILE (or - for stdin) is CSV with a header row, or JSON Lines (detected
from the first character). Fields: class and created (required), subject,
location, size, sha256.

--dir DIR --class C registers every regular file under DIR: creation time
from its modification time, its size, its SHA-256 and its absolute path.
Files already registered are skipped, so the command can run again as new
files arrive, and so are files a purge removed from the catalogue (same
path and content), unless --allow-purged. Links, FIFOs, devices and
sockets are never opened.`,
		Example: `  $ custos records import calls-2026-11.csv
  $ export-chats --jsonl | custos records import -
  $ custos records import --dir /srv/recordings/2026-11 --class voice`,
		Args: func(cmd *cobra.Command, args []string) error {
			if dir != "" {
				return cmdutil.NoArgs(cmd, args)
			}
			return cmdutil.ExactArgs("FILE")(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			var n, skipped, purged int64
			var err error
			if dir != "" {
				n, skipped, purged, err = importDir(f, cmd, dir, class, allowPurged)
			} else {
				n, err = importFile(f, cmd, args[0])
			}
			if err != nil {
				return err
			}
			if format := out.Format(); format != output.Table {
				return output.WriteObject(f.IO, format, output.Cols("imported", "skipped", "purged"), n, skipped, purged)
			}
			if skipped > 0 || purged > 0 {
				_, err = fmt.Fprintf(f.IO.Out, "Imported %d record(s); skipped %d already registered and %d purged.\n", n, skipped, purged)
				return err
			}
			_, err = fmt.Fprintf(f.IO.Out, "Imported %d record(s).\n", n)
			return err
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "register the files under this directory")
	cmd.Flags().StringVar(&class, "class", "", "with --dir, the class of the files")
	cmd.Flags().BoolVar(&allowPurged, "allow-purged", false, "with --dir, register files a purge removed")
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// countingReader counts bytes for the progress bar, which reads the count
// from another goroutine.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func importFile(f *cmdutil.Factory, cmd *cobra.Command, path string) (int64, error) {
	var in io.Reader = f.IO.In
	var size int64
	if path != "-" {
		fh, err := os.Open(path)
		if err != nil {
			return 0, errs.Invalidf("cannot read %s: %v", path, errors.Unwrap(err))
		}
		defer fh.Close()
		if fi, err := fh.Stat(); err == nil {
			// Reading a directory fails only at the first read, as an
			// internal error; it is a wrong argument.
			if fi.IsDir() {
				return 0, errs.Invalidf("%s is a directory: to register the files under it, use --dir %s --class C", path, path)
			}
			size = fi.Size()
		}
		in = fh
	}
	cr := &countingReader{r: in}
	br := bufio.NewReaderSize(cr, 1<<20)
	var n int64
	err := cmdutil.Run(f, cmd, store.Spec{Write: true, Targets: []string{"import:" + filepath.Base(path)}}, func(tx *store.Tx) error {
		ins, err := tx.NewRecordInserter()
		if err != nil {
			return err
		}
		bar := f.IO.StartProgress("importing")
		defer bar.Done()
		err = pipeRecords(br, path, func(r *records.Record) error {
			if err := ins.Add(r, false); err != nil {
				return err
			}
			if ins.Pending()%8192 == 0 {
				bar.Set(cr.n.Load(), size)
			}
			return nil
		})
		if err != nil {
			return err
		}
		n, err = ins.Close()
		return err
	})
	return n, err
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
	return r, checkRecord(r)
}

func importDir(f *cmdutil.Factory, cmd *cobra.Command, dir, class string, allowPurged bool) (int64, int64, int64, error) {
	if err := records.ValidClass(class); err != nil {
		return 0, 0, 0, errs.Invalidf("--class: %v", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return 0, 0, 0, err
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		return 0, 0, 0, errs.Invalidf("--dir %s is not a directory", dir)
	}
	var n, skipped, purged int64
	err = cmdutil.Run(f, cmd, store.Spec{Write: true, Targets: []string{"import:" + abs}}, func(tx *store.Tx) error {
		ins, err := tx.NewRecordInserter()
		if err != nil {
			return err
		}
		bar := f.IO.StartProgress("registering files")
		defer bar.Done()
		err = filepath.WalkDir(abs, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return errs.Invalidf("cannot read %s: %v", path, err)
			}
			if !d.Type().IsRegular() {
				return nil
			}
			if known, err := tx.LocationRegistered(path); err != nil || known {
				if known {
					skipped++
				}
				return err
			}
			size, sum, mtime, err := fileFacts(path)
			if errs.CodeOf(err) == errs.Invalid {
				// Replaced by a link, FIFO or device since the walk saw it.
				skipped++
				return nil
			} else if err != nil {
				return errs.Invalidf("cannot read %s: %v", path, err)
			}
			if !allowPurged {
				if gone, err := tx.LocationPurged(path, sum); err != nil || gone {
					if gone {
						purged++
					}
					return err
				}
			}
			r := &records.Record{Class: class, CreatedAt: mtime, Location: path, Size: size, SHA256: sum}
			if err := checkRecord(r); err != nil {
				return errs.Invalidf("%s: %v", path, err)
			}
			bar.Set(ins.Pending()+1, 0)
			return ins.Add(r, false)
		})
		if err != nil {
			return err
		}
		n, err = ins.Close()
		return err
	})
	return n, skipped, purged, err
}

var recordColumns = output.Cols("id", "class", "created_at", "subject", "location", "size", "sha256", "added_at", "added_by")

func recordRow(r *records.Record) []any {
	return []any{r.ID, r.Class, r.CreatedAt, r.Subject, r.Location, r.Size, r.SHA256, r.AddedAt, r.AddedBy}
}

func newCmdList(f *cmdutil.Factory) *cobra.Command {
	var class, asOf string
	var due, held bool
	var out *cmdutil.Output
	cmd := &cobra.Command{
		Use:   "list [--class C] [--due] [--held]",
		Short: "List records",
		Long: `List records by class and creation time; the list streams, whatever the
size of the catalogue. --due lists the records past their retention and
under no hold (as of now, or --as-of), with the reason; --held lists the
records an active hold covers.`,
		Example: `  $ custos records list --class voice --due
  $ custos records list --held -o csv > held.csv`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if due && held {
				return errs.Invalidf("--due and --held exclude each other")
			}
			filter := store.RecordFilter{Class: class, Due: due, Held: held, AsOf: f.Now()}
			if asOf != "" {
				t, err := when.ParseTime(asOf, time.Local)
				if err != nil {
					return errs.Invalidf("--as-of: %v", err)
				}
				filter.AsOf = t
			}
			format := out.Format()
			cols := recordColumns
			if due {
				cols = append(cols[:len(cols):len(cols)], output.Column{Name: "reason"})
			}
			w := output.NewList(f.IO, format, cols)
			err := cmdutil.Run(f, cmd, store.Spec{}, func(tx *store.Tx) error {
				return tx.ListRecords(filter, func(r *records.Record, d records.Decision) error {
					row := recordRow(r)
					if due {
						row = append(row, d.Reason)
					}
					return w.Row(row...)
				})
			})
			if err != nil {
				return err
			}
			return w.Close()
		},
	}
	cmd.Flags().StringVar(&class, "class", "", "only this class")
	cmd.Flags().BoolVar(&due, "due", false, "only records past retention and under no hold")
	cmd.Flags().BoolVar(&held, "held", false, "only records under an active hold")
	cmd.Flags().StringVar(&asOf, "as-of", "", "with --due, decide as of this date or time")
	out = cmdutil.AddOutputFlag(f, cmd, output.Table, output.JSON, output.JSONL, output.CSV)
	return cmdutil.MarkStore(cmd)
}

func newCmdShow(f *cmdutil.Factory) *cobra.Command {
	var out *cmdutil.Output
	cmd := &cobra.Command{
		Use:     "show ID",
		Short:   "Show a record and what retention decides for it",
		Long:    "Show one record with the retention decision for it now: kept (and why: a hold, no schedule, not yet due) or due.",
		Example: `  $ custos records show 4711`,
		Args:    cmdutil.ExactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id < 1 {
				return errs.Invalidf("%q is not a record id", args[0])
			}
			var r *records.Record
			var d records.Decision
			err = cmdutil.Run(f, cmd, store.Spec{Targets: []string{"record:" + args[0]}}, func(tx *store.Tx) (err error) {
				if r, err = tx.GetRecord(id); err != nil {
					return err
				}
				schedules, err := tx.Schedules()
				if err != nil {
					return err
				}
				holds, err := tx.Holds(false)
				if err != nil {
					return err
				}
				d = records.Decide(r, schedules, holds, f.Now())
				return nil
			})
			if err != nil {
				return err
			}
			verdict := "keep"
			if d.Purge {
				verdict = "due for purging"
			}
			cols := append(recordColumns[:len(recordColumns):len(recordColumns)], output.Cols("retention", "reason")...)
			return output.WriteObject(f.IO, out.Format(), cols, append(recordRow(r), verdict, d.Reason)...)
		},
	}
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}
