// Package iostreams carries the standard streams of an invocation and what is
// known about them: whether each is a terminal, and whether color is wanted.
// Commands write data to Out and everything else to ErrOut, never to
// os.Stdout or os.Stderr directly, so tests can capture both.
package iostreams

import (
	"bytes"
	"io"
	"os"
	"strconv"

	"golang.org/x/term"
)

// IOStreams are the streams of one invocation.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	inTTY, outTTY, errTTY bool
	// colorMode is "auto", "always" or "never".
	colorMode string
	width     int
	// height is the stdout terminal's height in lines, for the pager.
	height int
	// fitWidth is the width tables fit: COLUMNS when set, else the stdout
	// terminal's; 0 (piped, COLUMNS unset) leaves tables as wide as their
	// values.
	fitWidth int
	// wide asks tables for every column, whole (-o wide); columns names
	// the columns to show (--columns).
	wide    bool
	columns []string
	// outputErr is the first mistake found in how the output was asked
	// for (an unknown --columns name, a --jq expression that does not
	// parse), for the pipeline to refuse the command with.
	outputErr error
	// pager pages Out on a terminal; nil when off.
	pager *pager
	// csvBOM asks CSV output to begin with a UTF-8 byte-order mark.
	csvBOM bool
	// pending flush what buffered writers of Out hold: a command that
	// fails part-way through a listing returns without closing it, and the
	// rows it had written still belong on stdout.
	pending []func()
}

// OnFlush registers fn to write out what a buffered writer of Out holds.
func (s *IOStreams) OnFlush(fn func()) { s.pending = append(s.pending, fn) }

// Flush writes out what every buffered writer of Out still holds; Main
// calls it before it reports an error.
func (s *IOStreams) Flush() {
	for _, fn := range s.pending {
		fn()
	}
}

// System returns the process's own streams.
func System() *IOStreams {
	s := &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr, colorMode: "auto"}
	s.inTTY = isTerminal(os.Stdin)
	s.outTTY = isTerminal(os.Stdout)
	s.errTTY = isTerminal(os.Stderr)
	if s.outTTY {
		if w, h, err := term.GetSize(int(os.Stdout.Fd())); err == nil {
			s.width, s.height = w, h
		}
		// Out goes through the pager's writer from the start, so that a
		// writer made before the pager is armed pages too; until then it
		// writes straight through.
		s.pager = &pager{tty: os.Stdout, errOut: os.Stderr}
		s.Out = s.pager
	}
	s.fitWidth = s.width
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		// COLUMNS wins, as for ls and less: a script or a test asks for a
		// width, and gets tables fitted to it even off a terminal.
		s.fitWidth = n
	}
	return s
}

// Test returns streams backed by buffers: stdin, stdout, stderr.
func Test() (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, colorMode: "auto"}, in, out, errOut
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// SetTTY overrides terminal detection; for tests.
func (s *IOStreams) SetTTY(in, out, err bool) { s.inTTY, s.outTTY, s.errTTY = in, out, err }

// IsStdinTTY reports whether stdin is a terminal; prompts are allowed only then.
func (s *IOStreams) IsStdinTTY() bool { return s.inTTY }

// IsStdoutTTY reports whether stdout is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.outTTY }

// IsStderrTTY reports whether stderr is a terminal; progress bars are shown only then.
func (s *IOStreams) IsStderrTTY() bool { return s.errTTY }

// SetColorMode sets "auto", "always" or "never".
func (s *IOStreams) SetColorMode(mode string) { s.colorMode = mode }

// SetCSVBOM makes CSV output on Out begin with a UTF-8 byte-order mark
// (--bom), which Excel needs to read a CSV file as UTF-8 rather than in
// the Windows code page.
func (s *IOStreams) SetCSVBOM(on bool) { s.csvBOM = on }

// CSVBOM reports whether CSV output begins with a byte-order mark.
func (s *IOStreams) CSVBOM() bool { return s.csvBOM }

// ColorEnabled reports whether stdout output may carry color.
func (s *IOStreams) ColorEnabled() bool {
	switch s.colorMode {
	case "always":
		return true
	case "never":
		return false
	}
	return s.outTTY
}

// ColorForced reports whether color was asked for even off a terminal.
func (s *IOStreams) ColorForced() bool { return s.colorMode == "always" }

// ColorEnabledStderr reports whether stderr output may carry color.
func (s *IOStreams) ColorEnabledStderr() bool {
	switch s.colorMode {
	case "always":
		return true
	case "never":
		return false
	}
	return s.errTTY
}

// Terminal is what Out ends in, for a library that asks the stream
// itself whether it is a terminal (lipgloss): the terminal when Out goes
// through the pager's writer, else Out.
func (s *IOStreams) Terminal() io.Writer {
	if s.pager != nil && s.Out == io.Writer(s.pager) {
		return s.pager.tty
	}
	return s.Out
}

// TerminalWidth is the width of the stdout terminal, or 0 when unknown.
func (s *IOStreams) TerminalWidth() int { return s.width }

// TableWidth is the width, in cells, that tables fit: the COLUMNS
// environment variable when set, else the stdout terminal's width, else 0,
// which leaves a table as wide as its values (piped output, for scripts).
func (s *IOStreams) TableWidth() int { return s.fitWidth }

// SetTableWidth sets the width tables fit; for tests.
func (s *IOStreams) SetTableWidth(n int) { s.fitWidth = n }

// SetWide asks tables for every column, each value whole (-o wide).
func (s *IOStreams) SetWide(on bool) { s.wide = on }

// Wide reports whether tables show every column, whole.
func (s *IOStreams) Wide() bool { return s.wide }

// SetColumns names the columns tables (and CSV) show, in order
// (--columns); nil means the command's own choice.
func (s *IOStreams) SetColumns(names []string) { s.columns = names }

// Columns are the columns asked for with SetColumns, or nil.
func (s *IOStreams) Columns() []string { return s.columns }

// SetOutputErr records a mistake in how the output was asked for; the
// first one is kept.
func (s *IOStreams) SetOutputErr(err error) {
	if s.outputErr == nil {
		s.outputErr = err
	}
}

// OutputErr is the first mistake recorded by SetOutputErr, or nil.
func (s *IOStreams) OutputErr() error { return s.outputErr }
