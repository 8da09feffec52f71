package output

import (
	"bytes"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/olekukonko/tablewriter/pkg/twwidth"

	"github.com/custos-dev/custos/internal/iostreams"
)

// streamCols and streamRow make rows that mix ASCII, wide characters,
// accents, escapes and empty cells; row i of a block is never narrower
// than row i+blockRows. (No integers: a streamed table widens their
// columns, see TestIntegersAndWholeColumnsAreNeverCut.)
var streamCols = Cols("id", "name", "department", "note")

func streamRow(i int) []any {
	names := []string{"ana", "张伟", "Zoë", "佐藤 花子", "bob", ""}
	depts := []string{"Ops", "研发部", "", "Sales"}
	notes := []string{"", "x", "rtl\u202egnp", "a long note to end the row"}
	return []any{strconv.Itoa(i % blockRows), names[i%len(names)], depts[i%len(depts)], notes[i%len(notes)]}
}

// renderAll renders rows as one table the way a table that ends within
// its first block does, for comparison with a streamed one.
func renderAll(ios *iostreams.IOStreams, cols []Column, rows [][]any) string {
	headers := make([]string, len(cols))
	for i, c := range cols {
		headers[i] = c.header()
	}
	cells := make([][]string, len(rows))
	for i, r := range rows {
		cells[i] = make([]string, len(r))
		for j, v := range r {
			cells[i][j] = Text(v)
		}
	}
	var b bytes.Buffer
	if ios.IsStdoutTTY() {
		renderBoxed(ios, &b, headers, cells)
	} else {
		renderPlain(&b, newStyles(ios), headers, cells)
	}
	return b.String()
}

func writeTable(t *testing.T, ios *iostreams.IOStreams, cols []Column, rows [][]any) {
	t.Helper()
	w := NewList(ios, Table, cols)
	for _, r := range rows {
		if err := w.Row(r...); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// tableStreams are the four ways a table prints: piped or on a terminal,
// with color or without.
func tableStreams() map[string]func() (*iostreams.IOStreams, *bytes.Buffer) {
	mk := func(tty bool, color string) func() (*iostreams.IOStreams, *bytes.Buffer) {
		return func() (*iostreams.IOStreams, *bytes.Buffer) {
			ios, _, out, _ := iostreams.Test()
			ios.SetTTY(false, tty, false)
			ios.SetColorMode(color)
			return ios, out
		}
	}
	return map[string]func() (*iostreams.IOStreams, *bytes.Buffer){
		"piped": mk(false, "never"), "piped color": mk(false, "always"),
		"terminal": mk(true, "never"), "terminal color": mk(true, "always"),
	}
}

// Later rows that fit the widths of the first block come out exactly as
// rendering every row in one table (tablewriter's, for a boxed table)
// would print them: a streamed row lines up with the block above it.
func TestStreamedRowsLineUpWithTheBlock(t *testing.T) {
	for name, streams := range tableStreams() {
		for _, n := range []int{blockRows - 1, blockRows, blockRows + 1, 3*blockRows + 7} {
			rows := make([][]any, n)
			for i := range rows {
				rows[i] = streamRow(i)
			}
			ios, out := streams()
			writeTable(t, ios, streamCols, rows)
			ref, _ := streams()
			if want := renderAll(ref, streamCols, rows); out.String() != want {
				t.Errorf("%s, %d rows: streamed table differs from one rendering\ngot:\n%s\nwant:\n%s", name, n, out, want)
			}
		}
	}
}

// A later cell wider than its column is cut to it with "…"; every line of
// a boxed table keeps the width of the first, and in a plain one every
// column but the last starts where the header's does.
func TestLaterRowsAreCutToTheBlocksWidths(t *testing.T) {
	cols := Cols("name", "department", "reason")
	rows := [][]any{}
	for i := 0; i < blockRows; i++ {
		rows = append(rows, []any{"ana", "Ops", "short"})
	}
	long := []any{"bartholomew-the-second", "研发部研发部", "a reason far longer than the block's"}
	rows = append(rows, long)

	ios, _, out, _ := iostreams.Test()
	writeTable(t, ios, cols, rows)
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if got, want := lines[len(lines)-1], "bar…  研发部研…   a reason far longer than the block's"; got != want {
		t.Errorf("plain: last row %q, want %q", got, want)
	}
	if lines[0] != "NAME  DEPARTMENT  REASON" {
		t.Errorf("plain: header %q", lines[0])
	}

	ios, _, out, _ = iostreams.Test()
	ios.SetTTY(false, true, false)
	writeTable(t, ios, cols, rows)
	lines = strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if got, want := lines[len(lines)-2], "│ bar… │ 研发部研…  │ a rea… │"; got != want {
		t.Errorf("boxed: last row %q, want %q", got, want)
	}
	if !strings.HasPrefix(lines[len(lines)-1], "└") {
		t.Errorf("boxed: no bottom border after the last row: %q", lines[len(lines)-1])
	}
	for _, l := range lines {
		if twwidth.Width(l) != twwidth.Width(lines[0]) {
			t.Fatalf("boxed: ragged line %q in\n%s", l, out)
		}
	}
}

// A column of integers gets room for intWidth digits once a table
// streams, so that the larger IDs further down stay in line; an integer,
// or a value of a Whole column, is never cut: a longer one pushes the rest
// of its row out of line.
func TestIntegersAndWholeColumnsAreNeverCut(t *testing.T) {
	cols := Whole(Cols("id", "username", "name", "size"), "username")
	rows := [][]any{}
	for i := 1; i <= blockRows; i++ {
		rows = append(rows, []any{int64(i), "ana", "Ana", i})
	}
	rows = append(rows,
		[]any{int64(1234567890), "ana", "Ana", 7},
		[]any{int64(12345678901), "bartholomew", "Bartholomew", 7},
	)
	ios, _, out, _ := iostreams.Test()
	writeTable(t, ios, cols, rows)
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	for _, want := range []string{
		"ID          USERNAME  NAME  SIZE",
		"256         ana       Ana   256",
		"1234567890  ana       Ana   7",
		"12345678901  bartholomew  Bar…  7",
	} {
		if !slices.Contains(lines, want) {
			t.Errorf("plain: no line %q in\n%s", want, strings.Join(lines[len(lines)-4:], "\n"))
		}
	}

	ios, _, out, _ = iostreams.Test()
	ios.SetTTY(false, true, false)
	writeTable(t, ios, cols, rows)
	lines = strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	for _, want := range []string{
		"│ ID         │ USERNAME │ NAME │ SIZE       │",
		"│ 1          │ ana      │ Ana  │ 1          │",
		"│ 1234567890 │ ana      │ Ana  │ 7          │",
		"│ 12345678901 │ bartholomew │ Bar… │ 7          │",
	} {
		if !slices.Contains(lines, want) {
			t.Errorf("boxed: no line %q in\n%s\n...\n%s", want, strings.Join(lines[:5], "\n"), strings.Join(lines[len(lines)-4:], "\n"))
		}
	}
	for _, l := range lines[:len(lines)-2] {
		if twwidth.Width(l) != twwidth.Width(lines[0]) {
			t.Fatalf("boxed: ragged line %q", l)
		}
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  string
	}{
		{"abcdef", 4, "abc…"},
		{"abcdef", 1, "…"},
		{"张三丰", 4, "张…"},       // the second wide character would straddle the edge
		{"张三丰", 5, "张三…"},      // fits exactly
		{"a张三", 3, "a…"},       // 1 + 2 would leave no room for the mark
		{"Zoë Zoë", 4, "Zoë…"}, // precomposed ë
		{"Zoe\u0301 x", 4, "Zoe\u0301…"},
		{`rtl\u202egnp`, 6, `rtl…`},        // never half an escape
		{`rtl\u202egnp`, 10, `rtl\u202e…`}, // the whole escape, then the cut
		{`a\x1b]0;x`, 4, `a…`},
		{`a\x1b]0;x`, 6, `a\x1b…`},
		{`tab\there`, 6, `tab\t…`},
		{`DOMAIN\user`, 8, `DOMAIN\…`}, // a backslash that escapes nothing is a character
		{`bad\u12`, 6, `bad\u…`},       // not a whole escape: characters
	}
	for _, tt := range tests {
		got, w := truncate(tt.in, tt.width)
		if got != tt.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
		if w != twwidth.Width(got) || w > tt.width {
			t.Errorf("truncate(%q, %d): width %d for %q (display %d)", tt.in, tt.width, w, got, twwidth.Width(got))
		}
	}
}

// The time a table on a terminal holds its rows back is bounded: a row
// that comes blockWait after the first prints the block before it. Piped,
// only the number of rows counts, so the output never depends on timing.
func TestSlowRowsOnATerminalPrintAfterBlockWait(t *testing.T) {
	for _, tty := range []bool{true, false} {
		ios, _, out, _ := iostreams.Test()
		ios.SetTTY(false, tty, false)
		w := NewList(ios, Table, Cols("name")).(*table)
		now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		w.now = func() time.Time { return now }
		w.Row("ana")
		now = now.Add(blockWait)
		w.Row("bob")
		if printed := strings.Contains(out.String(), "ana"); printed != tty {
			t.Errorf("tty %v: first row printed before the block was full: %v\n%s", tty, printed, out)
		}
		w.Row("a name longer than the first")
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if tty && !strings.Contains(out.String(), "│ a n… │") {
			t.Errorf("a row after the printed block is not cut to its width:\n%s", out)
		}
		if !tty && !strings.Contains(out.String(), "a name longer than the first") {
			t.Errorf("piped, the whole table should be one block:\n%s", out)
		}
	}
}

// A listing that fails after its block was printed still shows the rows
// it had written when Main flushes the streams.
func TestStreamedRowsSurviveAnError(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	w := NewList(ios, Table, Cols("n"))
	for i := 0; i < blockRows+10; i++ {
		if err := w.Row(i); err != nil {
			t.Fatal(err)
		}
	}
	ios.Flush()
	if !strings.HasSuffix(out.String(), fmt.Sprintf("\n%d\n", blockRows+9)) {
		t.Fatalf("rows lost on flush: ...%q", out.String()[max(0, out.Len()-40):])
	}
}

// BenchmarkTableStream renders tables of 10,000 and 100,000 rows and
// reports live-B, the heap the table still holds just before its last row
// is closed: flat, about 70 KB (one block and a 64 KB buffer). A table
// that kept every row until the last held 1.7 MB at 10,000 and 17 MB at
// 100,000, and took 2.6 s piped and 19 s boxed for 100,000 (0.15 and 0.28
// s streamed), on the machine of docs/performance.md.
func BenchmarkTableStream(b *testing.B) {
	for _, tty := range []bool{false, true} {
		for _, n := range []int{10000, 100000} {
			b.Run(fmt.Sprintf("tty=%v/rows=%d", tty, n), func(b *testing.B) {
				var live uint64
				for b.Loop() {
					ios, _, _, _ := iostreams.Test()
					ios.Out = discard{}
					ios.SetTTY(false, tty, false)
					var before runtime.MemStats
					runtime.GC()
					runtime.ReadMemStats(&before)
					w := NewList(ios, Table, Cols("username", "name", "state", "type", "department", "position", "until", "clearance"))
					for i := 0; i < n; i++ {
						w.Row("user"+strconv.Itoa(i), "Some Body", "active", "employee", "Ops", "Engineer", "", "internal")
					}
					var after runtime.MemStats
					runtime.GC()
					runtime.ReadMemStats(&after)
					live = max(live, after.HeapAlloc-min(after.HeapAlloc, before.HeapAlloc))
					if err := w.Close(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(live), "live-B")
			})
		}
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
