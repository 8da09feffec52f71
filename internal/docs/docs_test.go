package docs

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// The committed reference and man pages must match the help text: change
// a flag's help without regenerating and this fails.
func TestCommittedDocsAreCurrent(t *testing.T) {
	tmp := t.TempDir()
	if err := Generate(tmp); err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"reference", "man"} {
		want, err := os.ReadDir(filepath.Join(tmp, sub))
		if err != nil {
			t.Fatal(err)
		}
		have, _ := os.ReadDir(filepath.Join("..", "..", "docs", sub))
		if len(have) != len(want) {
			t.Errorf("docs/%s has %d files, the commands need %d: run go run ./cmd/gen-docs --dir docs", sub, len(have), len(want))
		}
		for _, e := range want {
			g, _ := os.ReadFile(filepath.Join(tmp, sub, e.Name()))
			c, err := os.ReadFile(filepath.Join("..", "..", "docs", sub, e.Name()))
			if err != nil || !bytes.Equal(g, c) {
				t.Errorf("docs/%s/%s is stale: run go run ./cmd/gen-docs --dir docs", sub, e.Name())
			}
		}
	}
}

// Help is documentation: every command a user can run says what it does,
// in a sentence and at length, and shows an example.
func TestEveryCommandIsDocumented(t *testing.T) {
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" || c.Parent() != nil && c.Parent().Name() == "completion" || c.Name() == "completion" {
			return
		}
		if c.Short == "" || c.Long == "" {
			t.Errorf("%s has no Short or Long help", c.CommandPath())
		}
		if c.Runnable() && c.HasParent() && len(c.Commands()) == 0 && c.Example == "" {
			t.Errorf("%s has no Example", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(Tree())
}

// The guide's sessions are testscripts: the committed
// testdata/script/guide_*.txtar must be what the guide says, so a doc
// example that fails fails go test.
func TestGuideScriptsAreCurrent(t *testing.T) {
	tmp := t.TempDir()
	if err := WriteGuideScripts(filepath.Join("..", ".."), tmp); err != nil {
		t.Fatal(err)
	}
	want, _ := filepath.Glob(filepath.Join(tmp, "guide_*.txtar"))
	var have []string
	all, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "script", "guide_*.txtar"))
	for _, p := range all {
		if b, _ := os.ReadFile(p); IsGenerated(b) {
			have = append(have, p)
		}
	}
	if len(want) == 0 {
		t.Fatal("the guide has no sessions")
	}
	if len(have) != len(want) {
		t.Errorf("testdata/script has %d guide scripts, the guide %d sessions: run go run ./cmd/gen-docs", len(have), len(want))
	}
	for _, p := range want {
		g, _ := os.ReadFile(p)
		c, err := os.ReadFile(filepath.Join("..", "..", "testdata", "script", filepath.Base(p)))
		if err != nil || !bytes.Equal(g, c) {
			t.Errorf("testdata/script/%s is stale: run go run ./cmd/gen-docs", filepath.Base(p))
		}
	}
}

// Every man page has the sections an administrator looks for: the exit
// codes, the environment, the files, and where to read on.
func TestManPagesHaveTheUsualSections(t *testing.T) {
	tmp := t.TempDir()
	if err := Generate(tmp); err != nil {
		t.Fatal(err)
	}
	pages, _ := filepath.Glob(filepath.Join(tmp, "man", "*.1"))
	if len(pages) < 40 {
		t.Fatalf("%d man pages", len(pages))
	}
	for _, p := range pages {
		b, _ := os.ReadFile(p)
		page := string(b)
		last := -1
		for _, s := range []string{".SH NAME", ".SH EXIT STATUS", ".SH ENVIRONMENT", ".SH FILES", ".SH SEE ALSO"} {
			i := strings.Index(page, s)
			if i < last {
				t.Errorf("%s: %q missing or out of order", filepath.Base(p), s)
			}
			last = i
		}
		if !strings.Contains(page, "130  interrupted") || !strings.Contains(page, "CUSTOS_DB") || !strings.Contains(page, "/etc/custos/config.yaml") {
			t.Errorf("%s: the sections lack the exit codes, the environment or the files", filepath.Base(p))
		}
	}
}
