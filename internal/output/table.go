package output

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/custos-dev/custos/internal/iostreams"
)

// blockRows is how many rows a table holds back before it prints: the
// widths of its columns come from the headers and these rows. A table that
// ends within its first block prints exactly as if it had waited for its
// last row; a longer one streams, each later row fitted to those widths
// (tableStream), so memory stays flat and the first rows appear at once
// whatever the size.
const blockRows = 256

// blockWait is how long a table on a terminal holds back rows that come
// slowly before it prints the block it has.
const blockWait = 100 * time.Millisecond

// intWidth is the least width of a column of integers in a table that
// streams: the IDs of its first block are the smallest of a listing in ID
// order, and ten digits hold the IDs of a store of SPEC §11's size and
// record sizes up to 9 GB, so later rows stay in line. Integers are never
// cut (Column.Whole).
const intWidth = 10

// table holds back the first block of rows, then streams: with box
// drawing on a terminal, as plain aligned columns when piped.
type table struct {
	ios *iostreams.IOStreams
	// cols are the columns shown; a row has all values, of which pick
	// are shown (nil: all), copied into vals.
	cols []Column
	all  int
	pick []int
	vals []any
	// fit is the width the table fits (see fitBlock), 0 for none; cut
	// marks the columns fitBlock cut.
	fit int
	cut []bool
	// rows is the first block, until it is printed.
	rows [][]string
	// numeric, timed and textual count, per column, the integers, the
	// times and the other values that are not empty in the first block.
	numeric, timed, textual []int
	// first is when the first row of the block came; now reads the clock.
	first time.Time
	now   func() time.Time
	// stream prints the rows after the first block; nil until then.
	stream *tableStream
}

func newTable(ios *iostreams.IOStreams, cols []Column, pick []int) *table {
	shown := picked(cols, pick)
	t := &table{ios: ios, cols: shown, all: len(cols), pick: pick, now: time.Now,
		numeric: make([]int, len(shown)), timed: make([]int, len(shown)), textual: make([]int, len(shown))}
	if fitted(ios) {
		t.fit = ios.TableWidth()
		t.cut = make([]bool, len(shown))
	}
	return t
}

func (t *table) Row(values ...any) error {
	if len(values) != t.all {
		return fmt.Errorf("output: %d values for %d columns", len(values), t.all)
	}
	if t.pick != nil {
		t.vals = pickValues(t.vals[:0], values, t.pick)
		values = t.vals
	}
	if t.stream != nil {
		return t.stream.row(values)
	}
	if len(t.rows) == blockRows || t.ios.IsStdoutTTY() && len(t.rows) > 0 && t.now().Sub(t.first) >= blockWait {
		if err := t.start(); err != nil {
			return err
		}
		return t.stream.row(values)
	}
	row := make([]string, len(values))
	for i, v := range values {
		row[i] = cellText(v, t.fit > 0 && t.cols[i].Hash)
		if isInt(v) {
			t.numeric[i]++
		} else if isTime(v) {
			t.timed[i]++
		} else if row[i] != "" {
			t.textual[i]++
		}
	}
	if len(t.rows) == 0 {
		t.first = t.now()
	}
	t.rows = append(t.rows, row)
	return nil
}

func (t *table) headers() []string {
	headers := make([]string, len(t.cols))
	for i, c := range t.cols {
		headers[i] = c.header()
	}
	return headers
}

func (t *table) Close() error {
	if t.stream != nil {
		return t.stream.close()
	}
	headers := t.headers()
	if t.fit > 0 {
		t.fitBlock(headers, columnWidths(headers, t.rows))
	}
	if t.ios.IsStdoutTTY() {
		return renderBoxed(t.ios, t.ios.Out, headers, t.rows)
	}
	return renderPlain(t.ios.Out, newStyles(t.ios), headers, t.rows)
}

// ints reports whether column i of the block holds integers only.
func (t *table) ints(i int) bool { return t.numeric[i] > 0 && t.textual[i] == 0 && t.timed[i] == 0 }

// flexible reports whether column i of a fitted table may be cut: not a
// Whole column, a hash, nor one of integers or times, which a cut would
// make wrong rather than short.
func (t *table) flexible(i int) bool {
	c := t.cols[i]
	return !c.Whole && !c.Hash && (t.textual[i] > 0 || t.numeric[i]+t.timed[i] == 0)
}

// minFlex is the least width a fitted table cuts a column to: enough for
// a date, or a word and the start of the next.
const minFlex = 10

// fitBlock cuts the headers and cells of the block so that the table,
// with its column widths, fits t.fit cells: the widest columns give way
// first, none below minFlex, and never a Whole column, a hash (already
// short) or a column of integers or times (see flexible). A table whose
// fixed columns alone are too wide still wraps; the commands choose
// their default columns so that at 80 cells it does not.
func (t *table) fitBlock(headers []string, widths []int) {
	flex := make([]bool, len(t.cols))
	mins := make([]int, len(t.cols))
	for i := range t.cols {
		flex[i] = t.flexible(i)
		mins[i] = min(widths[i], minFlex)
	}
	overhead := 2 * (len(widths) - 1)
	if t.ios.IsStdoutTTY() {
		overhead = 1 + 3*len(widths) // "│ " before each cell, " " after, and the last "│"
	}
	target := fitWidths(widths, flex, mins, t.fit-overhead)
	if sum(target) > t.fit-overhead {
		// The columns never cut are wider than the screen on their own:
		// a box that wraps is unreadable, so as a last resort the Whole
		// columns of text (names, never integers, times or hashes) give
		// way too, marked with "…" like any other; -o wide and --columns
		// show them whole.
		for i, c := range t.cols {
			if c.Whole && t.textual[i] > 0 {
				flex[i] = true
			}
		}
		target = fitWidths(widths, flex, mins, t.fit-overhead)
	}
	for i, w := range target {
		if w >= widths[i] {
			continue
		}
		t.cut[i] = true
		headers[i], _ = fit(headers[i], w, false)
		for _, r := range t.rows {
			r[i], _ = fit(r[i], w, false)
		}
	}
}

func sum(ns []int) int {
	n := 0
	for _, v := range ns {
		n += v
	}
	return n
}

// fitWidths returns the widths with the flexible ones cut so that all add
// up to at most room: the narrower flexible columns keep their width
// while it is within an equal share of what is left, and the wider share
// the rest equally, none below its minimum.
func fitWidths(widths []int, flex []bool, mins []int, room int) []int {
	out := slices.Clone(widths)
	var idx []int
	need := 0
	for i, w := range widths {
		if flex[i] {
			idx = append(idx, i)
			need += w
		} else {
			room -= w
		}
	}
	if need <= room {
		return out
	}
	slices.SortStableFunc(idx, func(a, b int) int { return widths[a] - widths[b] })
	for k, i := range idx {
		n := len(idx) - k
		if widths[i]*n <= room {
			room -= widths[i]
			continue
		}
		for j, c := range idx[k:] {
			w := room / n
			if j < room%n {
				w++
			}
			out[c] = max(w, mins[c])
		}
		break
	}
	return out
}

// cellText is Text(v), cut to HashPrefix characters for a hash in a
// fitted table.
func cellText(v any, hash bool) string {
	s := Text(v)
	if hash && len(s) > HashPrefix && isHex(s) {
		return s[:HashPrefix]
	}
	return s
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// start prints the first block, as a table of only those rows would print
// but for a boxed table's bottom border, which waits for the last row.
func (t *table) start() error {
	headers := t.headers()
	s := &tableStream{
		w:     newBuffer(t.ios.Out),
		boxed: t.ios.IsStdoutTTY(),
		cells: make([]string, len(t.cols)),
		whole: make([]bool, len(t.cols)),
		hash:  make([]bool, len(t.cols)),
		keep:  make([]bool, len(t.cols)),
		fit:   t.fit > 0,
		now:   t.now,
	}
	widths := columnWidths(headers, t.rows)
	for i := range t.cols {
		if t.ints(i) {
			if t.fit > 0 {
				// Room to fit comes first: two more digits (a hundred
				// times the block's IDs) before a later row is pushed.
				widths[i] = max(widths[i], min(widths[i]+2, intWidth))
			} else {
				widths[i] = max(widths[i], intWidth)
			}
		}
	}
	if t.fit > 0 {
		t.fitBlock(headers, widths)
	}
	for i, c := range t.cols {
		// A Whole column the block had to cut is cut in later rows too.
		s.whole[i] = c.Whole && (t.cut == nil || !t.cut[i])
		s.hash[i] = t.fit > 0 && c.Hash
		if t.ints(i) && cellWidth(t.rows[0][i]) < widths[i] {
			// tablewriter sizes a column by its widest cell; blanks after
			// a left-aligned cell draw as the wider column would.
			t.rows[0][i] += strings.Repeat(" ", widths[i]-cellWidth(t.rows[0][i]))
		}
	}
	// The widths the block was drawn with, after cutting: a cut that
	// would split a wide character leaves its column one cell short.
	s.widths = columnWidths(headers, t.rows)
	if s.boxed {
		var block bytes.Buffer
		if err := renderBoxed(t.ios, &block, headers, t.rows); err != nil {
			return err
		}
		b := bytes.TrimSuffix(block.Bytes(), []byte("\n"))
		cut := bytes.LastIndexByte(b, '\n') + 1
		s.bottom = string(block.Bytes()[cut:])
		s.w.Write(block.Bytes()[:cut])
	} else if err := writePlain(s.w, newStyles(t.ios), headers, t.rows, s.widths); err != nil {
		return err
	}
	t.rows = nil
	t.stream = s
	t.ios.OnFlush(func() { s.w.Flush() })
	s.flushed = t.now()
	return s.w.Flush()
}

// tableStream prints the rows of a table after its first block, each to
// the widths the block set: a longer cell is cut and ends with "…", but
// for an integer or a value of a Whole column, which pushes the rest of
// its row on instead. Rows
// go out 64 KB at a time, and on a terminal also whenever blockWait has
// passed since the last time, so that slow rows still show as they come.
type tableStream struct {
	w      *bufio.Writer
	widths []int
	boxed  bool
	// bottom is a boxed table's bottom border, printed by close.
	bottom string
	// whole marks the columns never cut (Column.Whole), and hash those
	// shown as a prefix (Column.Hash, in a fitted table).
	whole, hash []bool
	// fit cuts a plain table's last column too, which otherwise runs on.
	fit bool
	// cells is the row being printed and keep the cells of it not to cut
	// (whole, or integers); both reused.
	cells   []string
	keep    []bool
	now     func() time.Time
	flushed time.Time
}

func (s *tableStream) row(values []any) error {
	for i, v := range values {
		s.cells[i] = cellText(v, s.hash[i])
		s.keep[i] = s.whole[i] || isInt(v) || isTime(v)
	}
	b := s.w.AvailableBuffer()
	if s.boxed {
		b = appendBoxedRow(b, s.cells, s.widths, s.keep)
	} else {
		b = appendPlainRow(b, s.cells, s.widths, s.keep, s.fit)
	}
	if _, err := s.w.Write(b); err != nil {
		return err
	}
	if s.boxed {
		if now := s.now(); now.Sub(s.flushed) >= blockWait {
			s.flushed = now
			return s.w.Flush()
		}
	}
	return nil
}

func (s *tableStream) close() error {
	s.w.WriteString(s.bottom)
	return s.w.Flush()
}

// columnWidths are the display widths of the widest header or cell of
// each column.
func columnWidths(headers []string, rows [][]string) []int {
	widths := make([]int, len(headers))
	for i, h := range headers {
		widths[i] = cellWidth(h)
	}
	for _, r := range rows {
		for i, c := range r {
			if n := cellWidth(c); n > widths[i] {
				widths[i] = n
			}
		}
	}
	return widths
}

// cellWidth is twwidth.Width, without its cache for printable ASCII,
// which is one cell a byte.
func cellWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return twwidth.Width(s)
		}
	}
	return len(s)
}

// ellipsis ends a cell cut to its column's width.
const ellipsis = "…"

// truncate cuts s to at most width display cells, ellipsis included, and
// returns it with its width. It cuts between characters, never inside one
// (a wide character that would straddle the edge goes, and the caller pads
// with a blank), keeps a combining mark with the character before it, and
// never cuts inside one of Sanitize's escapes (\x1b, \u202e, \n): a
// half escape would read as something else.
func truncate(s string, width int) (string, int) {
	mark := twwidth.Width(ellipsis)
	if width < mark {
		mark = 0 // no room for the mark: cut only
	}
	budget, used, end := width-mark, 0, 0
	for end < len(s) {
		n, w := nextUnit(s[end:])
		if used+w > budget {
			break
		}
		used += w
		end += n
	}
	if mark == 0 {
		return s[:end], used
	}
	return s[:end] + ellipsis, used + mark
}

// nextUnit returns the length in bytes and the display width of what s
// starts with that may not be cut: one of Sanitize's escapes, else one
// character.
func nextUnit(s string) (n, width int) {
	if s[0] == '\\' {
		if n := escapeLen(s); n > 0 {
			return n, n
		}
	}
	_, n = utf8.DecodeRuneInString(s)
	return n, cellWidth(s[:n])
}

// escapeLen is the length of the escape Sanitize writes (\n \r \t \xHH
// \uHHHH \UHHHHHHHH) at the start of s, or 0.
func escapeLen(s string) int {
	if len(s) < 2 {
		return 0
	}
	digits := 0
	switch s[1] {
	case 'n', 'r', 't':
		return 2
	case 'x':
		digits = 2
	case 'u':
		digits = 4
	case 'U':
		digits = 8
	default:
		return 0
	}
	if len(s) < 2+digits {
		return 0
	}
	for _, c := range []byte(s[2 : 2+digits]) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return 0
		}
	}
	return 2 + digits
}

// fit returns cell cut to width when it is wider, unless keep, with its
// display width.
func fit(cell string, width int, keep bool) (string, int) {
	if w := cellWidth(cell); w <= width || keep {
		return cell, w
	}
	return truncate(cell, width)
}

// isTime reports whether v is a time, which a table never cuts.
func isTime(v any) bool {
	switch x := v.(type) {
	case time.Time:
		return !x.IsZero()
	case *time.Time:
		return x != nil && !x.IsZero()
	}
	return false
}

// isInt reports whether v is an integer, which a table never cuts.
func isInt(v any) bool {
	switch v.(type) {
	case int, int64, int32, uint, uint64:
		return true
	}
	return false
}

// appendBoxedRow appends one data row as tablewriter draws it with the
// light box style, its padding of one blank each side and left alignment:
// "│ cell   │ cell │". TestStreamedRowsLineUpWithTheBlock holds it to
// tablewriter's own rendering. A cell wider than its column is cut unless
// keep says not to.
func appendBoxedRow(b []byte, cells []string, widths []int, keep []bool) []byte {
	b = append(b, boxColumn...)
	for i, c := range cells {
		c, w := fit(c, widths[i], keep[i])
		b = append(b, ' ')
		b = append(b, c...)
		b = appendBlanks(b, max(widths[i]-w, 0)+1)
		b = append(b, boxColumn...)
	}
	return append(b, '\n')
}

// boxColumn is the light style's column separator.
var boxColumn = tw.NewSymbols(tw.StyleLight).Column()

// appendPlainRow appends one line of a plain table: each cell padded to
// its column's width and two blanks, no trailing blanks. A cell wider than
// its column is cut to it unless keep is nil or says not to; the last
// column's only when cutLast (a fitted table), as otherwise it runs on
// without pushing any other out of line.
func appendPlainRow(b []byte, cells []string, widths []int, keep []bool, cutLast bool) []byte {
	start := len(b)
	for i, c := range cells {
		if i == len(cells)-1 && !(cutLast && keep != nil) {
			b = append(b, c...)
			break
		}
		c, w := fit(c, widths[i], keep == nil || keep[i])
		b = append(b, c...)
		b = appendBlanks(b, max(widths[i]-w, 0)+2)
	}
	for len(b) > start && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	return append(b, '\n')
}

func appendBlanks(b []byte, n int) []byte {
	for ; n > 0; n-- {
		b = append(b, ' ')
	}
	return b
}

// Styles are the terminal styles; built only when color is on, from a
// renderer bound to stdout so lipgloss never guesses from another stream.
type Styles struct {
	Header lipgloss.Style
	Key    lipgloss.Style
}

func newStyles(ios *iostreams.IOStreams) *Styles {
	if !ios.ColorEnabled() {
		return nil
	}
	r := lipgloss.NewRenderer(ios.Terminal())
	if ios.ColorForced() {
		// lipgloss would detect "no color" on a pipe; always means always.
		r.SetColorProfile(termenv.ANSI)
	}
	return &Styles{
		Header: r.NewStyle().Bold(true).Foreground(lipgloss.Color("6")),
		Key:    r.NewStyle().Bold(true),
	}
}

func renderBoxed(ios *iostreams.IOStreams, w io.Writer, headers []string, rows [][]string) error {
	if st := newStyles(ios); st != nil {
		for i, h := range headers {
			headers[i] = st.Header.Render(h)
		}
	}
	tbl := tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Symbols: tw.NewSymbols(tw.StyleLight),
		})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithTrimSpace(tw.Off),
	)
	tbl.Header(headers)
	for _, r := range rows {
		if err := tbl.Append(r); err != nil {
			return err
		}
	}
	return tbl.Render()
}

// renderPlain aligns columns by display width with two spaces between them
// and no trailing blanks, the way scripts and `column -t` expect. Headers
// are colored only when color was forced on (st is nil otherwise).
func renderPlain(w io.Writer, st *Styles, headers []string, rows [][]string) error {
	return writePlain(w, st, headers, rows, columnWidths(headers, rows))
}

// writePlain writes the headers and rows of a plain table to the widths.
func writePlain(w io.Writer, st *Styles, headers []string, rows [][]string, widths []int) error {
	var b []byte
	if st == nil {
		b = appendPlainRow(b, headers, widths, nil, false)
	} else {
		// Styled, a header is padded by the width of its text alone.
		for i, h := range headers {
			b = append(b, st.Header.Render(h)...)
			if i < len(headers)-1 {
				b = appendBlanks(b, widths[i]-cellWidth(h)+2)
			}
		}
		b = append(b, '\n')
	}
	if _, err := w.Write(b); err != nil {
		return err
	}
	for _, r := range rows {
		b = appendPlainRow(b[:0], r, widths, nil, false)
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// writeFields shows one record as "Key: value" lines, keys aligned.
func writeFields(ios *iostreams.IOStreams, cols []Column, values []any) error {
	if len(values) != len(cols) {
		return fmt.Errorf("output: %d values for %d columns", len(values), len(cols))
	}
	st := newStyles(ios)
	keyWidth := 0
	keys := make([]string, len(cols))
	for i, c := range cols {
		keys[i] = fieldLabel(c)
		if n := twwidth.Width(keys[i]); n > keyWidth {
			keyWidth = n
		}
	}
	var b strings.Builder
	for i, k := range keys {
		pad := strings.Repeat(" ", keyWidth-twwidth.Width(k))
		if st != nil {
			k = st.Key.Render(k)
		}
		b.WriteString(k)
		b.WriteString(":")
		if v := Text(values[i]); v != "" {
			b.WriteString(pad)
			b.WriteString(" ")
			b.WriteString(v)
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(ios.Out, b.String())
	return err
}

// fieldLabel turns "created_at" into "Created at" for the field view.
func fieldLabel(c Column) string {
	s := strings.ReplaceAll(c.Name, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
