package output

import (
	"encoding/csv"
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/iostreams"
)

func TestNeutraliseCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"alice", "alice"},
		{"", ""},
		{"=HYPERLINK(\"http://evil/\")", "'=HYPERLINK(\"http://evil/\")"},
		{"+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"},
		{"-5", "'-5"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{"a=b", "a=b"},
		{"'tis", "'tis"},
		{"'=stored", "''=stored"},
		{"''@x", "'''@x"},
	}
	for _, tt := range tests {
		got := NeutraliseCell(tt.in)
		if got != tt.want {
			t.Errorf("NeutraliseCell(%q) = %q, want %q", tt.in, got, tt.want)
		}
		// A neutralised cell reads back as the stored value.
		if back := RestoreCell(got); back != tt.in {
			t.Errorf("RestoreCell(%q) = %q, want %q", got, back, tt.in)
		}
	}
	for _, s := range []string{"'", "'tis", "''", "'a=b"} {
		if got := RestoreCell(s); got != s {
			t.Errorf("RestoreCell(%q) = %q, want it unchanged", s, got)
		}
	}
}

// The CSV renderer neutralises every cell, whatever the value's type.
func TestCSVNeutralisesEveryCell(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	w := NewList(ios, CSV, Cols("name", "roles", "n"))
	if err := w.Row("=1+1", []string{"@a", "b"}, -5); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(out.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"'=1+1", "'@a,b", "'-5"}
	if strings.Join(recs[1], "|") != strings.Join(want, "|") {
		t.Errorf("row = %q, want %q", recs[1], want)
	}
}

// The byte-order mark comes once, before the header, however often the
// writer is flushed (audit export --follow closes it after every batch).
func TestCSVByteOrderMark(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	ios.SetCSVBOM(true)
	w := NewList(ios, CSV, Cols("name"))
	for _, v := range []string{"a", "b"} {
		if err := w.Row(v); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := out.String(), "\ufeffname\na\nb\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	ios, _, out, _ = iostreams.Test()
	ios.SetCSVBOM(true)
	if err := WriteObject(ios, JSON, Cols("name"), "a"); err != nil || strings.Contains(out.String(), "\ufeff") {
		t.Errorf("JSON got a byte-order mark: %q, %v", out.String(), err)
	}
}
