package cmdutil

import (
	"testing"

	"github.com/custos-dev/custos/internal/errs"
)

// --json keeps the named fields in the order named, in the shape the
// command wrote (array, object, JSON Lines), nested values as they were.
func TestSelectFields(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"[\n  {\"a\":1,\"b\":{\"z\":1,\"y\":2},\"c\":null}\n]\n", "[\n  {\"c\":null,\"b\":{\"z\":1,\"y\":2}}\n]\n"},
		{"[]\n", "[]\n"},
		{"{\"a\":\"x\",\"b\":[1,2],\"c\":3}\n", "{\"c\":3,\"b\":[1,2]}\n"},
		{"{\"a\":1,\"b\":2,\"c\":3}\n{\"a\":4,\"b\":5,\"c\":6}\n", "{\"c\":3,\"b\":2}\n{\"c\":6,\"b\":5}\n"},
	} {
		got, err := selectFields([]byte(c.in), []string{"c", "b"})
		if err != nil || string(got) != c.want {
			t.Errorf("%q: got %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	_, err := selectFields([]byte(`[{"a":1}]`), []string{"b"})
	if errs.CodeOf(err) != errs.Invalid || err.Error() != `--json: no field "b"` || errs.HintOf(err) != "the fields are a" {
		t.Errorf("unknown field: %v (%s)", err, errs.HintOf(err))
	}
}
