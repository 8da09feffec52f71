package iostreams

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// Progress reports the advance of long work on stderr.
type Progress interface {
	// Set records that done of total units are finished; a total of 0
	// or less is unknown (stdin, a query still running), shown as a
	// spinner with the count and the rate.
	Set(done, total int64)
	// Phase ends the step shown and starts the next one (archiving,
	// verifying, deleting), counted in unit ("records", or Bytes).
	Phase(name, unit string, total int64)
	// Done clears the bar.
	Done()
}

// Bytes is the unit of work counted in bytes: shown as KiB, MiB, GiB.
const Bytes = "bytes"

type noProgress struct{}

func (noProgress) Set(int64, int64)            {}
func (noProgress) Phase(string, string, int64) {}
func (noProgress) Done()                       {}

// StartProgress is StartProgressIn counting "items".
func (s *IOStreams) StartProgress(description string) Progress {
	return s.StartProgressIn(description, "items")
}

// StartProgressIn returns a progress bar on stderr when stderr is a
// terminal, and a no-op otherwise, so scripts and logs never see it.
// description names the first step; unit is what it counts ("entries",
// or Bytes).
func (s *IOStreams) StartProgressIn(description, unit string) Progress {
	if !s.errTTY {
		return noProgress{}
	}
	width := s.TerminalWidth()
	if width <= 0 {
		width = 80
	}
	return newBar(s.ErrOut, description, unit, time.Now, mpb.WithAutoRefresh(), mpb.WithWidth(width))
}

// bar draws, through mpb, one line per step:
//
//	deleting [=====>        ]  42%  4,194,209 / 10,000,000 records  310,000 records/s  ETA 19s
//	importing ⠹  1.2 GiB  96.0 MiB/s
//
// Each Phase replaces the line of the step before.
type bar struct {
	mu    sync.Mutex
	out   io.Writer
	now   func() time.Time
	opts  []mpb.ContainerOption
	p     *mpb.Progress
	b     *mpb.Bar
	name  string
	unit  string
	known bool // the current line has a total (a bar), not a spinner
	start time.Time
}

const barWidth = 24

func newBar(w io.Writer, name, unit string, now func() time.Time, opts ...mpb.ContainerOption) *bar {
	return &bar{out: w, now: now, name: name, unit: unit, start: now(),
		opts: append([]mpb.ContainerOption{mpb.WithOutput(w), mpb.WithWidth(100), mpb.WithRefreshRate(150 * time.Millisecond)}, opts...)}
}

func (b *bar) Set(done, total int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	known := total > 0
	if b.b == nil || known != b.known {
		b.line(known, total)
	}
	if known {
		b.b.SetTotal(total, false)
	}
	b.b.SetCurrent(done)
}

func (b *bar) Phase(name, unit string, total int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.end()
	b.name, b.unit, b.start = name, unit, b.now()
	b.line(total > 0, total)
}

func (b *bar) Done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.end()
}

// line starts the line of the current step: a bar with a total, else a
// spinner.
func (b *bar) line(known bool, total int64) {
	if b.b != nil {
		b.b.Abort(true)
	}
	if b.p == nil {
		b.p = mpb.New(b.opts...)
	}
	b.known = known
	text := decor.Any(func(s decor.Statistics) string { return b.describe(s) })
	if known {
		b.b = b.p.New(total, mpb.BarStyle().Lbound("[").Filler("=").Tip(">").Padding(" ").Rbound("]"),
			mpb.PrependDecorators(decor.Name(b.name+" ")),
			mpb.AppendDecorators(decor.Percentage(decor.WC{W: 5}), text),
			mpb.BarWidth(barWidth), mpb.BarRemoveOnComplete())
		return
	}
	b.b = b.p.New(0, mpb.SpinnerStyle().PositionLeft(),
		mpb.PrependDecorators(decor.Name(b.name+" ")),
		mpb.AppendDecorators(text),
		mpb.BarWidth(1), mpb.BarRemoveOnComplete())
}

// end removes the current line and waits until it is gone from the
// terminal, so that what is written next (a question, the result) starts
// on a clean line.
func (b *bar) end() {
	if b.p == nil {
		return
	}
	if b.b != nil {
		b.b.Abort(true)
		b.b = nil
	}
	b.p.Wait()
	b.p = nil
}

// describe is the text after the bar: counts with their unit, the rate,
// and with a total the time left.
func (b *bar) describe(s decor.Statistics) string {
	elapsed := b.now().Sub(b.start).Seconds()
	rate := 0.0
	if elapsed > 0.2 {
		rate = float64(s.Current) / elapsed
	}
	if !b.known {
		return fmt.Sprintf("  %s  %s", amount(s.Current, b.unit, true), speed(rate, b.unit))
	}
	text := fmt.Sprintf("  %s / %s  %s", amount(s.Current, b.unit, false), amount(s.Total, b.unit, true), speed(rate, b.unit))
	if rate > 0 && s.Current < s.Total {
		left := time.Duration(float64(s.Total-s.Current) / rate * float64(time.Second))
		text += "  ETA " + left.Round(time.Second).String()
	}
	return text
}

// amount is n in its unit: bytes in KiB, MiB or GiB; anything else as a
// grouped number, followed by the unit when withUnit.
func amount(n int64, unit string, withUnit bool) string {
	if unit == Bytes {
		return fmt.Sprintf("% .1f", decor.SizeB1024(n))
	}
	s := grouped(n)
	if withUnit && unit != "" {
		s += " " + unit
	}
	return s
}

func speed(rate float64, unit string) string {
	if rate <= 0 {
		return ""
	}
	if unit == Bytes {
		return fmt.Sprintf("% .1f/s", decor.SizeB1024(int64(rate)))
	}
	return grouped(int64(rate)) + " " + unit + "/s"
}

// grouped writes n with thousands separators: 4,194,209.
func grouped(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
