package iostreams

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
)

// pager stands between Out and a terminal. Until armed it writes
// through. Armed, it holds back what is written until that fills the
// screen, and only then starts the pager command and hands it what it
// holds and everything after; output that ends within one screen goes
// straight to the terminal and no pager ever runs, whatever the command
// (less's -F, for every pager).
type pager struct {
	tty    *os.File
	errOut io.Writer
	// argv is the pager command; nil until armed.
	argv []string
	env  []string
	// lines is how many screen lines output may take before it is paged;
	// width is the screen's width, to count a long line as several.
	lines, width int
	buf          []byte
	used, col    int
	// written is set by the first write through, after which arming is
	// too late: the pager would show only the rest.
	written bool

	mu   sync.Mutex
	proc *exec.Cmd
	pipe io.WriteCloser
	// off writes through for good: the pager would not start, or has
	// been stopped.
	off bool
}

func (p *pager) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.pipe != nil:
		return p.pipe.Write(b)
	case p.argv == nil || p.off:
		p.written = true
		return p.tty.Write(b)
	}
	p.buf = append(p.buf, b...)
	if p.count(b) > p.lines {
		if err := p.start(); err != nil {
			return 0, err
		}
	}
	return len(b), nil
}

// count adds the screen lines b takes to the tally and returns it. A
// byte that starts a character counts one cell: a wide character or a
// color escape makes it count more lines than it takes, which pages a
// little early rather than too late.
func (p *pager) count(b []byte) int {
	for _, c := range b {
		switch {
		case c == '\n':
			p.used++
			p.col = 0
		case c&0xC0 != 0x80:
			p.col++
			if p.width > 0 && p.col > p.width {
				p.used++
				p.col = 1
			}
		}
	}
	return p.used
}

// start runs the pager on what is held back. A pager that will not start
// leaves output going to the terminal, with a warning.
func (p *pager) start() error {
	cmd := exec.Command(p.argv[0], p.argv[1:]...)
	cmd.Env = p.env
	cmd.Stdout = p.tty
	cmd.Stderr = p.errOut
	pipe, err := cmd.StdinPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		fmt.Fprintf(p.errOut, "custos: warning: the pager %q did not start (%v); set CUSTOS_PAGER, or use --no-pager\n", strings.Join(p.argv, " "), err)
		p.off = true
		_, err := p.tty.Write(p.buf)
		p.buf = nil
		return err
	}
	p.proc, p.pipe = cmd, pipe
	_, err = pipe.Write(p.buf)
	p.buf = nil
	return err
}

// stop writes out what is held back, or closes the pager's input and
// waits for the reader to quit it.
func (p *pager) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pipe != nil {
		p.pipe.Close()
		p.proc.Wait()
		p.pipe, p.proc = nil, nil
	} else if len(p.buf) > 0 {
		p.tty.Write(p.buf)
		p.buf = nil
	}
	p.off = true
}

// PagerCommand is the pager to use: CUSTOS_PAGER when set (empty or "cat"
// for none), else PAGER, else "less -FRX". lookup reads the environment.
func PagerCommand(lookup func(string) (string, bool)) string {
	cmd, ok := lookup("CUSTOS_PAGER")
	if !ok {
		if cmd, _ = lookup("PAGER"); cmd == "" {
			cmd = "less -FRX"
		}
	}
	if strings.TrimSpace(cmd) == "cat" {
		return ""
	}
	return strings.TrimSpace(cmd)
}

// StartPager pages what is written to Out from now on when stdout is a
// terminal and the output comes to more than one screen, with the pager
// command (see PagerCommand; "" for none). It changes nothing once Out
// has been written to. A command that prompts must not call it: the
// pager and the prompt would share the terminal.
func (s *IOStreams) StartPager(command string) {
	p := s.pager
	argv := strings.Fields(command)
	if p == nil || p.written || p.argv != nil || len(argv) == 0 || s.height <= 1 {
		return
	}
	p.argv, p.lines, p.width = argv, s.height-1, s.width
	p.env = os.Environ()
	if _, ok := os.LookupEnv("LESS"); !ok {
		// As git and gh do: less quits when the output fits (F), keeps
		// color (R) and leaves the text on the screen after (X).
		p.env = append(p.env, "LESS=FRX")
	}
	if _, ok := os.LookupEnv("LV"); !ok {
		p.env = append(p.env, "LV=-c")
	}
}

// StopPager writes out what the pager holds back, or waits for the
// reader to quit a pager that runs. Main calls it before it reports an
// error, and before it exits.
func (s *IOStreams) StopPager() {
	if s.pager != nil {
		s.pager.stop()
	}
}
