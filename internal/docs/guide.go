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
// part of the session. In a block, "NAME$ custos …" is a command run by
// the operator NAME; the lines after it are what it prints, each of which
// must appear in full (on stderr for lines starting "custos: " or "hint: ",
// on either stream otherwise, as on a terminal; a line ending in "…" is
// matched up to there); "[exit N]" says the command exits with status N. GuideScripts turns each session into
// testdata/script/guide_NAME.txtar.

var (
	sessionStart = regexp.MustCompile(`^<!-- session: ([a-z0-9-]+)\s*$`)
	prompt       = regexp.MustCompile(`^([a-z][a-z0-9_.-]*)\$ (.+)$`)
	exitLine     = regexp.MustCompile(`^\[exit (\d+)\]$`)
)

// GuideScripts returns the testscript of each session of the guide, by
// name.
func GuideScripts(guide []byte) (map[string][]byte, error) {
	out := map[string][]byte{}
	var name string
	var script, files []string
	var cmds []guideCmd
	flush := func() {
		if name == "" {
			return
		}
		var b bytes.Buffer
		b.WriteString(generatedHeader)
		for _, l := range script {
			fmt.Fprintln(&b, l)
		}
		user := ""
		for _, c := range cmds {
			if c.user != user {
				fmt.Fprintf(&b, "env CUSTOS_TEST_OSUSER=%s\n", c.user)
				user = c.user
			}
			if c.exit != "" {
				fmt.Fprintf(&b, "exits %s %s\n", c.exit, c.line)
			} else {
				fmt.Fprintf(&b, "exec %s\n", c.line)
			}
			for _, o := range c.out {
				stream := "output" // stdout or stderr, as on a terminal
				if strings.HasPrefix(o, "custos: ") || strings.HasPrefix(o, "hint: ") {
					stream = "stderr"
				}
				re := "^" + regexp.QuoteMeta(o) + "$"
				if p, ok := strings.CutSuffix(o, "…"); ok {
					re = "^" + regexp.QuoteMeta(p)
				}
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
	inComment, inFiles, inBlock := false, false, false
	for n := 1; sc.Scan(); n++ {
		l := sc.Text()
		switch {
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
				cmds = append(cmds, guideCmd{user: m[1], line: m[2]})
				continue
			}
			if len(cmds) == 0 {
				return nil, fmt.Errorf("guide.md:%d: output before any command of session %s", n, name)
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
const generatedHeader = "# Generated from docs/guide.md by go run ./cmd/gen-docs; edit the guide, not this file.\n"

// IsGenerated reports whether a script is one GuideScripts wrote.
func IsGenerated(script []byte) bool { return bytes.HasPrefix(script, []byte(generatedHeader)) }

type guideCmd struct {
	user, line string
	out        []string
	exit       string // the exit status it must have; "" for 0
}

// WriteGuideScripts writes the guide's sessions into dir as
// guide_NAME.txtar, removing those it wrote for sessions the guide no
// longer has (a script written by hand is left alone).
func WriteGuideScripts(guidePath, dir string) error {
	b, err := os.ReadFile(guidePath)
	if err != nil {
		return err
	}
	scripts, err := GuideScripts(b)
	if err != nil {
		return err
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
	for name, s := range scripts {
		if err := os.WriteFile(filepath.Join(dir, "guide_"+strings.ReplaceAll(name, "-", "_")+".txtar"), s, 0o644); err != nil {
			return err
		}
	}
	return nil
}
