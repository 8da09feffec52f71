// records restore: purged catalogue entries, and their files, back from
// a verified archive.

package records

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/archive"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/records"
	"github.com/custos-dev/custos/internal/store"
)

// RestoreOptions are the inputs of `records restore`.
type RestoreOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
	// Path is the archive, also when its manifest was named.
	Path  string
	Files string
}

func newCmdRestore(f *cmdutil.Factory, runF func(*RestoreOptions) error) *cobra.Command {
	opts := &RestoreOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "restore ARCHIVE [--files DIR]",
		Short: "Bring purged catalogue entries (and their files) back from an archive",
		Long: `Verify an archive against its manifest, then put its catalogue entries
back under their old ids. Entries already in the catalogue are skipped, so
a restore can run again.

The whole archive is checked before anything is restored: its SHA-256, the
count and the set of record ids its manifest names, and, when the purge
archived the records' files, every file against its record's SHA-256
(exit 6 when anything disagrees). Every entry is validated as intake
validates it, and its id must be one this store assigned (exit 2). Either
way nothing is restored.

With --files DIR, the files the archive holds are written under DIR, at
their old absolute path below it (/srv/calls/a.wav comes back as
DIR/srv/calls/a.wav), never over an existing file, and the restored
entries point there. Restored records follow their schedules again: place
a hold first if they must stay.`,
		Example: `  $ custos records restore /srv/archive/custos/custos-purge-20261123T021500.000000000Z.jsonl.gz
  $ custos records restore /srv/archive/custos/custos-purge-20261123T021500.000000000Z.jsonl.gz --files /srv/restored`,
		Args: cmdutil.ExactArgs("ARCHIVE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd, opts.Path = cmd, args[0]
			if strings.HasSuffix(opts.Path, ".manifest.json") {
				opts.Path = strings.TrimSuffix(opts.Path, ".manifest.json") + archive.Suffix
			}
			if opts.Files != "" {
				if err := archive.CheckDir(opts.Files); err != nil {
					return errs.Invalidf("--files %s is not a directory", opts.Files)
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return restoreRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Files, "files", "", "write the archived files under this directory")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// RestoreResult is what `records restore` reports: the entries restored,
// those already in the catalogue, and the files written.
type RestoreResult struct {
	Restored int64 `json:"restored"`
	Skipped  int64 `json:"skipped"`
	Files    int64 `json:"files"`
}

// restoreRun verifies the whole archive, then restores the entries
// missing from the catalogue, and with --files their files.
func restoreRun(opts *RestoreOptions) error {
	f := opts.Factory
	var restored, skipped, files int64
	var written []string
	spec := store.Spec{Write: true, Targets: []string{"archive:" + strings.TrimSuffix(baseName(opts.Path), archive.Suffix)}}
	err := cmdutil.Run(f, opts.Cmd, spec, func(tx store.Tx) error {
		// The whole archive, files included, is verified first.
		if _, _, err := archive.Verify(opts.Path, nil); err != nil {
			return err
		}
		ins, err := tx.Records().NewRecordInserter()
		if err != nil {
			return err
		}
		// Every entry is validated, and which are missing from the
		// catalogue noted, before anything is written.
		todo := map[int64]string{}
		_, _, err = archive.Verify(opts.Path, func(r *records.Record) error {
			if err := records.Validate(r); err != nil {
				return errs.Invalidf("record %d in the archive: %v; nothing was restored", r.ID, err)
			}
			if err := ins.Assigned(r.ID); err != nil {
				return err
			}
			exists, err := tx.Records().RecordExists(r.ID)
			if err != nil || exists {
				if exists {
					skipped++
				}
				return err
			}
			todo[r.ID] = r.Location
			return nil
		})
		if err != nil {
			return err
		}
		moved := map[int64]string{}
		if opts.Files != "" {
			abs, err := filepath.Abs(opts.Files)
			if err != nil {
				return err
			}
			root, err := os.OpenRoot(abs)
			if err != nil {
				return errs.Invalidf("--files %s: %v", opts.Files, err)
			}
			defer root.Close()
			err = archive.ReadFiles(opts.Path, func(id int64, src io.Reader) error {
				loc, ok := todo[id]
				if !ok {
					return nil
				}
				dest, err := restoreFile(root, id, loc, src)
				if dest != "" {
					written = append(written, dest)
				}
				moved[id] = dest
				return err
			})
			if err != nil {
				return err
			}
		}
		_, _, err = archive.Verify(opts.Path, func(r *records.Record) error {
			if _, ok := todo[r.ID]; !ok {
				return nil
			}
			if err := records.Validate(r); err != nil {
				return err
			}
			if dest, ok := moved[r.ID]; ok {
				r.Location = dest
			}
			return ins.Add(r, true)
		})
		if err != nil {
			return err
		}
		restored, err = ins.Close()
		return err
	})
	if err != nil || cmdutil.IsDryRun(opts.Cmd) {
		// Nothing was restored (or, in a dry run, everything was
		// checked and rolled back): neither are the files.
		for _, p := range written {
			os.Remove(p)
		}
		if err != nil {
			return err
		}
	}
	files = int64(len(written))
	if format := opts.Output.Format(); format != output.Table {
		return output.WriteResult(f.IO, format, RestoreResult{restored, skipped, files})
	}
	filesNote := ""
	if opts.Files != "" {
		filesNote = fmt.Sprintf(" and %d file(s)", files)
	}
	_, err = fmt.Fprintf(f.IO.Out, "Restored %d record(s)%s; %d were already in the catalogue.\n", restored, filesNote, skipped)
	return err
}

// restoreFile writes an archived file under root, at its old absolute
// path below it (or named by its record id when the location was not a
// local path, or when another restored file already took that path),
// never over an existing file and never through a link out of root, and
// returns where it went.
func restoreFile(root *os.Root, id int64, loc string, src io.Reader) (string, error) {
	rel := strconv.FormatInt(id, 10)
	if filepath.IsAbs(loc) && !strings.Contains(loc, "://") {
		rel = strings.TrimPrefix(filepath.Clean(loc), string(filepath.Separator))
	}
	if err := root.MkdirAll(filepath.Dir(rel), 0o700); err != nil {
		return "", errs.Invalidf("cannot restore the file of record %d: %v", id, err)
	}
	fh, err := root.OpenFile(rel, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) && rel != strconv.FormatInt(id, 10) {
		// Two records named one file: the second comes back by its id.
		rel = strconv.FormatInt(id, 10)
		fh, err = root.OpenFile(rel, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	}
	if err != nil {
		return "", errs.Conflictf("cannot restore the file of record %d: %v", id, err).WithHint("restore into an empty directory")
	}
	dest := filepath.Join(root.Name(), rel)
	_, err = io.Copy(fh, src)
	if err == nil {
		err = fh.Sync()
	}
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return dest, errs.Wrap(errs.Internal, err, "cannot restore the file of record %d: %v", id, err)
	}
	return dest, nil
}

func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}
