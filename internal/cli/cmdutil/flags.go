package cmdutil

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/store"
)

const (
	annotationStore  = "custos/store"
	annotationSecret = "custos/secret"
)

// MarkStore marks cmd as one that touches the store, so that Main records
// its refusal even when it fails before RunE (bad flags or arguments).
func MarkStore(cmd *cobra.Command) *cobra.Command {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[annotationStore] = "true"
	return cmd
}

// IsStore reports whether cmd touches the store.
func IsStore(cmd *cobra.Command) bool {
	return cmd != nil && cmd.Annotations[annotationStore] == "true"
}

// MarkSecret marks a flag whose value must never reach the audit log.
func MarkSecret(cmd *cobra.Command, name string) {
	f := cmd.Flags().Lookup(name)
	if f == nil {
		panic("cmdutil: no flag " + name)
	}
	if f.Annotations == nil {
		f.Annotations = map[string][]string{}
	}
	f.Annotations[annotationSecret] = []string{"true"}
}

// Redact returns argv with the values of secret flags replaced.
func Redact(cmd *cobra.Command, argv []string) []string {
	out := make([]string, len(argv))
	copy(out, argv)
	secret := func(name string) bool {
		f := cmd.Flags().Lookup(name)
		return f != nil && len(f.Annotations[annotationSecret]) > 0
	}
	for i := 0; i < len(out); i++ {
		a := out[i]
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "--") {
			continue
		}
		name, value, hasValue := strings.Cut(a[2:], "=")
		if name == "db" {
			// A PostgreSQL URL may carry a password: the log keeps the
			// rest of it.
			if hasValue {
				out[i] = "--db=" + store.RedactLocation(value)
			} else if i+1 < len(out) {
				out[i+1] = store.RedactLocation(out[i+1])
				i++
			}
			continue
		}
		if !secret(name) {
			continue
		}
		if hasValue {
			out[i] = "--" + name + "=<redacted>"
		} else if i+1 < len(out) {
			out[i+1] = "<redacted>"
			i++
		}
	}
	return out
}

// ExactArgs requires exactly the named positional arguments.
func ExactArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) < len(names):
			return errs.Invalidf("%s needs %s", CommandName(cmd), strings.Join(names[len(args):], " ")).
				WithHint("usage: %s", cmd.UseLine())
		case len(args) > len(names):
			return errs.Invalidf("%s takes %s, got %d: unexpected %q", CommandName(cmd), Count(len(names), "argument"), len(args), args[len(names)]).
				WithHint("usage: %s", cmd.UseLine())
		}
		return nil
	}
}

// NoArgs refuses positional arguments.
func NoArgs(cmd *cobra.Command, args []string) error { return ExactArgs()(cmd, args) }

// Group makes cmd a command group: alone it shows its help; with an
// argument it reports the unknown subcommand (exit 2) instead of cobra's
// silent help.
func Group(cmd *cobra.Command) *cobra.Command {
	cmd.Args = cobra.ArbitraryArgs
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if len(args) == 0 {
			return c.Help()
		}
		e := errs.Invalidf("unknown command %q for %q", args[0], c.CommandPath())
		if s := Suggest(c, args[0]); s != "" {
			return e.WithHint("%s", s)
		}
		return e.WithHint("run `%s --help` for its commands", c.CommandPath())
	}
	return cmd
}

// AddLimitFlag adds --limit N to a list command: only the first N rows,
// in the listing's order, which the store reads with a LIMIT rather than
// reading them all. Left out, target stays 0: every row. what names the
// rows in the flag's help ("accounts").
func AddLimitFlag(cmd *cobra.Command, target *int, what string) {
	cmd.Flags().IntVar(target, "limit", 0, "list only the first `N` "+what)
}

// CheckLimit refuses a --limit of 0 or less (exit 2). RunE calls it before
// runF, so that a parsing test sees the refusal.
func CheckLimit(cmd *cobra.Command, n int) error {
	if cmd.Flags().Changed("limit") && n <= 0 {
		return errs.Invalidf("--limit must be 1 or more, got %d", n)
	}
	return nil
}

// enumValue is a flag restricted to a set of values.
type enumValue struct {
	target  *string
	allowed []string
}

func (e *enumValue) String() string { return *e.target }
func (e *enumValue) Type() string   { return "string" }
func (e *enumValue) Set(v string) error {
	if !slices.Contains(e.allowed, v) {
		return fmt.Errorf("valid values are %s", strings.Join(nonEmpty(e.allowed), ", "))
	}
	*e.target = v
	return nil
}

// EnumFlag adds a string flag that accepts only the allowed values; an
// empty string among them means the flag may be left out.
func EnumFlag(fs *pflag.FlagSet, target *string, name, short, def string, allowed []string, usage string) {
	*target = def
	fs.VarP(&enumValue{target: target, allowed: allowed}, name, short,
		fmt.Sprintf("%s: {%s}", usage, strings.Join(nonEmpty(allowed), "|")))
}

func nonEmpty(list []string) []string {
	return slices.DeleteFunc(slices.Clone(list), func(s string) bool { return s == "" })
}

// Output is a command's -o flag, and --bom on a command that writes CSV.
type Output struct {
	f       *Factory
	flag    *pflag.Flag
	value   string
	allowed []output.Format
	bom     *pflag.Flag
	// fields, jq and columns are --json FIELDS, --jq EXPR and --columns
	// NAMES, where the command has them.
	fields, jq, columns *pflag.Flag
}

// wide is -o wide: a table with every column, each value whole.
const wide = "wide"

// AddOutputFlag adds -o/--output to cmd with the formats it supports; the
// first is the default unless the configuration names another allowed one.
func AddOutputFlag(f *Factory, cmd *cobra.Command, formats ...output.Format) *Output {
	if len(formats) == 0 {
		formats = []output.Format{output.Table, output.JSON, output.CSV}
	}
	if i := slices.Index(formats, output.JSON); i >= 0 && !slices.Contains(formats, output.JSONL) {
		// Every command that speaks JSON also writes JSON Lines: one
		// object per line, what `>> file.jsonl` from cron wants.
		formats = slices.Insert(slices.Clone(formats), i+1, output.JSONL)
	}
	o := &Output{f: f, allowed: formats}
	names := make([]string, 0, len(formats)+1)
	for _, fm := range formats {
		names = append(names, string(fm))
		if fm == output.Table {
			names = append(names, wide)
			o.allowed = append(slices.Clip(o.allowed), wide)
		}
	}
	EnumFlag(cmd.Flags(), &o.value, "output", "o", string(formats[0]), names, "output format")
	o.flag = cmd.Flags().Lookup("output")
	if slices.Contains(formats, output.Table) && cmd.Flags().Lookup("columns") == nil {
		cmd.Flags().StringSlice("columns", nil, "show only these table (or CSV) `columns`, in this order; -o wide shows them all")
		o.columns = cmd.Flags().Lookup("columns")
	}
	if slices.Contains(formats, output.CSV) {
		cmd.Flags().Bool("bom", false, "with -o csv, begin with a UTF-8 byte-order mark (for Excel)")
		o.bom = cmd.Flags().Lookup("bom")
	}
	if slices.Contains(formats, output.JSON) && cmd.Flags().Lookup("json") == nil {
		cmd.Flags().StringSlice("json", nil, "write JSON with only these `fields`, in this order (implies -o json)")
		o.fields = cmd.Flags().Lookup("json")
	}
	if slices.Contains(formats, output.JSON) && cmd.Flags().Lookup("jq") == nil {
		cmd.Flags().String("jq", "", "filter the JSON output with a jq `expression`; strings print bare (implies -o json)")
		o.jq = cmd.Flags().Lookup("jq")
	}
	if f.outputs == nil {
		f.outputs = map[*cobra.Command]*Output{}
	}
	f.outputs[cmd] = o
	return o
}

// Format resolves the format: the flag, else the configured default when
// this command supports it, else the command's default. It also applies
// the configured color choice and, for CSV, the byte-order mark (--bom,
// else the configuration's bom), so every CSV writer gets it.
func (o *Output) Format() output.Format {
	cfg, err := o.f.Config()
	format := output.Format(o.value)
	if !o.flag.Changed && err == nil && slices.Contains(o.allowed, output.Format(cfg.Output)) {
		format = output.Format(cfg.Output)
	}
	if format == wide {
		// Still a table to the command; the table shows every column.
		format = output.Table
		o.f.IO.SetWide(true)
	}
	fields, jq := o.fields != nil && o.fields.Changed, o.jq != nil && o.jq.Changed
	if fields || jq {
		if format != output.JSONL {
			format = output.JSON
		}
		if o.f.json == nil || !o.f.json.set {
			// A dry run may have started the capture already.
			o.f.captureJSON()
			o.f.json.set = true
			if fields {
				o.f.json.fields = o.fields.Value.(pflag.SliceValue).GetSlice()
			}
			if jq {
				o.f.json.jq = o.jq.Value.String()
				if err := o.f.json.parse(); err != nil {
					o.f.IO.SetOutputErr(err)
				}
			}
		}
	}
	if o.columns != nil && o.columns.Changed {
		names := o.columns.Value.(pflag.SliceValue).GetSlice()
		if format.IsJSON() {
			o.f.IO.SetOutputErr(errs.Invalidf("--columns is for tables and CSV").WithHint("choose JSON fields with --json FIELDS"))
		} else if len(names) == 0 || slices.Contains(names, "") {
			o.f.IO.SetOutputErr(errs.Invalidf("--columns needs column names, as in --columns id,username"))
		}
		o.f.IO.SetColumns(names)
	}
	if o.bom != nil {
		bom := err == nil && cfg.BOM
		if o.bom.Changed {
			bom = o.bom.Value.String() == "true"
		}
		o.f.IO.SetCSVBOM(bom)
	}
	return format
}

// Wide reports whether the table shows every column: -o wide, or
// --columns naming them. A command whose table has columns of its own
// (narrower than its JSON) gives it the JSON's columns then.
func (o *Output) Wide() bool {
	o.Format()
	return o.f.IO.Wide() || len(o.f.IO.Columns()) > 0
}

// FormatOf is the output format cmd would print in, for its error message;
// "" for a command without -o.
func (f *Factory) FormatOf(cmd *cobra.Command) output.Format {
	if o := f.outputs[cmd]; o != nil {
		if o.jq != nil && o.jq.Changed && !o.flag.Changed {
			// --jq's reader wants text, as from jq itself.
			return output.Table
		}
		return o.Format()
	}
	return ""
}

// FlagHint points a domain error about an input field at the flag of cmd
// that gives it ("give it with --reason"): domain errors speak of fields,
// which a CSV row or a flag may supply, and only the CLI knows which. An
// error with a hint of its own, or about a field cmd has no flag for, is
// returned as it is.
func FlagHint(cmd *cobra.Command, err error) error {
	var e *errs.Error
	if cmd == nil || !errors.As(err, &e) || e.Field == "" || e.Hint != "" || cmd.Flags().Lookup(e.Field) == nil {
		return err
	}
	e.Hint = "give it with --" + e.Field
	return err
}
