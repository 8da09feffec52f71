package output

import (
	"fmt"
	"io"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/custos-dev/custos/internal/iostreams"
)

// table buffers rows and renders them when closed: with box drawing on a
// terminal, as plain aligned columns when piped.
type table struct {
	ios  *iostreams.IOStreams
	cols []Column
	rows [][]string
}

func newTable(ios *iostreams.IOStreams, cols []Column) *table {
	return &table{ios: ios, cols: cols}
}

func (t *table) Row(values ...any) error {
	if len(values) != len(t.cols) {
		return fmt.Errorf("output: %d values for %d columns", len(values), len(t.cols))
	}
	row := make([]string, len(values))
	for i, v := range values {
		row[i] = Text(v)
	}
	t.rows = append(t.rows, row)
	return nil
}

func (t *table) Close() error {
	headers := make([]string, len(t.cols))
	for i, c := range t.cols {
		headers[i] = c.header()
	}
	if t.ios.IsStdoutTTY() {
		return renderBoxed(t.ios, headers, t.rows)
	}
	return renderPlain(t.ios.Out, newStyles(t.ios), headers, t.rows)
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
	r := lipgloss.NewRenderer(ios.Out)
	if ios.ColorForced() {
		// lipgloss would detect "no color" on a pipe; always means always.
		r.SetColorProfile(termenv.ANSI)
	}
	return &Styles{
		Header: r.NewStyle().Bold(true).Foreground(lipgloss.Color("6")),
		Key:    r.NewStyle().Bold(true),
	}
}

func renderBoxed(ios *iostreams.IOStreams, headers []string, rows [][]string) error {
	if st := newStyles(ios); st != nil {
		for i, h := range headers {
			headers[i] = st.Header.Render(h)
		}
	}
	tbl := tablewriter.NewTable(ios.Out,
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
	widths := make([]int, len(headers))
	for i, h := range headers {
		widths[i] = twwidth.Width(h)
	}
	for _, r := range rows {
		for i, c := range r {
			if n := twwidth.Width(c); n > widths[i] {
				widths[i] = n
			}
		}
	}
	var b strings.Builder
	line := func(cells []string, style func(string) string) {
		b.Reset()
		for i, c := range cells {
			b.WriteString(style(c))
			if i < len(cells)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-twwidth.Width(c)+2))
			}
		}
		b.WriteString("\n")
	}
	plain := func(s string) string { return s }
	header := plain
	if st != nil {
		header = func(s string) string { return st.Header.Render(s) }
	}
	line(headers, header)
	if _, err := io.WriteString(w, strings.TrimRight(b.String(), " \n")+"\n"); err != nil {
		return err
	}
	for _, r := range rows {
		line(r, plain)
		if _, err := io.WriteString(w, strings.TrimRight(b.String(), " \n")+"\n"); err != nil {
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
