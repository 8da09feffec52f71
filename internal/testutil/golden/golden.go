// Package golden compares test output with golden files under a package's
// testdata directory. Run the tests with -update to rewrite the files
// instead of comparing; review the rewrite with git diff before committing.
//
// The diff is a plain line diff: go-cmp is not a dependency of custos, and
// golden files are small text tables, for which lines are the right unit.
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// update is registered once here, so every test binary that compares with
// golden files accepts the same -update flag.
var update = flag.Bool("update", false, "rewrite golden files under testdata")

// Check compares got with testdata/name. With -update it writes got to the
// file first, so the comparison passes and git diff shows the change. On a
// difference it fails t with a line diff (- want, + got).
func Check(t testing.TB, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs (- want, + got; go test -update to accept):\n%s", path, Diff(string(want), string(got)))
	}
}

// maxCells bounds the work of the line diff (lines of want × lines of got);
// beyond it Diff shows both texts whole rather than spend quadratic time.
const maxCells = 4 << 20

// Diff returns a line diff of want and got: unchanged lines start with two
// spaces, lines only in want with "- ", lines only in got with "+ ". A
// difference in the final newline alone is reported as such.
func Diff(want, got string) string {
	if want == got {
		return ""
	}
	a, b := lines(want), lines(got)
	if len(a)*len(b) > maxCells {
		return "want:\n" + want + "\ngot:\n" + got + "\n"
	}
	// lcs[i][j] is the length of the longest common subsequence of a[i:]
	// and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			out.WriteString("  " + a[i] + "\n")
			i++
			j++
		case i < len(a) && (j == len(b) || lcs[i+1][j] >= lcs[i][j+1]):
			out.WriteString("- " + a[i] + "\n")
			i++
		default:
			out.WriteString("+ " + b[j] + "\n")
			j++
		}
	}
	if onlyCommon(out.String()) {
		// Same lines, so the texts differ only in the final newline.
		return "the final newline differs: want " + finalNewline(want) + ", got " + finalNewline(got) + "\n"
	}
	return out.String()
}

// lines splits s into lines without their newlines; a final newline does
// not start another line.
func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

func onlyCommon(d string) bool {
	for _, l := range strings.Split(strings.TrimSuffix(d, "\n"), "\n") {
		if !strings.HasPrefix(l, "  ") {
			return false
		}
	}
	return true
}

func finalNewline(s string) string {
	if strings.HasSuffix(s, "\n") {
		return "one"
	}
	return "none"
}
