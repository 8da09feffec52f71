// Package output renders command results as a table, JSON, JSON Lines or
// CSV. Every command that prints data goes through it, so each format exists
// for every command and stored strings are escaped the same way everywhere.
//
// On a terminal a table has box drawing, upper-case headers and color; piped,
// it is plain columns aligned by display width (an East Asian wide character
// counts two cells). Given a width (the terminal's, or COLUMNS) a table
// fits it: columns marked Wide are left out, long free text is cut with
// "…", a hash shows its first HashPrefix characters; -o wide (SetWide) and
// --columns (SetColumns) choose otherwise. JSON field names are the
// columns' snake_case names.
package output

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/iostreams"
)

// Format is an output format.
type Format string

// The formats.
const (
	Table Format = "table"
	JSON  Format = "json"
	JSONL Format = "jsonl"
	CSV   Format = "csv"
)

// IsJSON reports whether f is JSON or JSON Lines: a single object is the
// same one line in both.
func (f Format) IsJSON() bool { return f == JSON || f == JSONL }

// Column describes one field of a result.
type Column struct {
	// Name is the snake_case JSON key and CSV header.
	Name string
	// Header is the table header; empty means Name in upper case with spaces.
	Header string
	// Whole marks a column whose values a reader copies into another
	// command (an ID, a username): a table never cuts them short. In a
	// table that streams, a value wider than its column pushes the rest
	// of its row out of line instead. Integers are always whole. The one
	// exception is a table fitted to a terminal that the Whole columns
	// alone would overflow: they give way, with "…", rather than wrap.
	Whole bool
	// Wide marks a column a table fitted to the terminal leaves out, to
	// keep the narrow and useful ones: -o wide shows it, --columns may
	// name it, and a table that is not fitted (piped, COLUMNS unset)
	// shows it as before.
	Wide bool
	// Hash marks a hex digest. A table fitted to the terminal shows its
	// first HashPrefix characters, as git shows a commit, rather than cut
	// it anywhere; -o wide, JSON and CSV carry it whole.
	Hash bool
}

// HashPrefix is how many characters of a Hash column a fitted table
// shows: git's short form, unique among millions of values.
const HashPrefix = 12

func (c Column) header() string {
	if c.Header != "" {
		return c.Header
	}
	return strings.ToUpper(strings.ReplaceAll(c.Name, "_", " "))
}

// Cols builds columns from names.
func Cols(names ...string) []Column {
	cols := make([]Column, len(names))
	for i, n := range names {
		cols[i] = Column{Name: n}
	}
	return cols
}

// Whole returns a copy of cols with the named columns marked Whole.
func Whole(cols []Column, names ...string) []Column {
	return mark(cols, names, func(c *Column) { c.Whole = true })
}

// WideOnly returns a copy of cols with the named columns marked Wide:
// left out of a table fitted to the terminal.
func WideOnly(cols []Column, names ...string) []Column {
	return mark(cols, names, func(c *Column) { c.Wide = true })
}

// Hashes returns a copy of cols with the named columns marked Hash.
func Hashes(cols []Column, names ...string) []Column {
	return mark(cols, names, func(c *Column) { c.Hash = true })
}

func mark(cols []Column, names []string, set func(*Column)) []Column {
	out := slices.Clone(cols)
	for _, n := range names {
		i := slices.IndexFunc(out, func(c Column) bool { return c.Name == n })
		if i < 0 {
			panic("output: no column " + n)
		}
		set(&out[i])
	}
	return out
}

// shown picks the columns a table or CSV shows, as indexes into cols:
// those --columns names, in its order (an unknown name is invalid
// input, naming the columns there are); else, for a table fitted to the
// terminal, those not marked Wide; else all (nil).
func shown(ios *iostreams.IOStreams, f Format, cols []Column) ([]int, error) {
	if names := ios.Columns(); len(names) > 0 {
		pick := make([]int, 0, len(names))
		for _, n := range names {
			i := slices.IndexFunc(cols, func(c Column) bool { return c.Name == n })
			if i < 0 {
				all := make([]string, len(cols))
				for k, c := range cols {
					all[k] = c.Name
				}
				return nil, errs.Invalidf("--columns: no column %q", n).WithHint("the columns are %s", strings.Join(all, ","))
			}
			pick = append(pick, i)
		}
		return pick, nil
	}
	if f != Table || !fitted(ios) {
		return nil, nil
	}
	var pick []int
	for i, c := range cols {
		if !c.Wide {
			pick = append(pick, i)
		}
	}
	if len(pick) == len(cols) || len(pick) == 0 {
		return nil, nil
	}
	return pick, nil
}

// fitted reports whether tables fit a width (TableWidth) rather than
// show every column whole.
func fitted(ios *iostreams.IOStreams) bool { return ios.TableWidth() > 0 && !ios.Wide() }

// picked returns the columns at pick, or cols when pick is nil.
func picked(cols []Column, pick []int) []Column {
	if pick == nil {
		return cols
	}
	out := make([]Column, len(pick))
	for k, i := range pick {
		out[k] = cols[i]
	}
	return out
}

// failed is the writer of a list whose output was asked for wrongly: it
// writes nothing and says why.
type failed struct{ err error }

func (w failed) Row(...any) error { return w.err }
func (w failed) Close() error     { return w.err }

// RowWriter receives the rows of a list, one value per column, and writes
// them in its format. Every format streams: JSON, JSON Lines and CSV row by
// row; a table holds back its first block of rows to size its columns, then
// cuts any longer cell of a later row to fit them.
type RowWriter interface {
	Row(values ...any) error
	Close() error
}

// NewList returns a writer for a list of rows in the format.
func NewList(ios *iostreams.IOStreams, f Format, cols []Column) RowWriter {
	pick, err := shown(ios, f, cols)
	if err != nil {
		ios.SetOutputErr(err)
		return failed{err}
	}
	switch f {
	case JSON:
		j := &jsonList{w: newBuffer(ios.Out), keys: objectKeys(cols)}
		ios.OnFlush(func() { j.w.Flush() })
		return j
	case JSONL:
		j := &jsonLines{w: newBuffer(ios.Out), keys: objectKeys(cols)}
		ios.OnFlush(func() { j.w.Flush() })
		return j
	case CSV:
		c := newCSV(ios, cols, pick)
		ios.OnFlush(func() { c.w.Flush() })
		return c
	default:
		return newTable(ios, cols, pick)
	}
}

// WriteObject writes one record: a JSON object, a CSV header and row, or on a
// table a two-column list of fields and values.
func WriteObject(ios *iostreams.IOStreams, f Format, cols []Column, values ...any) error {
	switch f {
	case JSON, JSONL:
		b, err := appendObject(nil, objectKeys(cols), values)
		if err != nil {
			return err
		}
		b = append(b, '\n')
		_, err = ios.Out.Write(b)
		return err
	}
	pick, err := shown(ios, f, cols)
	if err != nil {
		ios.SetOutputErr(err)
		return err
	}
	if f == CSV {
		w := newCSV(ios, cols, pick)
		if err := w.Row(values...); err != nil {
			return err
		}
		return w.Close()
	}
	if len(values) != len(cols) {
		return fmt.Errorf("output: %d values for %d columns", len(values), len(cols))
	}
	if len(ios.Columns()) == 0 {
		// The field view shows every field, those a fitted table leaves
		// out included: a long value wraps as one line.
		pick = nil
	}
	return writeFields(ios, picked(cols, pick), pickValues(nil, values, pick))
}

// pickValues appends the values at pick to dst, or all of them when pick
// is nil.
func pickValues(dst, values []any, pick []int) []any {
	if pick == nil {
		return append(dst, values...)
	}
	for _, i := range pick {
		dst = append(dst, values[i])
	}
	return dst
}

// Text formats a value for a table or CSV cell, escaped.
func Text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return Sanitize(x)
	case *string:
		if x == nil {
			return ""
		}
		return Sanitize(*x)
	case []string:
		parts := make([]string, len(x))
		for i, s := range x {
			parts[i] = Sanitize(s)
		}
		return strings.Join(parts, ",")
	case time.Time:
		if x.IsZero() {
			return ""
		}
		return x.UTC().Format(time.RFC3339)
	case *time.Time:
		if x == nil || x.IsZero() {
			return ""
		}
		return x.UTC().Format(time.RFC3339)
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case json.RawMessage:
		return Sanitize(string(x))
	case fmt.Stringer:
		return Sanitize(x.String())
	default:
		return Sanitize(fmt.Sprint(x))
	}
}

// jsonValue maps a value to what JSON should carry: times as RFC 3339 UTC
// with nanoseconds; empty times and strings as null.
func jsonValue(v any) any {
	switch x := v.(type) {
	case string:
		// A missing value is null in every command's JSON, never "" in
		// one and null in another: scripts test for one thing.
		if x == "" {
			return nil
		}
	case *string:
		if x == nil || *x == "" {
			return nil
		}
	case time.Time:
		if x.IsZero() {
			return nil
		}
		return x.UTC().Format(time.RFC3339Nano)
	case *time.Time:
		if x == nil || x.IsZero() {
			return nil
		}
		return x.UTC().Format(time.RFC3339Nano)
	case []string:
		if x == nil {
			return []string{}
		}
	}
	return v
}

// objectKeys returns, per column, what comes before its value in an
// object: the quoted name and a colon, after a comma from the second on.
// A list quotes its names once, not once per row.
func objectKeys(cols []Column) []string {
	keys := make([]string, len(cols))
	var b []byte
	for i, c := range cols {
		b = b[:0]
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, c.Name)
		keys[i] = string(append(b, ':'))
	}
	return keys
}

// appendObject encodes one object with its keys, from objectKeys, in
// column order.
func appendObject(b []byte, keys []string, values []any) ([]byte, error) {
	if len(values) != len(keys) {
		return nil, fmt.Errorf("output: %d values for %d columns", len(values), len(keys))
	}
	b = append(b, '{')
	for i, k := range keys {
		b = append(b, k...)
		var err error
		if b, err = appendValue(b, values[i]); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// MarshalJSON encodes v as JSON with HTML left alone and every character
// that could drive a terminal escaped.
func MarshalJSON(v any) ([]byte, error) { return marshal(v) }

func marshal(v any) ([]byte, error) {
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return escapeJSON([]byte(strings.TrimSuffix(sb.String(), "\n"))), nil
}

// jsonList streams a JSON array, one object per line.
type jsonList struct {
	w    *bufio.Writer
	keys []string
	n    int
}

func (j *jsonList) Row(values ...any) error {
	// Encode straight into the writer's free space: no copy when it fits.
	b := j.w.AvailableBuffer()
	if j.n == 0 {
		b = append(b, "[\n  "...)
	} else {
		b = append(b, ",\n  "...)
	}
	b, err := appendObject(b, j.keys, values)
	if err != nil {
		return flushWith(j.w, err)
	}
	j.n++
	_, err = j.w.Write(b)
	return err
}

func (j *jsonList) Close() error {
	if j.n == 0 {
		j.w.WriteString("[]\n")
	} else {
		j.w.WriteString("\n]\n")
	}
	return j.w.Flush()
}

// jsonLines streams one object per line.
type jsonLines struct {
	w    *bufio.Writer
	keys []string
}

func (j *jsonLines) Row(values ...any) error {
	b, err := appendObject(j.w.AvailableBuffer(), j.keys, values)
	if err != nil {
		return flushWith(j.w, err)
	}
	_, err = j.w.Write(append(b, '\n'))
	return err
}

// Close flushes: audit export --follow closes after every batch so that
// each batch reaches the reader at once.
func (j *jsonLines) Close() error { return j.w.Flush() }

// csvWriter streams CSV with a header row of column names, preceded by a
// byte-order mark when the streams ask for one.
type csvWriter struct {
	w      *csv.Writer
	out    *bufio.Writer
	bom    bool
	cols   []Column
	header bool
	rec    []string
	// all is how many values a row has; pick the ones written (--columns),
	// nil for all.
	all  int
	pick []int
}

func newCSV(ios *iostreams.IOStreams, cols []Column, pick []int) *csvWriter {
	// csv.NewWriter keeps a *bufio.Writer at least its default size as
	// is, so the CSV writer and the byte-order mark share one buffer.
	buf := newBuffer(ios.Out)
	shown := picked(cols, pick)
	return &csvWriter{w: csv.NewWriter(buf), out: buf, bom: ios.CSVBOM(), cols: shown, rec: make([]string, len(shown)), all: len(cols), pick: pick}
}

func (c *csvWriter) writeHeader() error {
	if c.header {
		return nil
	}
	c.header = true
	if c.bom {
		// c.w writes through c.out: the mark goes first into the same buffer.
		if _, err := c.out.WriteString("\ufeff"); err != nil {
			return err
		}
	}
	for i, col := range c.cols {
		c.rec[i] = col.Name
	}
	return c.w.Write(c.rec)
}

func (c *csvWriter) Row(values ...any) error {
	if len(values) != c.all {
		return flushWith(c.out, fmt.Errorf("output: %d values for %d columns", len(values), c.all))
	}
	if err := c.writeHeader(); err != nil {
		return err
	}
	if c.pick == nil {
		for i, v := range values {
			c.rec[i] = NeutraliseCell(Text(v))
		}
	} else {
		for k, i := range c.pick {
			c.rec[k] = NeutraliseCell(Text(values[i]))
		}
	}
	return c.w.Write(c.rec)
}

func (c *csvWriter) Close() error {
	if err := c.writeHeader(); err != nil {
		return err
	}
	c.w.Flush()
	return c.w.Error()
}

// Field is one key and value of an Object.
type Field struct {
	Key   string
	Value any
}

// Object is a JSON object whose keys keep their order, for nested results
// such as a record with its history. Values get the same treatment as in
// lists: times in RFC 3339 UTC, control characters escaped.
type Object []Field

// MarshalJSON encodes the fields in order.
func (o Object) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, f := range o {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, f.Key)
		b = append(b, ':')
		v, err := marshal(jsonValue(f.Value))
		if err != nil {
			return nil, err
		}
		b = append(b, v...)
	}
	return append(b, '}'), nil
}

// ObjectOf pairs columns with values.
func ObjectOf(cols []Column, values ...any) Object {
	o := make(Object, len(cols))
	for i, c := range cols {
		o[i] = Field{c.Name, values[i]}
	}
	return o
}

// Pairs builds an Object from alternating keys and values:
// Pairs("stage", "it", "operator", "ines").
func Pairs(kv ...any) Object {
	o := make(Object, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		o = append(o, Field{Key: kv[i].(string), Value: kv[i+1]})
	}
	return o
}

// With returns o with more fields appended, as Pairs takes them.
func (o Object) With(kv ...any) Object { return append(o, Pairs(kv...)...) }
