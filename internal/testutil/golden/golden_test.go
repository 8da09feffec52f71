package golden

import (
	"fmt"
	"testing"
)

func TestDiff(t *testing.T) {
	for _, c := range []struct{ want, got, diff string }{
		{"a\nb\n", "a\nb\n", ""},
		{"a\nb\nc\n", "a\nx\nc\n", "  a\n- b\n+ x\n  c\n"},
		{"a\n", "a\nb\n", "  a\n+ b\n"},
		{"a\nb\n", "b\n", "- a\n  b\n"},
		{"", "a\n", "+ a\n"},
		{"a\n", "a", "the final newline differs: want one, got none\n"},
	} {
		if d := Diff(c.want, c.got); d != c.diff {
			t.Errorf("Diff(%q, %q) = %q, want %q", c.want, c.got, d, c.diff)
		}
	}
}

// A failing comparison reports the diff, not the whole output.
func TestCheckReportsTheDiff(t *testing.T) {
	if *update {
		t.Skip("would rewrite the fixture")
	}
	ft := &fakeT{TB: t}
	func() {
		defer func() { recover() }()
		Check(ft, "fixture.golden", []byte("one\nthree\n"))
	}()
	want := "testdata/fixture.golden differs (- want, + got; go test -update to accept):\n  one\n- two\n+ three\n"
	if ft.msg != want {
		t.Fatalf("message %q, want %q", ft.msg, want)
	}
	ft = &fakeT{TB: t}
	Check(ft, "fixture.golden", []byte("one\ntwo\n"))
	if ft.msg != "" {
		t.Fatalf("equal output failed: %s", ft.msg)
	}
}

type fakeT struct {
	testing.TB
	msg string
}

func (f *fakeT) Helper() {}

func (f *fakeT) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic(f)
}
