package output

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Sanitize returns s with every character that could drive a terminal or
// hide text escaped: C0 and C1 control characters, DEL, invisible format
// characters (bidirectional overrides, zero-width spaces and the like)
// and invalid UTF-8. A stored name such as "\x1b]0;pwned\a" is shown as the
// text `\x1b]0;pwned\a`, never as an escape sequence.
func Sanitize(s string) string {
	if isClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			fmt.Fprintf(&b, `\x%02x`, s[i])
			i++
			continue
		}
		i += size
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case isUnsafeRune(r) && r > 0xffff:
			fmt.Fprintf(&b, `\U%08x`, r)
		case isUnsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isClean is the fast path: most strings are printable ASCII.
func isClean(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f {
			return isCleanUnicode(s[i:])
		}
	}
	return true
}

func isCleanUnicode(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r < 0x20 || r == 0x7f || isUnsafeRune(r) {
			return false
		}
		i += size
	}
	return true
}

// isUnsafeRune reports the non-ASCII runes a terminal may act on or that
// change what text appears to say: the C1 controls (U+0080–U+009F, CSI
// among them) and every invisible format character (Unicode category Cf):
// the bidirectional embeddings, overrides and isolates that make text
// display in an order other than the one stored, and the zero-width
// spaces and joiners, word joiner, soft hyphen, byte-order mark and tag
// characters that make two names look the same or hide text.
func isUnsafeRune(r rune) bool {
	return (r >= 0x80 && r <= 0x9f) || unicode.Is(unicode.Cf, r)
}

// escapeJSON rewrites, in encoded JSON, the characters encoding/json leaves
// raw (DEL, C1 controls, format characters) as \u escapes. They can only occur
// inside JSON strings, so the rewrite never touches structure, and a JSON
// decoder reads back exactly the stored string.
func escapeJSON(b []byte) []byte {
	if isClean(string(b)) || !bytes.ContainsFunc(b, func(r rune) bool { return r == 0x7f || isUnsafeRune(r) }) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r > 0xffff && isUnsafeRune(r) {
			// JSON's \u takes four hex digits: a surrogate pair.
			r1, r2 := utf16.EncodeRune(r)
			out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
		} else if r == 0x7f || isUnsafeRune(r) {
			out = fmt.Appendf(out, `\u%04x`, r)
		} else {
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	return out
}

// EscapeJSON rewrites, in encoded JSON from another encoder (a jq
// result), the characters that could drive a terminal as \u escapes, as
// every JSON custos writes has them.
func EscapeJSON(b []byte) []byte { return escapeJSON(b) }
