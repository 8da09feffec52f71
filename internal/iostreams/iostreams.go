// Package iostreams carries the standard streams of an invocation and what is
// known about them: whether each is a terminal, and whether color is wanted.
// Commands write data to Out and everything else to ErrOut, never to
// os.Stdout or os.Stderr directly, so tests can capture both.
package iostreams

import (
	"bytes"
	"io"
	"os"

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
		if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil {
			s.width = w
		}
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

// TerminalWidth is the width of the stdout terminal, or 0 when unknown.
func (s *IOStreams) TerminalWidth() int { return s.width }
