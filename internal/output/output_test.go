package output

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/iostreams"
)

func TestSanitize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"alice", "alice"},
		{"张三", "张三"},
		{"Zoë", "Zoë"},
		{"\x1b]0;pwned\a", `\x1b]0;pwned\x07`},
		{"\x1b[31mred", `\x1b[31mred`},
		{"a\nb\tc\rd", `a\nb\tc\rd`},
		{"del\x7f", `del\x7f`},
		{"csi\u009b31m", `csi\u009b31m`},
		{"rtl\u202egnp.exe", `rtl\u202egnp.exe`},
		{"iso\u2066x\u2069", `iso\u2066x\u2069`},
		{"bad\xffutf8", `bad\xffutf8`},
		{`DOMAIN\user`, `DOMAIN\user`},
	}
	for _, tt := range tests {
		if got := Sanitize(tt.in); got != tt.want {
			t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMarshalJSONEscapesWhatEncodingJSONLeaves(t *testing.T) {
	in := "a\u009bb\x7fc\u202ed\x1b"
	b, err := MarshalJSON(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range []string{"\u009b", "\x7f", "\u202e", "\x1b"} {
		if bytes.Contains(b, []byte(raw)) {
			t.Errorf("JSON %s carries raw %q", b, raw)
		}
	}
	var back string
	if err := json.Unmarshal(b, &back); err != nil || back != in {
		t.Fatalf("round trip: %q, %v", back, err)
	}
}

// Every format escapes control characters in stored strings.
func TestNoFormatLetsControlCharactersThrough(t *testing.T) {
	evil := "\x1b]0;pwned\a\u009b2J"
	for _, f := range []Format{Table, JSON, JSONL, CSV} {
		for _, tty := range []bool{false, true} {
			ios, _, out, _ := iostreams.Test()
			ios.SetTTY(false, tty, false)
			ios.SetColorMode("never")
			w := NewList(ios, f, Cols("name", "roles"))
			if err := w.Row(evil, []string{evil}); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if err := WriteObject(ios, f, Cols("name"), evil); err != nil {
				t.Fatal(err)
			}
			if bytes.ContainsAny(out.Bytes(), "\x1b\a") || bytes.Contains(out.Bytes(), []byte("\u009b")) {
				t.Errorf("format %s (tty %v) let a control character through: %q", f, tty, out.String())
			}
		}
	}
}

func TestPlainTableAlignsWideCharacters(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	w := NewList(ios, Table, Cols("name", "department", "note"))
	w.Row("张三", "销售部", "x")
	w.Row("Zoë", "IT", "")
	w.Row("ab", "Ops", "y")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"NAME  DEPARTMENT  NOTE\n" +
		"张三  销售部      x\n" +
		"Zoë   IT\n" +
		"ab    Ops         y\n"
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestTerminalTableHasBoxesAndColorOnlyWhenAsked(t *testing.T) {
	render := func(color string) string {
		ios, _, out, _ := iostreams.Test()
		ios.SetTTY(false, true, false)
		ios.SetColorMode(color)
		w := NewList(ios, Table, Cols("name", "created_at"))
		w.Row("张三", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	plain := render("never")
	if !strings.Contains(plain, "┌") || !strings.Contains(plain, "│ NAME │ CREATED AT") {
		t.Fatalf("no box drawing or headers:\n%s", plain)
	}
	if strings.Contains(plain, "\x1b") {
		t.Fatalf("color with color off:\n%q", plain)
	}
	// Rows line up: every line has the same display width.
	lines := strings.Split(strings.TrimSpace(plain), "\n")
	for _, l := range lines[1:] {
		if w := displayWidth(l); w != displayWidth(lines[0]) {
			t.Fatalf("ragged table:\n%s", plain)
		}
	}
	if colored := render("always"); !strings.Contains(colored, "\x1b[") {
		t.Fatalf("no color with color on:\n%q", colored)
	}
}

func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x1100 && (r <= 0x115f || (r >= 0x2e80 && r <= 0xa4cf) || (r >= 0xac00 && r <= 0xd7a3) || (r >= 0xf900 && r <= 0xfaff) || (r >= 0xff00 && r <= 0xff60)) {
			n += 2
		} else {
			n++
		}
	}
	return n
}

func TestFormats(t *testing.T) {
	at := time.Date(2026, 11, 23, 9, 30, 0, 123, time.UTC)
	tests := []struct {
		f    Format
		want string
	}{
		{JSON, "[\n  {\"name\":\"ana\",\"roles\":[\"admin\",\"it\"],\"at\":\"2026-11-23T09:30:00.000000123Z\",\"n\":3,\"ok\":true}\n]\n"},
		{JSONL, "{\"name\":\"ana\",\"roles\":[\"admin\",\"it\"],\"at\":\"2026-11-23T09:30:00.000000123Z\",\"n\":3,\"ok\":true}\n"},
		{CSV, "name,roles,at,n,ok\nana,\"admin,it\",2026-11-23T09:30:00Z,3,true\n"},
		{Table, "NAME  ROLES     AT                    N  OK\nana   admin,it  2026-11-23T09:30:00Z  3  true\n"},
	}
	for _, tt := range tests {
		ios, _, out, _ := iostreams.Test()
		w := NewList(ios, tt.f, Cols("name", "roles", "at", "n", "ok"))
		if err := w.Row("ana", []string{"admin", "it"}, at, 3, true); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if out.String() != tt.want {
			t.Errorf("%s:\ngot  %q\nwant %q", tt.f, out.String(), tt.want)
		}
	}
	// An empty list is still valid JSON and CSV with its header.
	ios, _, out, _ := iostreams.Test()
	w := NewList(ios, JSON, Cols("name"))
	w.Close()
	if out.String() != "[]\n" {
		t.Errorf("empty JSON list: %q", out.String())
	}
	ios, _, out, _ = iostreams.Test()
	w = NewList(ios, CSV, Cols("name"))
	w.Close()
	if out.String() != "name\n" {
		t.Errorf("empty CSV list: %q", out.String())
	}
}

func TestRowWithWrongColumnCountFails(t *testing.T) {
	for _, f := range []Format{Table, JSON, JSONL, CSV} {
		ios, _, _, _ := iostreams.Test()
		if err := NewList(ios, f, Cols("a", "b")).Row("only one"); err == nil {
			t.Errorf("%s accepted a short row", f)
		}
	}
}

func TestObjectKeepsKeyOrder(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	o := Pairs("z", 1, "a", "x\x1b", "at", at, "list", []Object{Pairs("k", nil)})
	b, err := MarshalJSON(o)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"z":1,"a":"x\u001b","at":"2026-01-02T03:04:05Z","list":[{"k":null}]}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
}
