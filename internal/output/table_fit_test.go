package output

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/olekukonko/tablewriter/pkg/twwidth"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/iostreams"
)

// fitCols are a listing with a Whole column, a column only -o wide shows,
// a time, a hash and two long free-text columns.
var fitCols = Hashes(WideOnly(Whole(Cols("id", "username", "name", "department", "added_by", "created_at", "sha256", "reason"),
	"username"), "added_by"), "sha256")

const fitHash = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"

func fitRow(i int) []any {
	return []any{int64(i), "bartholomew", "Bartholomew Maximilian Longname-Smythe", "Sales and Marketing", "ines",
		time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), fitHash, "a reason that goes on for a good while longer than any screen"}
}

func fitLines(t *testing.T, ios *iostreams.IOStreams, out interface{ String() string }, n int) []string {
	t.Helper()
	rows := make([][]any, n)
	for i := range rows {
		rows[i] = fitRow(i + 1)
	}
	writeTable(t, ios, fitCols, rows)
	return strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
}

// Fitted to a width, piped or on a terminal, in its first block or
// streaming after it, no line of a table is wider than the width; the
// Wide column is left out, the hash is its 12-character prefix, the time
// and the Whole username are whole, and the free text ends with "…".
func TestFittedTablesKeepToTheWidth(t *testing.T) {
	for name, streams := range tableStreams() {
		for _, width := range []int{100, 130} {
			for _, n := range []int{3, blockRows + 5} {
				ios, out := streams()
				ios.SetTableWidth(width)
				lines := fitLines(t, ios, out, n)
				text := out.String()
				for _, l := range lines {
					if w := twwidth.Width(stripANSI(l)); w > width {
						t.Fatalf("%s, %d wide, %d rows: line of %d cells %q\n%s", name, width, n, w, stripANSI(l), out)
					}
				}
				if strings.Contains(text, "ADDED BY") || strings.Contains(text, "ines") {
					t.Errorf("%s: the wide-only column is shown:\n%s", name, text)
				}
				for _, want := range []string{"bartholomew", "2026-01-02T03:04:05Z", fitHash[:HashPrefix], "…"} {
					if !strings.Contains(text, want) {
						t.Errorf("%s, %d wide, %d rows: no %q in\n%s", name, width, n, want, text)
					}
				}
				if strings.Contains(text, fitHash[:HashPrefix+1]) {
					t.Errorf("%s: the hash is longer than its prefix:\n%s", name, text)
				}
			}
		}
	}
}

// -o wide shows every column whole, whatever the width; off a terminal
// with no width a table is as before: every column, whole.
func TestWideAndUnfittedTablesAreWhole(t *testing.T) {
	for _, setup := range []func(*iostreams.IOStreams){
		func(ios *iostreams.IOStreams) { ios.SetTableWidth(80); ios.SetWide(true) },
		func(*iostreams.IOStreams) {},
	} {
		ios, _, out, _ := iostreams.Test()
		setup(ios)
		fitLines(t, ios, out, 2)
		text := out.String()
		for _, want := range []string{"ADDED BY", "ines", fitHash, "Bartholomew Maximilian Longname-Smythe", "longer than any screen"} {
			if !strings.Contains(text, want) {
				t.Errorf("no %q in\n%s", want, text)
			}
		}
		if strings.Contains(text, "…") {
			t.Errorf("a value was cut:\n%s", text)
		}
	}
}

// --columns picks columns, Wide ones included, in its order, for tables
// and CSV; an unknown name is invalid input that names the columns, and
// is kept for the pipeline to refuse the command with.
func TestColumnsPickAndRefuse(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	ios.SetColumns([]string{"added_by", "id"})
	fitLines(t, ios, out, 2)
	if got, want := out.String(), "ADDED BY  ID\nines      1\nines      2\n"; got != want {
		t.Errorf("table: got\n%s\nwant\n%s", got, want)
	}

	ios, _, out, _ = iostreams.Test()
	ios.SetColumns([]string{"sha256", "id"})
	w := NewList(ios, CSV, fitCols)
	w.Row(fitRow(7)...)
	w.Close()
	if got, want := out.String(), "sha256,id\n"+fitHash+",7\n"; got != want {
		t.Errorf("csv: got\n%s\nwant\n%s", got, want)
	}

	ios, _, out, _ = iostreams.Test()
	ios.SetColumns([]string{"id", "nope"})
	w = NewList(ios, Table, fitCols)
	err := w.Row(fitRow(1)...)
	var e *errs.Error
	if !errors.As(err, &e) || errs.ExitCode(err) != 2 || !strings.Contains(err.Error(), `no column "nope"`) ||
		!strings.Contains(errs.HintOf(err), "id,username,name,department,added_by,created_at,sha256,reason") {
		t.Fatalf("unknown column: %v (hint %q)", err, errs.HintOf(err))
	}
	if w.Close() == nil || ios.OutputErr() == nil || out.Len() != 0 {
		t.Errorf("the refusal is not kept, or something was written: %q", out)
	}
}

func TestFitWidths(t *testing.T) {
	tests := []struct {
		widths []int
		flex   []bool
		room   int
		want   []int
	}{
		// Fits: as is.
		{[]int{5, 10, 20}, []bool{false, true, true}, 40, []int{5, 10, 20}},
		// The narrow flexible column keeps its width within its share;
		// the wide one takes the rest.
		{[]int{5, 10, 40}, []bool{false, true, true}, 40, []int{5, 10, 25}},
		// Two wide ones share equally.
		{[]int{5, 40, 40}, []bool{false, true, true}, 35, []int{5, 15, 15}},
		// Never below the minimum (10, or the width itself).
		{[]int{30, 40, 8}, []bool{false, true, true}, 35, []int{30, 10, 8}},
	}
	for _, tt := range tests {
		mins := make([]int, len(tt.widths))
		for i, w := range tt.widths {
			mins[i] = min(w, minFlex)
		}
		if got := fitWidths(tt.widths, tt.flex, mins, tt.room); !slices.Equal(got, tt.want) {
			t.Errorf("fitWidths(%v, %v, %d) = %v, want %v", tt.widths, tt.flex, tt.room, got, tt.want)
		}
	}
}

func stripANSI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b {
			for i < len(s) && !('a' <= s[i] && s[i] <= 'z' || 'A' <= s[i] && s[i] <= 'Z') {
				i++
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Whole columns that alone overflow the width give way too, with "…",
// rather than wrap the table; in the rows after the block as well.
func TestWholeColumnsGiveWayAsALastResort(t *testing.T) {
	cols := Whole(Cols("id", "username", "resource", "role"), "username", "resource")
	for name, streams := range tableStreams() {
		for _, n := range []int{2, blockRows + 3} {
			ios, out := streams()
			ios.SetTableWidth(46)
			rows := make([][]any, n)
			for i := range rows {
				rows[i] = []any{int64(i + 1), "bartholomew.longname", "customer-relationship-management", "edit"}
			}
			writeTable(t, ios, cols, rows)
			for _, l := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
				if w := twwidth.Width(stripANSI(l)); w > 46 {
					t.Fatalf("%s, %d rows: line of %d cells %q", name, n, w, stripANSI(l))
				}
			}
			if !strings.Contains(out.String(), "…") || !strings.Contains(out.String(), "edit") {
				t.Errorf("%s, %d rows:\n%s", name, n, out)
			}
		}
	}
}
