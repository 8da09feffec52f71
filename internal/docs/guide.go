package docs

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// The guide's chapters show shell sessions that the test suite runs. A
// chapter's sessions start at a comment naming them, which also holds
// what the reader need not see — the setting-up commands and the files
// the session reads, in testscript's own syntax:
//
//	<!-- session: purge-plans
//	env CUSTOS_TEST_NOW=2026-11-23T02:15:00Z
//	exec custos init
//	-- calls.csv --
//	class,created,subject
//	-->
//
// Every ```console block after it, up to the next session or chapter, is
// part of the session (a ```shell-session block is shown, not run). In a block, "NAME$ custos …" is a command run by
// the operator NAME, and "$ custos …" one run by ana, the login the test
// suite gives the reader; a command is read as a shell reads it (quotes,
// a trailing "\" continuing it on the next line, a "# comment", and
// "> FILE" keeping what it prints in FILE), and "export NAME=VALUE" sets
// a variable for the commands after it. A comment "<!-- then" in a session
// holds testscript lines run at that point, which the reader need not see
// (the clock moving on to the day a later block shows). The lines after it are what it
// prints, each of which must appear in full (on stderr for lines starting
// "custos: " or "hint: ", on either stream otherwise, as on a terminal);
// "…" in a line (with the spaces around it) stands for any text (what
// differs from one run to the next: a time, a password, a path), and a
// line ending in "…" is matched up to there. "[exit N]" says the command exits with status N.
// GuideScripts turns each session into testdata/script/guide_NAME.txtar.

var (
	sessionStart = regexp.MustCompile(`^<!-- session: ([a-z0-9-]+)\s*$`)
	sessionThen  = regexp.MustCompile(`^<!-- then\s*$`)
	prompt       = regexp.MustCompile(`^([a-z][a-z0-9_.-]*)?\$ (.+)$`)
	exitLine     = regexp.MustCompile(`^\[exit (\d+)\]$`)
	envAssign    = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*=[A-Za-z0-9_./:,@+%-]*$`)
)

// reader is the operator a prompt without a name ("$ custos …") runs as:
// the login the test suite gives every script.
const reader = "ana"

// GuideScripts returns the testscript of each session of the guide, by
// name.
func GuideScripts(guide []byte) (map[string][]byte, error) {
	return sessionScripts("docs/guide.md", guide)
}

// sessionScripts returns the testscript of each session of a Markdown
// file, by name; source names the file in errors and in each script's
// first line.
func sessionScripts(source string, guide []byte) (map[string][]byte, error) {
	out := map[string][]byte{}
	var name string
	var script, files []string
	var cmds []guideCmd
	flush := func() {
		if name == "" {
			return
		}
		var b bytes.Buffer
		fmt.Fprintf(&b, generatedHeader, source)
		for _, l := range script {
			fmt.Fprintln(&b, l)
		}
		user := ""
		for _, c := range cmds {
			if c.raw != nil {
				for _, l := range c.raw {
					fmt.Fprintln(&b, l)
				}
				user = "" // the lines may have changed it
				continue
			}
			if c.user != user {
				fmt.Fprintf(&b, "env CUSTOS_TEST_OSUSER=%s\n", c.user)
				user = c.user
			}
			if c.env != "" {
				fmt.Fprintf(&b, "env %s\n", c.env)
				continue
			}
			if c.exit != "" {
				fmt.Fprintf(&b, "exits %s %s\n", c.exit, c.line)
			} else {
				fmt.Fprintf(&b, "exec %s\n", c.line)
			}
			if c.to != "" {
				fmt.Fprintf(&b, "cp stdout %s\n", quoteArg(c.to))
			}
			for _, o := range c.out {
				stream := "output" // stdout or stderr, as on a terminal
				if strings.HasPrefix(o, "custos: ") || strings.HasPrefix(o, "hint: ") {
					stream = "stderr"
				}
				re := outputPattern(o)
				fmt.Fprintf(&b, "%s '%s'\n", stream, strings.ReplaceAll(re, "'", "''"))
			}
		}
		for _, l := range files {
			fmt.Fprintln(&b, l)
		}
		out[name] = b.Bytes()
		name, script, files, cmds = "", nil, nil, nil
	}
	sc := bufio.NewScanner(bytes.NewReader(guide))
	inComment, inFiles, inBlock, inThen := false, false, false, false
	cont := "" // a command continued on the next line
	for n := 1; sc.Scan(); n++ {
		l := sc.Text()
		if inBlock && cont != "" {
			l, cont = cont+" "+strings.TrimSpace(l), ""
		}
		if inBlock && prompt.MatchString(l) && strings.HasSuffix(l, "\\") {
			cont = strings.TrimSuffix(l, "\\")
			continue
		}
		switch {
		case inThen:
			if strings.TrimSpace(l) == "-->" {
				inThen = false
				continue
			}
			c := &cmds[len(cmds)-1]
			c.raw = append(c.raw, l)
		case name != "" && sessionThen.MatchString(l):
			inThen = true
			cmds = append(cmds, guideCmd{raw: []string{}})
		case inComment:
			if strings.TrimSpace(l) == "-->" {
				inComment = false
				continue
			}
			if strings.HasPrefix(l, "-- ") && strings.HasSuffix(l, " --") {
				inFiles = true
			}
			if inFiles {
				files = append(files, l)
			} else {
				script = append(script, l)
			}
		case inBlock:
			if strings.HasPrefix(l, "```") {
				inBlock = false
				continue
			}
			if m := prompt.FindStringSubmatch(l); m != nil {
				user := m[1]
				if user == "" {
					user = reader
				}
				if v, ok := strings.CutPrefix(m[2], "export "); ok {
					if !envAssign.MatchString(v) {
						return nil, fmt.Errorf("%s:%d: %q: export NAME=VALUE, one plain value", source, n, m[2])
					}
					cmds = append(cmds, guideCmd{user: user, env: v})
					continue
				}
				line, to, err := shellLine(m[2])
				if err != nil {
					return nil, fmt.Errorf("%s:%d: %v", source, n, err)
				}
				cmds = append(cmds, guideCmd{user: user, line: line, to: to})
				continue
			}
			if len(cmds) == 0 {
				return nil, fmt.Errorf("%s:%d: output before any command of session %s", source, n, name)
			}
			c := &cmds[len(cmds)-1]
			if m := exitLine.FindStringSubmatch(l); m != nil {
				c.exit = m[1]
			} else if strings.TrimSpace(l) != "" {
				c.out = append(c.out, l)
			}
		case sessionStart.MatchString(l):
			flush()
			name, inComment, inFiles = sessionStart.FindStringSubmatch(l)[1], true, false
		case strings.HasPrefix(l, "## "):
			flush()
		case name != "" && strings.HasPrefix(l, "```console"):
			inBlock = true
		}
	}
	flush()
	return out, sc.Err()
}

// generatedHeader starts every script GuideScripts writes, so that
// WriteGuideScripts replaces only those.
const generatedHeader = "# Generated from %s by go run ./cmd/gen-docs; edit it, not this file.\n"

var generatedLine = regexp.MustCompile(`^# Generated from \S+ by go run ./cmd/gen-docs; edit`)

// IsGenerated reports whether a script is one GuideScripts wrote.
func IsGenerated(script []byte) bool { return generatedLine.Match(script) }

type guideCmd struct {
	user, line string
	to         string   // the file its standard output goes to, if any
	env        string   // NAME=VALUE for "export NAME=VALUE", instead of a command
	raw        []string // the lines of a "<!-- then" comment, instead of a command
	out        []string
	exit       string // the exit status it must have; "" for 0
}

// outputPattern is the regexp a line of expected output must match in
// full: "…" stands for any text, and at the end of the line for the rest
// of it.
func outputPattern(o string) string {
	p, prefix := strings.CutSuffix(o, "…")
	if prefix {
		p = strings.TrimRight(p, " ")
	}
	parts := strings.Split(p, "…")
	for i := range parts {
		// The spaces around "…" keep a table's columns aligned for the
		// reader; they are part of what it stands for.
		if i > 0 {
			parts[i] = strings.TrimLeft(parts[i], " ")
		}
		if i < len(parts)-1 {
			parts[i] = strings.TrimRight(parts[i], " ")
		}
		parts[i] = regexp.QuoteMeta(parts[i])
	}
	re := "^" + strings.Join(parts, ".*")
	if !prefix {
		re += "$"
	}
	return re
}

// shellLine reads a command as a shell would (single and double quotes,
// backslashes, a "# comment", "> FILE") and writes it as testscript
// reads it; to is the file its output is redirected to.
func shellLine(line string) (args, to string, err error) {
	var words []string
	var w strings.Builder
	inWord, redirect := false, false
	end := func() error {
		if !inWord {
			return nil
		}
		if redirect {
			if to != "" {
				return fmt.Errorf("%q: more than one > FILE", line)
			}
			to, redirect = w.String(), false
		} else {
			words = append(words, w.String())
		}
		w.Reset()
		inWord = false
		return nil
	}
	rs := []rune(line)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == ' ' || r == '\t':
			if err := end(); err != nil {
				return "", "", err
			}
		case r == '#' && !inWord:
			i = len(rs)
		case r == '>' && !inWord:
			redirect = true
		case r == '\'':
			j := i + 1
			for j < len(rs) && rs[j] != '\'' {
				j++
			}
			if j == len(rs) {
				return "", "", fmt.Errorf("%q: unterminated quote", line)
			}
			w.WriteString(string(rs[i+1 : j]))
			inWord, i = true, j
		case r == '"':
			j := i + 1
			for ; j < len(rs) && rs[j] != '"'; j++ {
				if rs[j] == '$' || rs[j] == '`' {
					return "", "", fmt.Errorf("%q: a session cannot expand $ or `", line)
				}
				if rs[j] == '\\' && j+1 < len(rs) {
					j++
				}
				w.WriteRune(rs[j])
			}
			if j == len(rs) {
				return "", "", fmt.Errorf("%q: unterminated quote", line)
			}
			inWord, i = true, j
		case r == '\\' && i+1 < len(rs):
			i++
			w.WriteRune(rs[i])
			inWord = true
		case r == '$' || r == '`' || r == '|' || r == ';' || r == '&' || r == '<' || r == '*' || r == '?':
			return "", "", fmt.Errorf("%q: a session runs one command, without %q", line, r)
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if err := end(); err != nil {
		return "", "", err
	}
	if redirect || len(words) == 0 {
		return "", "", fmt.Errorf("%q: incomplete command", line)
	}
	if strings.Contains(words[0], "=") {
		return "", "", fmt.Errorf("%q: set a variable with export NAME=VALUE on a line of its own, or show the block as shell-session, which does not run", line)
	}
	for i, a := range words {
		words[i] = quoteArg(a)
	}
	return strings.Join(words, " "), to, nil
}

var plainArg = regexp.MustCompile(`^[A-Za-z0-9_./:,=@+%-]+$`)

// quoteArg writes one argument as testscript reads it.
func quoteArg(a string) string {
	if plainArg.MatchString(a) {
		return a
	}
	return "'" + strings.ReplaceAll(a, "'", "''") + "'"
}

// SessionSources are the Markdown files, relative to the repository's
// root, whose sessions the test suite runs.
var SessionSources = []string{"README.md", "docs/guide.md", "docs/audit-log.md", "docs/postgresql.md"}

// WriteGuideScripts writes the sessions of the Markdown files at paths
// (SessionSources, under root) into dir as guide_NAME.txtar, removing
// those it wrote for sessions the files no longer have (a script written
// by hand is left alone).
func WriteGuideScripts(root, dir string) error {
	scripts := map[string][]byte{}
	from := map[string]string{}
	for _, src := range SessionSources {
		b, err := os.ReadFile(filepath.Join(root, src))
		if err != nil {
			return err
		}
		s, err := sessionScripts(src, b)
		if err != nil {
			return err
		}
		for name, script := range s {
			if other, ok := from[name]; ok {
				return fmt.Errorf("%s and %s both have a session %s: rename one", other, src, name)
			}
			from[name], scripts[name] = src, script
		}
	}
	old, _ := filepath.Glob(filepath.Join(dir, "guide_*.txtar"))
	for _, p := range old {
		if b, err := os.ReadFile(p); err != nil || !IsGenerated(b) {
			continue // written by hand
		}
		if err := os.Remove(p); err != nil {
			return err
		}
	}
	written := map[string]string{}
	for name, s := range scripts {
		file := "guide_" + strings.ReplaceAll(name, "-", "_") + ".txtar"
		if other, ok := written[file]; ok {
			return fmt.Errorf("the guide's sessions %s and %s would both be %s: rename one", other, name, file)
		}
		written[file] = name
		path := filepath.Join(dir, file)
		if b, err := os.ReadFile(path); err == nil && !IsGenerated(b) {
			return fmt.Errorf("%s was written by hand: rename the guide's session %s", path, name)
		}
		if err := os.WriteFile(path, s, 0o644); err != nil {
			return err
		}
	}
	return nil
}
