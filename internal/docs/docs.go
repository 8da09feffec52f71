// Package docs generates the command reference (Markdown) and man pages
// from the custos command tree.
package docs

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/cli/root"
	"github.com/custos-dev/custos/internal/iostreams"
)

// manDate is the date printed in the man pages. It is fixed, so that
// regenerating unchanged help gives byte-identical pages.
var manDate = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

// Tree builds the command tree as the binary does.
func Tree() *cobra.Command {
	ios, _, _, _ := iostreams.Test()
	cmd := root.NewCmdRoot(&cmdutil.Factory{IO: ios})
	cmd.InitDefaultCompletionCmd()
	cmd.InitDefaultHelpCmd()
	cmd.DisableAutoGenTag = true
	return cmd
}

// Generate writes dir/reference/*.md and dir/man/*.1, replacing what is
// there.
func Generate(dir string) error {
	ref, man := filepath.Join(dir, "reference"), filepath.Join(dir, "man")
	for _, d := range []string{ref, man} {
		if err := os.RemoveAll(d); err != nil {
			return err
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if err := doc.GenMarkdownTree(Tree(), ref); err != nil {
		return err
	}
	tree := Tree()
	if err := doc.GenManTree(tree, &doc.GenManHeader{
		Title: "CUSTOS", Section: "1", Source: "custos", Manual: "custos manual", Date: &manDate,
	}, man); err != nil {
		return err
	}
	return addManSections(tree, man)
}

// files is the FILES section of every man page.
const files = `/etc/custos/config.yaml
    the system's client settings (a shared store's db); packages install it
$XDG_CONFIG_HOME/custos/config.yaml (~/.config/custos/config.yaml)
    your client settings, merged over the system's key by key
$XDG_DATA_HOME/custos/custos.db (~/.local/share/custos/custos.db)
    the default store
/var/lib/custos/custos.db
    the usual shared store; packages create /var/lib/custos for the group custos
custos.db.spool
    beside a store: refusals recorded while it was locked, appended by the
    next command that gets the lock
/usr/share/doc/custos/guide.md, /usr/share/doc/custos/examples/systemd/
    the user guide, and timers for the jobs it describes`

// addManSections gives every man page the sections an administrator looks
// for and cobra does not write: EXIT STATUS, ENVIRONMENT and FILES, from
// the same help topics `custos help exit-codes` and `custos help
// environment` print, before SEE ALSO.
func addManSections(tree *cobra.Command, dir string) error {
	topic := func(name string) string {
		c, _, err := tree.Find([]string{name})
		if err != nil || c == tree {
			return ""
		}
		return c.Long
	}
	sections := manSection("EXIT STATUS", topic("exit-codes")) +
		manSection("ENVIRONMENT", topic("environment")) +
		manSection("FILES", files)
	pages, err := filepath.Glob(filepath.Join(dir, "*.1"))
	if err != nil {
		return err
	}
	for _, p := range pages {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		page := string(b)
		if i := strings.Index(page, ".SH SEE ALSO"); i >= 0 {
			page = page[:i] + sections + page[i:]
		} else {
			page += sections + ".SH SEE ALSO\n\\fBcustos(1)\\fP\n"
		}
		if err := os.WriteFile(p, []byte(page), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// manSection is text as a man-page section, its lines kept as they are.
func manSection(title, text string) string {
	var b strings.Builder
	b.WriteString(".SH " + title + "\n.nf\n")
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		line = strings.ReplaceAll(line, "\\", "\\e")
		if strings.HasPrefix(line, ".") || strings.HasPrefix(line, "'") {
			line = "\\&" + line
		}
		b.WriteString(line + "\n")
	}
	b.WriteString(".fi\n\n")
	return b.String()
}
