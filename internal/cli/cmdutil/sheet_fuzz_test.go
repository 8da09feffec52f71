package cmdutil

import (
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/iostreams"
	"github.com/custos-dev/custos/internal/output"
)

// FuzzSheet reads arbitrary bytes as a sheet: it never panics, every
// error is an invalid-input error naming the file, rows are numbered one
// by one after the header, cells come back trimmed, and a header with a
// column outside allowed is refused.
func FuzzSheet(f *testing.F) {
	for _, s := range []string{
		"",
		"item,decision\n1,keep\n2,revoke\n",
		"\ufeffitem,reason,note\r\n1,'=1+1,'tis\r\n",
		"item,decision,decision\n",
		"Item , DECISION\n 1 , keep \n",
		"item\n\"unterminated\n",
		"item,note\n1,\"two\nlines\"\n2,x\n",
		"item\n1,extra,cells\n\n3\n",
		"item,\"a\"b\"\n",
		"\xff\xfe\x00i\x00t\n",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	allowed := []string{"item", "decision", "reason", "note"}
	f.Fuzz(func(t *testing.T, data []byte, restrict bool) {
		var allow []string
		if restrict {
			allow = allowed
		}
		s, err := NewSheet(strings.NewReader(string(data)), "s.csv", allow, "item")
		if err != nil {
			if errs.CodeOf(err) != errs.Invalid || !strings.HasPrefix(err.Error(), "s.csv") {
				t.Fatalf("header: %v, want an invalid-input error naming s.csv", err)
			}
			return
		}
		for col := range s.col {
			if restrict && !strings.Contains(","+strings.Join(allowed, ",")+",", ","+col+",") {
				t.Fatalf("column %q accepted, not in %v", col, allowed)
			}
		}
		for line := 2; ; line++ {
			if line > len(data)+2 {
				t.Fatalf("%d rows from %d bytes", line, len(data))
			}
			ok, err := s.Next()
			if err != nil {
				if errs.CodeOf(err) != errs.Invalid || !strings.HasPrefix(err.Error(), "s.csv line ") {
					t.Fatalf("row: %v, want an invalid-input error naming s.csv and the line", err)
				}
				return
			}
			if !ok {
				return
			}
			if s.Line != line {
				t.Fatalf("row %d numbered %d", line, s.Line)
			}
			for col := range s.col {
				if v := s.Get(col); v != strings.TrimSpace(v) {
					t.Fatalf("%s = %q, not trimmed", col, v)
				}
			}
			if v := s.Get("no such column"); v != "" {
				t.Fatalf("an absent column reads %q", v)
			}
		}
	})
}

// FuzzSheetReadsWhatCustosWrites writes two cells with custos's own CSV
// output (neutralised, with and without a byte-order mark) and reads them
// back through a sheet: every value that CSV output does not escape
// (control and format characters are shown escaped) and that has no
// surrounding space (trimmed on reading) comes back as it was.
func FuzzSheetReadsWhatCustosWrites(f *testing.F) {
	for _, c := range [][2]string{
		{"1", "keep"},
		{"=1+1", "'tis"},
		{"'=x", "''+y"},
		{"-5", "@SUM(A1)"},
		{"a,b", `say "hi"`},
		{"two\nlines", "ü 日本"},
		{"\ufeffitem", "'"},
	} {
		f.Add(c[0], c[1], false)
		f.Add(c[0], c[1], true)
	}
	f.Fuzz(func(t *testing.T, a, b string, bom bool) {
		for _, v := range []string{a, b} {
			if v != strings.TrimSpace(v) || output.Sanitize(v) != v {
				t.Skip("surrounding space is trimmed on reading; output escapes control characters")
			}
		}
		ios, _, out, _ := iostreams.Test()
		ios.SetCSVBOM(bom)
		w := output.NewList(ios, output.CSV, output.Cols("item", "note"))
		if err := w.Row(a, b); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		s, err := NewSheet(strings.NewReader(out.String()), "s.csv", []string{"item", "note"}, "item", "note")
		if err != nil {
			t.Fatalf("%q: %v", out.String(), err)
		}
		if ok, err := s.Next(); !ok || err != nil {
			t.Fatalf("%q: no row: %v", out.String(), err)
		}
		if s.Get("item") != a || s.Get("note") != b {
			t.Fatalf("wrote %q %q as %q, read back %q %q", a, b, out.String(), s.Get("item"), s.Get("note"))
		}
		if ok, err := s.Next(); ok || err != nil {
			t.Fatalf("%q: a second row: %v", out.String(), err)
		}
	})
}
