package output

import (
	"strings"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/iostreams"
)

// A missing value is null in JSON and JSON Lines, for strings as for
// times: a script tests for one thing, not for "" here and null there.
func TestMissingValuesAreNull(t *testing.T) {
	for _, f := range []Format{JSON, JSONL} {
		ios, _, out, _ := iostreams.Test()
		var none *string
		w := NewList(ios, f, Cols("a", "b", "c", "d"))
		if err := w.Row("", none, time.Time{}, "x"); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if got := out.String(); !strings.Contains(got, `{"a":null,"b":null,"c":null,"d":"x"}`) {
			t.Errorf("%s: %q", f, got)
		}
		out.Reset()
		if err := WriteObject(ios, f, Cols("a"), ""); err != nil || out.String() != "{\"a\":null}\n" {
			t.Errorf("%s object: %q %v", f, out, err)
		}
	}
}
