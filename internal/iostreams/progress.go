package iostreams

import (
	"github.com/schollz/progressbar/v3"
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

type bar struct {
	b     *progressbar.ProgressBar
	total int64
	last  int64
}

func (p *bar) Set(done, total int64) {
	if total != p.total {
		p.total = total
		p.b.ChangeMax64(total)
	}
	// Updating a terminal per row would cost more than the work.
	if done-p.last >= 4096 || done == total {
		p.last = done
		_ = p.b.Set64(done)
	}
}

func (p *bar) Done() {
	_ = p.b.Finish()
	_ = p.b.Clear()
}

// StartProgress returns a progress bar on stderr when stderr is a terminal,
// and a no-op otherwise, so scripts and logs never see it.
func (s *IOStreams) StartProgress(description string, total int64) Progress {
	if !s.errTTY {
		return noProgress{}
	}
	b := progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(s.ErrOut),
		progressbar.OptionSetDescription(description),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("entries"),
		progressbar.OptionThrottle(100_000_000),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionEnableColorCodes(s.ColorEnabledStderr()),
	)
	return &bar{b: b, total: total}
}
