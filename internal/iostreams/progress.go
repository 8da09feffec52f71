package iostreams

import (
	"fmt"
	"strings"
	"time"
)

// Progress reports the advance of long work on stderr.
type Progress interface {
	// Set records that done of total units are finished.
	Set(done, total int64)
	// Done clears the bar.
	Done()
}

type noProgress struct{}

func (noProgress) Set(int64, int64) {}
func (noProgress) Done()            {}

// bar draws "verifying [=====>    ]  52% 1200000/2300000 410000/s" on one
// line, redrawn at most ten times a second.
type bar struct {
	s           *IOStreams
	description string
	start, last time.Time
	drawn       bool
}

const barWidth = 30

func (b *bar) Set(done, total int64) {
	now := time.Now()
	if now.Sub(b.last) < 100*time.Millisecond && done != total {
		return
	}
	b.last = now
	frac := 0.0
	if total > 0 {
		frac = min(float64(done)/float64(total), 1)
	}
	filled := int(frac * barWidth)
	rate := float64(done) / max(now.Sub(b.start).Seconds(), 1e-3)
	line := fmt.Sprintf("%s [%s%s] %3.0f%% %d/%d %.0f/s",
		b.description, strings.Repeat("=", filled), strings.Repeat(" ", barWidth-filled), frac*100, done, total, rate)
	fmt.Fprintf(b.s.ErrOut, "\r\x1b[K%s", line)
	b.drawn = true
}

func (b *bar) Done() {
	if b.drawn {
		fmt.Fprint(b.s.ErrOut, "\r\x1b[K")
	}
}

// StartProgress returns a progress bar on stderr when stderr is a terminal,
// and a no-op otherwise, so scripts and logs never see it.
func (s *IOStreams) StartProgress(description string) Progress {
	if !s.errTTY {
		return noProgress{}
	}
	now := time.Now()
	return &bar{s: s, description: description, start: now}
}
