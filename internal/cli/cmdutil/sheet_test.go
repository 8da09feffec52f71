package cmdutil

import (
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/errs"
)

func TestSheetRefusesDuplicateColumns(t *testing.T) {
	for _, header := range []string{"item,decision,decision", "item,Decision, decision ", "\ufeffitem,item"} {
		_, err := NewSheet(strings.NewReader(header+"\n1,keep,revoke\n"), "s.csv", nil, "item")
		if errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), "twice") {
			t.Errorf("%q: %v, want invalid naming the column", header, err)
		}
	}
}

// A sheet custos wrote (byte-order mark, neutralised cells) reads back as
// what was stored.
func TestSheetReadsWhatCustosWrites(t *testing.T) {
	in := "\ufeffitem,reason,note\r\n1,'=1+1,'tis\r\n"
	s, err := NewSheet(strings.NewReader(in), "s.csv", nil, "item", "reason")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := s.Next(); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if got := s.Get("item"); got != "1" {
		t.Errorf("item = %q", got)
	}
	if got := s.Get("reason"); got != "=1+1" {
		t.Errorf("reason = %q, want =1+1", got)
	}
	if got := s.Get("note"); got != "'tis" {
		t.Errorf("note = %q, want 'tis", got)
	}
}
