package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func flags(args ...string) *pflag.FlagSet {
	fs := pflag.NewFlagSet("custos", pflag.ContinueOnError)
	fs.String("db", "", "")
	fs.String("config", "", "")
	fs.Bool("no-color", false, "")
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
