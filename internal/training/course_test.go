package training

import (
	"regexp"
	"strings"
	"testing"
)

// validCourse is the pattern ^[a-z0-9][a-z0-9._-]{0,63}$ written out; the
// regexp is the oracle here.
func TestValidCourseMatchesPattern(t *testing.T) {
	re := regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)
	cases := []string{"", "a", "0", ".a", "_a", "-a", "a.b_c-d", "A", "aB", "a b", "é", "a/b",
		strings.Repeat("a", 64), strings.Repeat("a", 65), "a" + strings.Repeat(".", 63), "a" + strings.Repeat(".", 64)}
	alphabet := "az09._-A /"
	for _, a := range alphabet {
		for _, b := range alphabet {
			cases = append(cases, string(a)+string(b), "x"+string(a)+string(b))
		}
	}
	for _, c := range cases {
		if got, want := validCourse(c), re.MatchString(c); got != want {
			t.Errorf("validCourse(%q) = %v, the pattern says %v", c, got, want)
		}
	}
}
