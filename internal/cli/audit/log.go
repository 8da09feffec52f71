package audit

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/audit"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/when"
)

// LogOptions are the inputs of `audit log`.
type LogOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
	// Since and Until are --since and --until as times, zero when not
	// given.
	Since, Until              time.Time
	Operator, Command, Object string
	Outcome                   string
	Limit                     int
}

var outcomes = []string{"ok", "invalid", "not_found", "denied", "conflict", "integrity", "busy", "error"}

func newCmdLog(f *cmdutil.Factory, runF func(*LogOptions) error) *cobra.Command {
	opts := &LogOptions{Factory: f}
	var since, until string
	cmd := &cobra.Command{
		Use:   "log [flags]",
		Short: "Show audit log entries",
		Long: `Show the last --limit entries (100 by default, 0 for all) that match the
filters, oldest first. --since and --until take a date (YYYY-MM-DD, local
midnight), an RFC 3339 time, or a duration meaning that long ago (7d, 24h).
--operator matches the real or the effective operator; --command matches a
command or a group (operator); --object one object such as operator:alice.
The note column (notes in JSON) says "dry run" for an entry whose command
changed nothing because it was asked for a dry run, and "proxy" for an
approval given through --as by someone other than the operator it names;
both are read from the entry's sealed fields.`,
		Example: `  $ custos audit log --since 7d --outcome denied
  $ custos audit log --object operator:alice
  $ custos audit log --command operator --limit 0 -o csv > operators-history.csv`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			now := f.Now()
			var err error
			if since != "" {
				if opts.Since, err = when.ParseTimeOrAgo(since, now, time.Local); err != nil {
					return errs.Invalidf("--since: %v", err)
				}
			}
			if until != "" {
				if opts.Until, err = when.ParseTimeOrAgo(until, now, time.Local); err != nil {
					return errs.Invalidf("--until: %v", err)
				}
			}
			if !opts.Since.IsZero() && !opts.Until.IsZero() && !opts.Until.After(opts.Since) {
				return errs.Invalidf("--until %s is not after --since %s: no entry can match", until, since).
					WithHint("a duration means that long ago: --since 30d --until 7d is from 30 days ago to 7 days ago")
			}
			if opts.Limit < 0 {
				return errs.Invalidf("--limit must be 0 (all) or more, got %d", opts.Limit)
			}
			if runF != nil {
				return runF(opts)
			}
			return logRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&since, "since", "", "entries at or after this date, time or duration ago")
	fl.StringVar(&until, "until", "", "entries before this date, time or duration ago")
	fl.StringVar(&opts.Operator, "operator", "", "entries by this operator (real or effective)")
	fl.StringVar(&opts.Command, "command", "", "entries of this command or command group")
	fl.StringVar(&opts.Object, "object", "", "entries that touched this object, e.g. operator:alice")
	cmdutil.EnumFlag(fl, &opts.Outcome, "outcome", "", "", append([]string{""}, outcomes...), "entries with this outcome")
	fl.IntVar(&opts.Limit, "limit", 100, "show at most this many of the latest matching entries (0: all)")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// LogResult is an entry as audit log shows it: every field, then notes
// (dry run, proxy) read from the entry's sealed fields, so a dry run or a
// proxy approval is told apart at a glance, while the export keeps
// exactly the stored fields.
type LogResult struct {
	EntryResult
	Notes []string `json:"notes"`
}

// LogRow is an entry in a table fitted to the terminal: who did what
// when, and how it went. Who is "REAL as OPERATOR" when they differ.
type LogRow struct {
	Seq     int64     `json:"seq"`
	Time    time.Time `json:"time"`
	Who     string    `json:"operator"`
	Command string    `json:"command"`
	Outcome string    `json:"outcome"`
	Note    string    `json:"note" out:"wide"`
	Objects []string  `json:"objects" out:"wide"`
	Error   string    `json:"error" out:"wide"`
}

func logRun(opts *LogOptions) error {
	f := opts.Factory
	filter := store.AuditFilter{Since: opts.Since, Until: opts.Until, Operator: opts.Operator, Command: strings.TrimSpace(opts.Command),
		Object: opts.Object, Outcome: opts.Outcome, Limit: opts.Limit}
	format := opts.Output.Format()
	var each func(e *audit.Entry) error
	var close func() error
	if format == output.Table && !opts.Output.Wide() {
		w := output.NewResultList[LogRow](f.IO, format)
		each = func(e *audit.Entry) error {
			who := e.Operator
			if e.RealOperator != e.Operator {
				who = e.RealOperator + " as " + e.Operator
			}
			return w.Write(&LogRow{e.Seq, e.Time(), who, e.Command, e.Outcome, strings.Join(e.Notes(), ", "), audit.DecodeList(e.Objects), e.Error})
		}
		close = w.Close
	} else {
		w := output.NewResultList[LogResult](f.IO, format)
		each = func(e *audit.Entry) error {
			r := entryResult(e, format)
			notes := e.Notes()
			if notes == nil {
				notes = []string{}
			}
			return w.Write(&LogResult{r, notes})
		}
		close = w.Close
	}
	shown, more := 0, false
	err := cmdutil.Run(f, opts.Cmd, store.Spec{}, func(tx store.Tx) error {
		defer func() { more = shown == filter.Limit && filter.Limit > 0 && hasMore(tx, filter) }()
		return tx.Audit().AuditLog(filter, func(e *audit.Entry) error {
			shown++
			return each(e)
		})
	})
	if err != nil {
		return err
	}
	if err := close(); err != nil {
		return err
	}
	if more {
		// Said on stderr, so a script's output stays the entries alone.
		fmt.Fprintf(f.IO.ErrOut, "custos: showing the last %d matching entries; use --limit N for more, or --limit 0 for all\n", filter.Limit)
	}
	return nil
}

// hasMore reports whether entries older than the last filter.Limit match
// too: the listing was cut short.
func hasMore(tx store.Tx, filter store.AuditFilter) bool {
	n := 0
	filter.Limit++
	tx.Audit().AuditLog(filter, func(*audit.Entry) error { n++; return nil })
	return n == filter.Limit
}

// jsonRaw passes a stored JSON array through to JSON output unchanged.
func jsonRaw(s string) json.RawMessage {
	if json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	b, _ := json.Marshal(s)
	return b
}
