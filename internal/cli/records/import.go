// records import: register many records in one transaction, from a CSV or
// JSON Lines file (or stdin) or from the files under a directory.

package records

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/iostreams"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/records"
	"github.com/custos-dev/custos/internal/store"
)

// ImportOptions are the inputs of `records import`: a file (Path, or "-"
// for stdin), or with Dir the files under a directory, of Class.
type ImportOptions struct {
	Factory     *cmdutil.Factory
	Cmd         *cobra.Command
	Output      *cmdutil.Output
	Path        string
	Dir, Class  string
	AllowPurged bool
}

func newCmdImport(f *cmdutil.Factory, runF func(*ImportOptions) error) *cobra.Command {
	opts := &ImportOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "import (FILE | - | --dir DIR --class C [--allow-purged])",
		Short: "Register many records from a file or a directory",
		Long: `Register records in bulk, all or nothing: every row is read and checked
first, and a bad row is exit 2 naming it, with nothing imported. The
import is then recorded, and its records are added in short batches, so
that other commands never wait long behind a large import. A killed
import is finished by the next records import, whoever runs it; running
the same import again finishes it rather than adding its rows twice.

FILE (or - for stdin) is CSV with a header row, or JSON Lines (detected
from the first character). Fields: class and created (required), subject,
location, size, sha256.

--dir DIR --class C registers every regular file under DIR: creation time
from its modification time, its size, its SHA-256 and its absolute path.
Files already registered are skipped, so the command can run again as new
files arrive, and so are files a purge removed from the catalogue (same
path and content), unless --allow-purged. Links, FIFOs, devices and
sockets are never opened.

--dry-run reads and checks every row as the real import does, and says
how many records it would import (and which interrupted import it would
finish first); it loads nothing.`,
		Example: `  $ custos records import calls-2026-11.csv
  $ export-chats --jsonl | custos records import -
  $ custos records import --dir /srv/recordings/2026-11 --class voice`,
		Args: func(cmd *cobra.Command, args []string) error {
			if opts.Dir != "" {
				return cmdutil.NoArgs(cmd, args)
			}
			return cmdutil.ExactArgs("FILE")(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			if opts.Dir != "" {
				if err := records.ValidClass(opts.Class); err != nil {
					return errs.Invalidf("--class: %v", err)
				}
			} else {
				opts.Path = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return importRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Dir, "dir", "", "register the files under this directory")
	cmd.Flags().StringVar(&opts.Class, "class", "", "with --dir, the class of the files")
	cmd.Flags().BoolVar(&opts.AllowPurged, "allow-purged", false, "with --dir, register files a purge removed")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	cmdutil.AddDryRunFlag(cmd)
	return cmdutil.MarkStore(cmd)
}

// ImportResult is what `records import` reports: the records imported, and
// with --dir the files skipped as already registered or purged.
type ImportResult struct {
	Imported int64 `json:"imported"`
	Skipped  int64 `json:"skipped"`
	Purged   int64 `json:"purged"`
}

func importRun(opts *ImportOptions) error {
	f, cmd := opts.Factory, opts.Cmd
	var n, skipped, purged int64
	var err error
	if opts.Dir != "" {
		n, skipped, purged, err = importDir(f, cmd, opts.Dir, opts.Class, opts.AllowPurged)
	} else {
		n, err = importFile(f, cmd, opts.Path)
	}
	if err != nil {
		return err
	}
	if format := opts.Output.Format(); format != output.Table {
		return output.WriteResult(f.IO, format, ImportResult{n, skipped, purged})
	}
	verb := "Imported"
	if cmdutil.IsDryRun(cmd) {
		verb = "Would import"
	}
	if skipped > 0 || purged > 0 {
		_, err = fmt.Fprintf(f.IO.Out, "%s %d record(s); skipped %d already registered and %d purged.\n", verb, n, skipped, purged)
		return err
	}
	_, err = fmt.Fprintf(f.IO.Out, "%s %d record(s).\n", verb, n)
	return err
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
	bar := f.IO.StartProgressIn("importing", iostreams.Bytes)
	defer bar.Done()
	var read int64
	return runImport(f, cmd, filepath.Base(path), func(tx store.Tx, add func(*records.Record) error) error {
		return pipeRecords(br, path, func(r *records.Record) error {
			if read++; read%8192 == 0 {
				bar.Set(cr.n.Load(), size)
			}
			return add(r)
		})
	}, loading(bar))
}

// loading reports an import's second step, loading the staged rows, as a
// phase of its own: the first counted bytes or files.
func loading(bar iostreams.Progress) func(done, total int64) {
	started := false
	return func(done, total int64) {
		if !started {
			bar.Phase("loading", "records", total)
			started = true
		}
		bar.Set(done, total)
	}
}

// runImport runs an import through the store's import service: rows are
// staged and checked first, then recorded, then loaded in short batches.
func runImport(f *cmdutil.Factory, cmd *cobra.Command, source string, rows func(store.Tx, func(*records.Record) error) error, progress func(done, total int64)) (int64, error) {
	inv, err := f.Invocation(cmd)
	if err != nil {
		return 0, err
	}
	spec, err := cmdutil.Permit(cmd, store.Spec{Write: true, Targets: []string{"import:" + source}})
	if err != nil {
		return 0, err
	}
	if cmdutil.IsDryRun(cmd) {
		spec.DryRun = true
		f.StartDryRun(cmd)
	}
	st, err := f.Store()
	if err != nil {
		return 0, err
	}
	res, err := st.RunImport(cmd.Context(), inv, spec, store.ImportRequest{
		Source:   source,
		Rows:     rows,
		Progress: progress,
		Notice: func(format string, args ...any) {
			fmt.Fprintf(f.IO.ErrOut, "custos: %s\n", output.Sanitize(fmt.Sprintf(format, args...)))
		},
	})
	if res != nil && res.Recorded {
		f.MarkRecorded()
	}
	if err != nil {
		return 0, err
	}
	if res.Resumed && spec.DryRun {
		fmt.Fprintf(f.IO.ErrOut, "custos: these rows are those of the interrupted import, which the real run would finish; they would not be imported again.\n")
	} else if res.Resumed {
		fmt.Fprintf(f.IO.ErrOut, "custos: these rows were those of the interrupted import, now finished; they were not imported again.\n")
	}
	return res.Imported, nil
}

func importDir(f *cmdutil.Factory, cmd *cobra.Command, dir, class string, allowPurged bool) (int64, int64, int64, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return 0, 0, 0, err
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		return 0, 0, 0, errs.Invalidf("--dir %s is not a directory", dir)
	}
	var skipped, purged int64
	bar := f.IO.StartProgressIn("registering", "files")
	defer bar.Done()
	var staged int64
	n, err := runImport(f, cmd, abs, func(tx store.Tx, add func(*records.Record) error) error {
		skipped, purged = 0, 0
		return filepath.WalkDir(abs, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return errs.Invalidf("cannot read %s: %v", path, err)
			}
			if !d.Type().IsRegular() {
				return nil
			}
			if known, err := tx.Records().LocationRegistered(path); err != nil || known {
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
				if gone, err := tx.Records().LocationPurged(path, sum); err != nil || gone {
					if gone {
						purged++
					}
					return err
				}
			}
			r := &records.Record{Class: class, CreatedAt: mtime, Location: path, Size: size, SHA256: sum}
			if err := records.Validate(r); err != nil {
				return errs.Invalidf("%s: %v", path, err)
			}
			staged++
			bar.Set(staged, 0)
			return add(r)
		})
	}, loading(bar))
	return n, skipped, purged, err
}
