package docs

import (
	"regexp"
	"strings"
	"testing"
)

// A session's commands are read as a shell reads them and written as
// testscript reads them.
func TestSessionCommandsReadAsAShellReadsThem(t *testing.T) {
	for _, c := range []struct{ line, args, to, err string }{
		{line: `custos account list`, args: `custos account list`},
		{line: `custos policy set org.name "Example Ltd"`, args: `custos policy set org.name 'Example Ltd'`},
		{line: `custos account request x --department 'R&D'`, args: `custos account request x --department 'R&D'`},
		{line: `custos x --reason "it's done"`, args: `custos x --reason 'it''s done'`},
		{line: `custos x --name 张伟`, args: `custos x --name '张伟'`},
		{line: `custos x a\ b`, args: `custos x 'a b'`},
		{line: `custos audit log       # the last 100`, args: `custos audit log`},
		{line: `custos x -o csv > out.csv   # kept`, args: `custos x -o csv`, to: "out.csv"},
		{line: `custos x --department R&D`, err: `without '&'`},
		{line: `custos x | head`, err: `without '|'`},
		{line: `custos x --out cp-$(date +%F).txt`, err: `without '$'`},
		{line: `custos x "$HOME"`, err: "cannot expand"},
		{line: `custos x 'open`, err: "unterminated quote"},
		{line: `custos x >`, err: "incomplete command"},
		{line: `PGUSER=alice custos x`, err: "export NAME=VALUE"},
	} {
		args, to, err := shellLine(c.line)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("shellLine(%q): error %v, want one saying %q", c.line, err, c.err)
			}
			continue
		}
		if err != nil || args != c.args || to != c.to {
			t.Errorf("shellLine(%q) = %q, %q, %v; want %q, %q", c.line, args, to, err, c.args, c.to)
		}
	}
}

// "…" in an expected line stands for any text, spaces around it included;
// at the end of the line, for the rest of it.
func TestEllipsisInOutputStandsForAnyText(t *testing.T) {
	for _, c := range []struct {
		want, got string
		match     bool
	}{
		{"Audit log intact: 5 entries.", "Audit log intact: 5 entries.", true},
		{"Audit log intact: 5 entries.", "Audit log intact: 5 entries. More", false},
		{"Initial password (shown once, stored nowhere): …", "Initial password (shown once, stored nowhere): x#9", true},
		{"head entry 5 (…).", "head entry 5 (b14b6edbc593…).", true},
		{"5    …                     audrey    x", "5    2026-12-01T01:27:55Z  audrey    x", true},
		{"5    …                     audrey    x", "5    2026-12-01T01:27:55Z  mallory   x", false},
		{"a (b)…", "a [b] c", false},
	} {
		re := regexp.MustCompile(outputPattern(c.want))
		if re.MatchString(c.got) != c.match {
			t.Errorf("%q against %q (%s): match %v, want %v", c.want, c.got, re, !c.match, c.match)
		}
	}
}

// The prompt names the operator; a bare "$" is the reader, ana. A command
// continues after a trailing backslash, > FILE keeps its output, and
// export sets a variable for what follows; a "then" comment runs hidden
// lines there; a shell-session block is not run.
func TestSessionScript(t *testing.T) {
	md := "## Chapter\n\n<!-- session: demo\nexec custos init\n-- a.csv --\nx\n-->\n\n" +
		"```console\n" +
		"$ custos account request zoe --name \"Zoë Å\" \\\n    --department Sales\n" +
		"Requested account zoe…\n" +
		"maria$ custos account approve zoe --stage it\n" +
		"custos: maria may not …\n" +
		"[exit 4]\n" +
		"$ export CUSTOS_AUDIT_SIGNING_KEY=k.key\n" +
		"$ custos audit export -o jsonl > log.jsonl\n" +
		"```\n\n<!-- then\nenv CUSTOS_TEST_NOW=2026-12-31T00:00:00Z\n-->\n\n```console\n$ custos account expire\n```\n" +
		"\n```shell-session\n$ PGUSER=x custos shown only\n```\n\n## Next\n\n```console\n$ custos not in a session\n```\n"
	scripts, err := sessionScripts("x.md", []byte(md))
	if err != nil {
		t.Fatal(err)
	}
	want := `# Generated from x.md by go run ./cmd/gen-docs; edit it, not this file.
exec custos init
env CUSTOS_TEST_OSUSER=ana
exec custos account request zoe --name 'Zoë Å' --department Sales
output '^Requested account zoe'
env CUSTOS_TEST_OSUSER=maria
exits 4 custos account approve zoe --stage it
stderr '^custos: maria may not'
env CUSTOS_TEST_OSUSER=ana
env CUSTOS_AUDIT_SIGNING_KEY=k.key
exec custos audit export -o jsonl
cp stdout log.jsonl
env CUSTOS_TEST_NOW=2026-12-31T00:00:00Z
env CUSTOS_TEST_OSUSER=ana
exec custos account expire
-- a.csv --
x
`
	if len(scripts) != 1 || string(scripts["demo"]) != want {
		t.Errorf("got %d script(s):\n%s\nwant:\n%s", len(scripts), scripts["demo"], want)
	}
	if !IsGenerated(scripts["demo"]) {
		t.Error("IsGenerated is false for a generated script")
	}
	if _, err := sessionScripts("x.md", []byte("<!-- session: bad\n-->\n```console\n$ custos x | head\n```\n")); err == nil || !strings.Contains(err.Error(), "x.md:4:") {
		t.Errorf("a pipe in a session: %v, want an error naming x.md:4", err)
	}
}
