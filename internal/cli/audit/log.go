package audit

import (
	"encoding/json"
	"fmt"
	"slices"
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
	Factory                   *cmdutil.Factory
	Cmd                       *cobra.Command
	Output                    *cmdutil.Output
	Since, Until              string
	Operator, Command, Object string
	Outcome                   string
	Limit                     int
}

var outcomes = []string{"ok", "invalid", "not_found", "denied", "conflict", "integrity", "busy", "error"}

func newCmdLog(f *cmdutil.Factory, runF func(*LogOptions) error) *cobra.Command {
	opts := &LogOptions{Factory: f}
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
			if runF != nil {
				return runF(opts)
			}
			return logRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Since, "since", "", "entries at or after this date, time or duration ago")
	fl.StringVar(&opts.Until, "until", "", "entries before this date, time or duration ago")
	fl.StringVar(&opts.Operator, "operator", "", "entries by this operator (real or effective)")
	fl.StringVar(&opts.Command, "command", "", "entries of this command or command group")
	fl.StringVar(&opts.Object, "object", "", "entries that touched this object, e.g. operator:alice")
	cmdutil.EnumFlag(fl, &opts.Outcome, "outcome", "", "", append([]string{""}, outcomes...), "entries with this outcome")
	fl.IntVar(&opts.Limit, "limit", 100, "show at most this many of the latest matching entries (0: all)")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

func logRun(opts *LogOptions) error {
	f := opts.Factory
	now := f.Now()
	filter := store.AuditFilter{Operator: opts.Operator, Command: strings.TrimSpace(opts.Command),
		Object: opts.Object, Outcome: opts.Outcome, Limit: opts.Limit}
	var err error
	if opts.Since != "" {
		if filter.Since, err = when.ParseTimeOrAgo(opts.Since, now, time.Local); err != nil {
			return errs.Invalidf("--since: %v", err)
		}
	}
	if opts.Until != "" {
		if filter.Until, err = when.ParseTimeOrAgo(opts.Until, now, time.Local); err != nil {
			return errs.Invalidf("--until: %v", err)
		}
	}
	if !filter.Since.IsZero() && !filter.Until.IsZero() && !filter.Until.After(filter.Since) {
		return errs.Invalidf("--until %s is not after --since %s: no entry can match", opts.Until, opts.Since).
			WithHint("a duration means that long ago: --since 30d --until 7d is from 30 days ago to 7 days ago")
	}
	if opts.Limit < 0 {
		return errs.Invalidf("--limit must be 0 (all) or more, got %d", opts.Limit)
	}
	format := opts.Output.Format()
	// notes (dry run, proxy) are read from the entry's sealed fields; the
	// log shows them so a dry run or a proxy approval is told apart at a
	// glance, while the export keeps exactly the stored fields.
	cols := append(slices.Clip(entryColumns), output.Cols("notes")...)
	short := format == output.Table && !opts.Output.Wide()
	if short {
		// Fitted to a terminal: who did what when, and how it went.
		cols = output.WideOnly(output.Cols("seq", "time", "operator", "command", "outcome", "note", "objects", "error"),
			"note", "objects", "error")
	}
	w := output.NewList(f.IO, format, cols)
	shown, more := 0, false
	err = cmdutil.Run(f, opts.Cmd, store.Spec{}, func(tx store.Tx) error {
		defer func() { more = shown == filter.Limit && filter.Limit > 0 && hasMore(tx, filter) }()
		return tx.Audit().AuditLog(filter, func(e *audit.Entry) error {
			shown++
			if !short {
				notes := e.Notes()
				if notes == nil {
					notes = []string{}
				}
				return w.Row(append(entryRow(e, format), notes)...)
			}
			who := e.Operator
			if e.RealOperator != e.Operator {
				who = e.RealOperator + " as " + e.Operator
			}
			return w.Row(e.Seq, e.Time(), who, e.Command, e.Outcome, strings.Join(e.Notes(), ", "), audit.DecodeList(e.Objects), e.Error)
		})
	})
	if err != nil {
		return err
	}
	if err := w.Close(); err != nil {
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
