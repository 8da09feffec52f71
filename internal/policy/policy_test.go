package policy

import "testing"

// Count takes a whole number in range, written plainly, and nothing else.
func TestCount(t *testing.T) {
	days := Count("days", 1, 365)
	for in, want := range map[string]string{"7": "7", " 30 ": "30", "365": "365", "1": "1"} {
		if got, err := days(in); err != nil || got != want {
			t.Errorf("%q: %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"0", "366", "-1", "+7", "07", "7d", "", "seven", "1e2"} {
		if got, err := days(in); err == nil {
			t.Errorf("%q accepted as %q", in, got)
		}
	}
	if _, err := days("0"); err == nil || err.Error() != `"0" is not a number of days from 1 to 365` {
		t.Errorf("message: %v", err)
	}
}
