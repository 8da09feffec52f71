// Package packaging holds what the deb and rpm packages install beside the
// binary; its test checks the release configuration against these files.
package packaging

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

type release struct {
	Before struct{ Hooks []string }
	Nfpms  []struct {
		Section  string
		Scripts  struct{ Postinstall string }
		Formats  []string
		Contents []struct {
			Src, Dst, Type string
		}
	}
}

func load(t *testing.T) release {
	t.Helper()
	b, err := os.ReadFile("../.goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var r release
	if err := yaml.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Nfpms) != 1 {
		t.Fatalf("%d nfpms sections", len(r.Nfpms))
	}
	return r
}

// The packages follow Debian policy where an administrator notices: the
// admin section, gzipped man pages, the guide under /usr/share/doc, the
// system file marked as configuration, a group for a shared store and the
// guide's nightly jobs as example timers.
func TestPackages(t *testing.T) {
	r := load(t)
	p := r.Nfpms[0]
	if p.Section != "admin" {
		t.Errorf("section %q, want admin", p.Section)
	}
	dst := map[string]string{}
	for _, c := range p.Contents {
		dst[c.Dst] = c.Src
		if strings.HasPrefix(c.Dst, "/usr/share/man/") && !strings.HasSuffix(c.Src, ".gz") {
			t.Errorf("man pages %s are not gzipped", c.Src)
		}
		if c.Dst == "/etc/custos/config.yaml" && c.Type != "config|noreplace" {
			t.Errorf("/etc/custos/config.yaml is %q, want config|noreplace: an upgrade must keep an administrator's edits", c.Type)
		}
		if !strings.Contains(c.Src, "manpages/") && !strings.Contains(c.Src, "completions/") {
			if m, _ := filepath.Glob(filepath.Join("..", c.Src)); len(m) == 0 {
				t.Errorf("%s installs nothing: no file matches", c.Src)
			}
		}
	}
	for _, want := range []string{"/usr/share/man/man1/", "/usr/share/doc/custos/guide.md", "/usr/share/doc/custos/examples/systemd/", "/etc/custos/config.yaml"} {
		if dst[want] == "" {
			t.Errorf("nothing installed at %s", want)
		}
	}
	gz := false
	for _, h := range r.Before.Hooks {
		gz = gz || strings.Contains(h, "gzip -9nc") && strings.Contains(h, "manpages/")
	}
	if !gz {
		t.Error("no hook gzips the man pages into manpages/")
	}
	script, err := os.ReadFile(filepath.Join("..", p.Scripts.Postinstall))
	if err != nil {
		t.Fatalf("postinstall: %v", err)
	}
	for _, want := range []string{"groupadd --system custos", "install -d -m 2770 -o root -g custos /var/lib/custos"} {
		if !strings.Contains(string(script), want) {
			t.Errorf("postinstall does not %q", want)
		}
	}
}

// The example units run the jobs the guide describes, each with a timer,
// and every unit that runs without a terminal says --yes where it must.
func TestSystemdExamples(t *testing.T) {
	for _, job := range []string{"expire", "purge", "checkpoint"} {
		service, err := os.ReadFile(filepath.Join("systemd", "custos-"+job+".service"))
		if err != nil {
			t.Fatal(err)
		}
		timer, err := os.ReadFile(filepath.Join("systemd", "custos-"+job+".timer"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(service), "ExecStart=") || !strings.Contains(string(timer), "OnCalendar=") ||
			!strings.Contains(string(timer), "WantedBy=timers.target") {
			t.Errorf("custos-%s: no ExecStart, OnCalendar or install target", job)
		}
	}
	purge, _ := os.ReadFile(filepath.Join("systemd", "custos-purge.service"))
	if !strings.Contains(string(purge), "--yes") {
		t.Error("the purge unit has no terminal and needs --yes")
	}
}
