package cmdutil

import "testing"

// A dry run's JSON is the real command's, each object marked "dry_run":
// true at its end, in the shape the command wrote; an object that says
// already is left as it is, and what is not an object passes unchanged.
func TestMarkDryRun(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"{\"a\":1,\"b\":{\"z\":1}}\n", "{\"a\":1,\"b\":{\"z\":1},\"dry_run\":true}\n"},
		{"{}\n", "{\"dry_run\":true}\n"},
		{"[\n  {\"a\":1},\n  {\"a\":2}\n]\n", "[\n  {\"a\":1,\"dry_run\":true},\n  {\"a\":2,\"dry_run\":true}\n]\n"},
		{"[]\n", "[]\n"},
		{"{\"a\":1}\n{\"a\":2}\n", "{\"a\":1,\"dry_run\":true}\n{\"a\":2,\"dry_run\":true}\n"},
		{"{\"dry_run\":true,\"kept\":3}\n", "{\"dry_run\":true,\"kept\":3}\n"},
		{"[1,\"x\"]\n", "[\n  1,\n  \"x\"\n]\n"},
	} {
		got, err := markDryRun([]byte(c.in))
		if err != nil || string(got) != c.want {
			t.Errorf("%q: got %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	if _, err := markDryRun([]byte("{\"a\":")); err == nil {
		t.Error("broken JSON: no error")
	}
}
