package output

import (
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzSanitize: whatever a stored string holds, Sanitize returns valid
// UTF-8 with no control character (C0, DEL, C1) and no invisible format
// character (Cf) left raw, the same output every time, a clean string
// unchanged, and output that a second Sanitize leaves alone.
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{
		"",
		"plain ascii",
		"line\nbreak\r\ttab",
		"\x1b]0;pwned\a",
		"\x1b[31mred\x1b[0m",
		"\x00\x7f",
		"\u009b31m",                    // CSI as a C1 control
		"evil\u202egpj.exe",            // right-to-left override
		"a\u200bb\u200dc\u2060d\ufeff", // zero-width characters, BOM
		"\U000e0041\U000e007f",         // tag characters
		"\U0001d173",                   // a musical format character above the BMP
		"\xff\xfe\xc0\x80",             // invalid UTF-8
		"\xed\xa0\x80",                 // an encoded surrogate
		"日本語 ü é",
		`\x1b already escaped`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Sanitize(s)
		if again := Sanitize(s); again != out {
			t.Fatalf("Sanitize(%q) gave %q, then %q", s, out, again)
		}
		if !utf8.ValidString(out) {
			t.Fatalf("Sanitize(%q) = %q, not valid UTF-8", s, out)
		}
		for i, r := range out {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
				t.Fatalf("Sanitize(%q) = %q: %U left raw at byte %d", s, out, r, i)
			}
		}
		if Sanitize(out) != out {
			t.Fatalf("Sanitize(%q) = %q, which a second Sanitize changes to %q", s, out, Sanitize(out))
		}
		if isClean(s) && out != s {
			t.Fatalf("clean %q changed to %q", s, out)
		}
	})
}
