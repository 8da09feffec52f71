package records

import (
	"bufio"
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/records"
)

func TestReadRecordsInput(t *testing.T) {
	ok := `{"class":"voice","created":"2026-11-01"}`
	tests := []struct {
		name, in, want string
	}{
		{"one", ok + "\n", ""},
		{"byte-order mark", "\ufeff" + ok + "\n", ""},
		{"spaces after", ok + "  \t\n", ""},
		{"garbage after", ok + " ,\n", `row 1: the object is followed by ","`},
		{"two objects", ok + ok + "\n", "row 1: the object is followed by another"},
		{"long line", `{"class":"voice",` + strings.Repeat(" ", 2<<20) + `"created":"2026-11-01"}` + "\n", ""},
		{"too long", ok + "\n" + `{"class":"voice",` + strings.Repeat(" ", maxJSONLine) + `"created":"2026-11-01"}` + "\n", "row 2: the line is longer than 16 MiB"},
	}
	for _, tt := range tests {
		var n int
		err := readRecords(bufio.NewReader(strings.NewReader(tt.in)), "f", func(*records.Record) error { n++; return nil })
		if tt.want == "" {
			if err != nil || n != 1 {
				t.Errorf("%s: %d records, %v", tt.name, n, err)
			}
			continue
		}
		if errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want invalid %q", tt.name, err, tt.want)
		}
	}
}
