package output

import (
	"bufio"
	"io"
	"strconv"
	"time"
	"unicode/utf8"
)

// bufferSize is the output buffer of a list: one write(2) per 64 KB
// instead of one per row.
const bufferSize = 64 << 10

func newBuffer(w io.Writer) *bufio.Writer { return bufio.NewWriterSize(w, bufferSize) }

// flushWith writes out the rows already accepted before a list reports
// err, so an error loses nothing that a row-by-row writer would have
// shown. A failed flush is sticky in w and surfaces from the next write.
func flushWith(w *bufio.Writer, err error) error {
	w.Flush()
	return err
}

// appendValue appends v as marshal(jsonValue(v)) would, without an
// encoder per value for the types a list row is made of: strings, ints,
// bools, times, string lists and nil. Anything else, and any string with
// a character that needs more than a two-character escape, goes the slow
// way, so the bytes are the same either way.
func appendValue(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		if x == "" {
			return append(b, "null"...), nil
		}
		return appendString(b, x)
	case *string:
		if x == nil || *x == "" {
			return append(b, "null"...), nil
		}
		return appendString(b, *x)
	case bool:
		return strconv.AppendBool(b, x), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), nil
	case uint:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint64:
		return strconv.AppendUint(b, x, 10), nil
	case time.Time:
		return appendTime(b, x), nil
	case *time.Time:
		if x == nil {
			return append(b, "null"...), nil
		}
		return appendTime(b, *x), nil
	case []string:
		b = append(b, '[')
		for i, s := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendString(b, s); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	}
	m, err := marshal(jsonValue(v))
	if err != nil {
		return nil, err
	}
	return append(b, m...), nil
}

// appendTime writes what jsonValue makes of a time: RFC 3339 UTC with
// nanoseconds, or null when zero. The format has nothing to escape.
func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// appendString quotes s as marshal does. Printable ASCII, \n \r \t, " and
// \ and runes that are safe to show are written here; a string with any
// other control character, DEL, invalid UTF-8, U+2028/U+2029, a C1
// control or a format character is handed to marshal whole, which owns
// those escapes.
func appendString(b []byte, s string) ([]byte, error) {
	start := len(b)
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			if c == '"' || c == '\\' {
				b = append(b, '\\', c)
			} else {
				b = append(b, c)
			}
			i++
			continue
		}
		switch c {
		case '\n':
			b = append(b, '\\', 'n')
			i++
			continue
		case '\r':
			b = append(b, '\\', 'r')
			i++
			continue
		case '\t':
			b = append(b, '\\', 't')
			i++
			continue
		}
		if c < utf8.RuneSelf {
			return appendMarshalled(b[:start], s)
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == '\u2028' || r == '\u2029' || isUnsafeRune(r) {
			return appendMarshalled(b[:start], s)
		}
		b = append(b, s[i:i+size]...)
		i += size
	}
	return append(b, '"'), nil
}

func appendMarshalled(b []byte, s string) ([]byte, error) {
	m, err := marshal(s)
	if err != nil {
		return nil, err
	}
	return append(b, m...), nil
}
