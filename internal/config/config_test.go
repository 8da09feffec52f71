package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/custos-dev/custos/internal/errs"
)

func flags(args ...string) *pflag.FlagSet {
	fs := pflag.NewFlagSet("custos", pflag.ContinueOnError)
	fs.String("db", "", "")
	fs.String("config", "", "")
	fs.Bool("no-color", false, "")
	fs.Bool("strict-config", false, "")
	if err := fs.Parse(args); err != nil {
		panic(err)
	}
	return fs
}

// Flag beats environment beats file beats default.
func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "data"))
	t.Setenv("NO_COLOR", "")
	os.MkdirAll(filepath.Join(dir, "custos"), 0o700)
	os.WriteFile(filepath.Join(dir, "custos", "config.yaml"), []byte("db: /from/file.db\noutput: json\nbusy_timeout: 3s\n"), 0o600)

	c, err := Load(flags())
	if err != nil {
		t.Fatal(err)
	}
	if c.DB != "/from/file.db" || c.Output != "json" || c.BusyTimeout != 3*time.Second || c.Color != "auto" {
		t.Fatalf("file: %+v", c)
	}
	t.Setenv("CUSTOS_DB", "/from/env.db")
	t.Setenv("CUSTOS_OUTPUT", "csv")
	if c, _ = Load(flags()); c.DB != "/from/env.db" || c.Output != "csv" {
		t.Fatalf("env: %+v", c)
	}
	if c, _ = Load(flags("--db", "/from/flag.db", "--no-color")); c.DB != "/from/flag.db" || c.Color != "never" {
		t.Fatalf("flag: %+v", c)
	}
	os.Unsetenv("CUSTOS_DB")
	os.Remove(filepath.Join(dir, "custos", "config.yaml"))
	t.Setenv("CUSTOS_OUTPUT", "")
	if c, _ = Load(flags()); c.DB != filepath.Join(dir, "data", "custos", "custos.db") {
		t.Fatalf("default: %+v", c)
	}
}

func TestBadConfigIsInvalid(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("output: yaml\n"), 0o600)
	if _, err := Load(flags("--config", bad)); err == nil {
		t.Fatal("bad output accepted")
	}
	if _, err := Load(flags("--config", filepath.Join(dir, "missing.yaml"))); err == nil {
		t.Fatal("a missing explicit config file was ignored")
	}
	os.WriteFile(bad, []byte("busy_timeout: soon\n"), 0o600)
	if _, err := Load(flags("--config", bad)); err == nil {
		t.Fatal("bad busy_timeout accepted")
	}
}

// bom comes from the file or CUSTOS_BOM and must be a boolean.
func TestBOM(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "data"))
	os.MkdirAll(filepath.Join(dir, "custos"), 0o700)
	os.WriteFile(filepath.Join(dir, "custos", "config.yaml"), []byte("bom: true\n"), 0o600)
	if c, err := Load(flags()); err != nil || !c.BOM {
		t.Fatalf("file: %+v, %v", c, err)
	}
	t.Setenv("CUSTOS_BOM", "false")
	if c, err := Load(flags()); err != nil || c.BOM {
		t.Fatalf("env: %+v, %v", c, err)
	}
	t.Setenv("CUSTOS_BOM", "maybe")
	if _, err := Load(flags()); err == nil {
		t.Fatal("bom: maybe was accepted")
	}
}

// write creates path with content, and its directories.
func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func origin(c *Config, key string) string {
	for _, s := range c.Settings {
		if s.Key == key {
			return s.Origin
		}
	}
	return ""
}

// The system file, the user's and --config merge key by key: a personal
// file that only sets a color keeps the system file's store.
func TestFilesMergeKeyByKey(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "home"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "data"))
	t.Setenv("NO_COLOR", "")
	system := filepath.Join(dir, "etc", "config.yaml")
	write(t, system, "# packaged\ndb: /var/lib/custos/custos.db\noutput: csv\nbusy_timeout: 20s\n")
	write(t, filepath.Join(dir, "home", "custos", "config.yaml"), "color: never\noutput: json\n")
	extra := filepath.Join(dir, "extra.yaml")
	write(t, extra, "busy_timeout: 5s\n")

	c, err := LoadWith(flags("--config", extra), Options{System: system})
	if err != nil {
		t.Fatal(err)
	}
	if c.DB != "/var/lib/custos/custos.db" || c.Color != "never" || c.Output != "json" || c.BusyTimeout != 5*time.Second || c.BOM {
		t.Fatalf("merged: %+v", c)
	}
	for key, want := range map[string]string{
		"db":           "file " + system + ":2",
		"color":        "file " + filepath.Join(dir, "home", "custos", "config.yaml") + ":1",
		"output":       "file " + filepath.Join(dir, "home", "custos", "config.yaml") + ":2",
		"busy_timeout": "file " + extra + ":1",
		"bom":          "default",
	} {
		if got := origin(c, key); got != want {
			t.Errorf("origin of %s = %q, want %q", key, got, want)
		}
	}
	if len(c.Files) != 3 || len(c.Settings) != len(Keys) {
		t.Errorf("files %v, settings %v", c.Files, c.Settings)
	}
	t.Setenv("CUSTOS_DB", "/env.db")
	if c, _ = LoadWith(flags(), Options{System: system}); c.DB != "/env.db" || origin(c, "db") != "env CUSTOS_DB" {
		t.Errorf("env over files: %q from %q", c.DB, origin(c, "db"))
	}
	if c, _ = LoadWith(flags("--db", "/flag.db", "--no-color"), Options{System: system}); c.DB != "/flag.db" || origin(c, "db") != "flag --db" || origin(c, "color") != "flag --no-color" {
		t.Errorf("flag over env: %+v", c.Settings)
	}
}

// An unknown key is a warning naming the file and line, or with Strict an
// error; the known keys of the file still apply.
func TestUnknownKeys(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "data"))
	user := filepath.Join(dir, "custos", "config.yaml")
	write(t, user, "output: json\ncolour: never\ndatabase: /x.db\nfrobs: 3\n")
	c, err := LoadWith(flags(), Options{System: filepath.Join(dir, "none.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		user + `:2: unknown key "colour" (did you mean color?)`,
		user + `:3: unknown key "database" (did you mean db?)`,
		user + `:4: unknown key "frobs" (custos knows db, output, color, busy_timeout, bom)`,
	}
	if strings.Join(c.Warnings, "\n") != strings.Join(want, "\n") || c.Output != "json" {
		t.Fatalf("warnings %q, output %q", c.Warnings, c.Output)
	}
	_, err = LoadWith(flags(), Options{System: filepath.Join(dir, "none.yaml"), Strict: true})
	if errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), ":2: unknown key \"colour\"") {
		t.Fatalf("strict: %v", err)
	}
}

// ~ and $VAR are expanded in db wherever it comes from, so that
// `db: ~/custos.db` is not a directory named "~".
func TestPathsAreExpanded(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HOME", filepath.Join(dir, "home"))
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("STORES", "/srv/stores")
	write(t, filepath.Join(dir, "custos", "config.yaml"), "db: ~/custos.db\n")
	c, err := LoadWith(flags(), Options{System: filepath.Join(dir, "none.yaml")})
	if err != nil || c.DB != filepath.Join(dir, "home", "custos.db") {
		t.Fatalf("~: %v %+v", err, c)
	}
	if c, _ = LoadWith(flags("--db", "$STORES/a.db"), Options{System: filepath.Join(dir, "none.yaml")}); c.DB != "/srv/stores/a.db" {
		t.Fatalf("$VAR: %q", c.DB)
	}
}

// A YAML error is one line, with the file and the line.
func TestSyntaxErrorIsOneLine(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	write(t, bad, "db: [\n  x\noutput: json\n")
	_, err := LoadWith(flags("--config", bad), Options{System: filepath.Join(dir, "none.yaml")})
	if err == nil || strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), `\n`) || !strings.Contains(err.Error(), bad) {
		t.Fatalf("%q", err)
	}
	write(t, bad, "db:\n  - a\n  - b\n")
	_, err = LoadWith(flags("--config", bad), Options{System: filepath.Join(dir, "none.yaml")})
	if err == nil || !strings.Contains(err.Error(), bad+":2: db takes one value") {
		t.Fatalf("%q", err)
	}
}
