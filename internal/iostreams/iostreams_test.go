package iostreams

import (
	"strings"
	"testing"
)

func TestProgressOnlyOnATerminal(t *testing.T) {
	s, _, _, errOut := Test()
	p := s.StartProgress("verifying")
	p.Set(10, 10)
	p.Done()
	if errOut.Len() != 0 {
		t.Fatalf("progress off a terminal: %q", errOut.String())
	}
	s.SetTTY(false, false, true)
	p = s.StartProgress("verifying")
	p.Set(5, 10)
	p.Set(10, 10)
	p.Done()
	if out := errOut.String(); !strings.Contains(out, "verifying ") || !strings.Contains(out, "[====") || !strings.Contains(out, "10 / 10 items") {
		t.Fatalf("no progress on a terminal: %q", out)
	}
}
