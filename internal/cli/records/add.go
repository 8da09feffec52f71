// records add: register one record.

package records

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/records"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/when"
)

// AddOptions are the inputs of `records add`.
type AddOptions struct {
	Factory                           *cmdutil.Factory
	Cmd                               *cobra.Command
	Output                            *cmdutil.Output
	Class, Created, Subject, Location string
	AllowPurged                       bool
	// CreatedAt is Created parsed, or now.
	CreatedAt time.Time
}

func newCmdAdd(f *cmdutil.Factory, runF func(*AddOptions) error) *cobra.Command {
	opts := &AddOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "add --class C [--created T] [--subject S] [--location L]",
		Short: "Register one record",
		Long: `Register one record in the catalogue. --created defaults to now. When
--location is a local file, its size and SHA-256 are recorded.`,
		Example: `  $ custos records add --class voice --created 2026-11-02T09:14:00Z --subject acme \
      --location /srv/calls/2026/11/02/0914-acme.wav`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			opts.Subject, opts.Location = strings.TrimSpace(opts.Subject), strings.TrimSpace(opts.Location)
			opts.CreatedAt = f.Now()
			if opts.Created != "" {
				t, err := when.ParseTime(opts.Created, time.Local)
				if err != nil {
					return errs.Invalidf("--created: %v", err)
				}
				opts.CreatedAt = t
			}
			if runF != nil {
				return runF(opts)
			}
			return addRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Class, "class", "", "the record's class (required)")
	cmd.Flags().StringVar(&opts.Created, "created", "", "when the record was created (default now)")
	cmd.Flags().StringVar(&opts.Subject, "subject", "", "who or what the record is about")
	cmd.Flags().StringVar(&opts.Location, "location", "", "the file path or URI of the record")
	cmd.Flags().BoolVar(&opts.AllowPurged, "allow-purged", false, "register a location a purge removed")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// addRun measures a local file at the location, checks the record and
// registers it, unless a purge removed that file.
func addRun(opts *AddOptions) error {
	f := opts.Factory
	r := &records.Record{Class: opts.Class, Subject: opts.Subject, Location: opts.Location, CreatedAt: opts.CreatedAt}
	if r.Location != "" && filepath.IsAbs(r.Location) {
		size, sum, _, err := fileFacts(r.Location)
		if err != nil && errs.CodeOf(err) == errs.Invalid {
			return errs.Invalidf("--location: %v", err)
		} else if err == nil {
			r.Size, r.SHA256 = size, sum
		}
	}
	if err := records.Validate(r); err != nil {
		return err
	}
	err := cmdutil.Run(f, opts.Cmd, store.Spec{Write: true}, func(tx store.Tx) error {
		if r.Location != "" && !opts.AllowPurged {
			if purged, err := tx.Records().LocationPurged(r.Location, r.SHA256); err != nil || purged {
				if purged {
					return errs.Conflictf("%s was purged; it is not registered again", r.Location).
						WithHint("add --allow-purged to register it as a new record")
				}
				return err
			}
		}
		ins, err := tx.Records().NewRecordInserter()
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
	if format := opts.Output.Format(); format != output.Table {
		return output.WriteResult(f.IO, format, recordResult(r))
	}
	_, err = fmt.Fprintf(f.IO.Out, "Added record %d (%s).\n", r.ID, r.Class)
	return err
}
