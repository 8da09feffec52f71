package output

import (
	"encoding/json"
	"testing"
)

// Invisible format characters (Unicode category Cf) make two names that
// look the same differ, or hide text: they are escaped like bidi overrides.
func TestSanitizeEscapesInvisibleFormatCharacters(t *testing.T) {
	tests := []struct{ in, want string }{
		{"zo\u200be", `zo\u200be`},
		{"a\u200cb\u200dc\u200ed\u200ff", `a\u200cb\u200dc\u200ed\u200ff`},
		{"w\u2060j\u2064", `w\u2060j\u2064`},
		{"\ufeffbom", `\ufeffbom`},
		{"soft\u00adhyphen", `soft\u00adhyphen`},
		{"tag\U000E0041", `tag\U000e0041`},
		{"arabic\u0600mark", `arabic\u0600mark`},
		{"Zoë 张三", "Zoë 张三"},
	}
	for _, tt := range tests {
		if got := Sanitize(tt.in); got != tt.want {
			t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
		}
		// JSON carries them escaped too, and decodes to the stored string.
		b, err := MarshalJSON(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		var back string
		if err := json.Unmarshal(b, &back); err != nil || back != tt.in {
			t.Errorf("JSON %s: %q, %v", b, back, err)
		}
	}
}
