package iostreams

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// newTestPager returns a pager armed for a screen of 4 lines (3 of
// output) whose "terminal" is a file, and whose pager command marks every
// line it shows.
func newTestPager(t *testing.T) (*pager, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tty")
	tty, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tty.Close() })
	p := &pager{tty: tty, errOut: &bytes.Buffer{}}
	s := &IOStreams{Out: p, pager: p, height: 4, width: 20}
	s.StartPager(`sed s/^/paged:/`)
	return p, path
}

func read(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Output that fits the screen goes straight to the terminal: no pager
// runs, whatever the command.
func TestPagerNotForOneScreen(t *testing.T) {
	p, path := newTestPager(t)
	p.Write([]byte("one\ntwo\n"))
	p.Write([]byte("three\n"))
	p.stop()
	if got := read(t, path); got != "one\ntwo\nthree\n" {
		t.Errorf("got %q", got)
	}
}

// Output longer than the screen (a long line counting as several) goes
// through the pager, all of it, from the first line.
func TestPagerForMoreThanAScreen(t *testing.T) {
	for _, chunks := range [][]string{
		{"one\ntwo\nthree\nfour\nfive\n"},
		{"one\n", "two\n", "three\n", "four\n", "five\n"},
		{"one\n", strings.Repeat("x", 50) + "\n", "two\n"},
	} {
		p, path := newTestPager(t)
		for _, c := range chunks {
			if _, err := p.Write([]byte(c)); err != nil {
				t.Fatal(err)
			}
		}
		p.stop()
		got := read(t, path)
		want := "paged:" + strings.ReplaceAll(strings.TrimSuffix(strings.Join(chunks, ""), "\n"), "\n", "\npaged:") + "\n"
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

// Not armed (off a terminal, a command that writes, --no-pager), or armed
// after output began, the writer writes straight through.
func TestPagerOffWritesThrough(t *testing.T) {
	p, path := newTestPager(t)
	p.argv = nil
	p.Write([]byte("1\n2\n3\n4\n5\n"))
	s := &IOStreams{Out: p, pager: p, height: 4}
	s.StartPager("sed s/^/paged:/")
	p.Write([]byte("6\n7\n8\n9\n"))
	p.stop()
	if got := read(t, path); got != "1\n2\n3\n4\n5\n6\n7\n8\n9\n" {
		t.Errorf("got %q", got)
	}
}

// A pager that does not start leaves the output on the terminal, with a
// warning.
func TestPagerThatWillNotStart(t *testing.T) {
	p, path := newTestPager(t)
	p.argv = []string{"/nonexistent/pager"}
	p.Write([]byte("1\n2\n3\n4\n5\n"))
	p.stop()
	if got := read(t, path); got != "1\n2\n3\n4\n5\n" {
		t.Errorf("got %q", got)
	}
	if !strings.Contains(p.errOut.(*bytes.Buffer).String(), "did not start") {
		t.Errorf("no warning: %q", p.errOut)
	}
}

func TestPagerCommand(t *testing.T) {
	env := func(kv ...string) func(string) (string, bool) {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	for _, tt := range []struct {
		env  func(string) (string, bool)
		want string
	}{
		{env(), "less -FRX"},
		{env("PAGER", "more"), "more"},
		{env("PAGER", "more", "CUSTOS_PAGER", "most -s"), "most -s"},
		{env("PAGER", "more", "CUSTOS_PAGER", ""), ""},
		{env("CUSTOS_PAGER", "cat"), ""},
		{env("PAGER", "cat"), ""},
	} {
		if got := PagerCommand(tt.env); got != tt.want {
			t.Errorf("PagerCommand = %q, want %q", got, tt.want)
		}
	}
}
