package configcmd

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/cli/clitest"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/iostreams"
)

// A key custos does not know and a value the key refuses fail in RunE,
// before runF, and no file is written.
func TestSetChecksFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"outptu", "json"}, `no setting "outptu"`},
		{[]string{"output", "yaml"}, "yaml"},
	} {
		ios, _, _, _ := iostreams.Test()
		ran := false
		cmd := newCmdSet(&cmdutil.Factory{IO: ios}, func(*SetOptions) error { ran = true; return nil })
		cmd.SetArgs(c.args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		err := cmd.Execute()
		if ran || errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%q: ran %v, %v; want invalid, %q", c.args, ran, err, c.msg)
		}
	}
}

// set writes the user's file, keeping its comment, and show reports the
// value with the file and line it came from.
func TestSetAndShowRun(t *testing.T) {
	e := clitest.New(t)
	path := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "custos", "config.yaml")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("# mine\ncolor: never\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := clitest.Run(e, "config set", newCmdSet, "output", "csv"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	if got, want := e.Out.String(), "Set output to csv in "+path+".\n"; got != want {
		t.Errorf("set printed %q, want %q", got, want)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), "# mine\ncolor: never\noutput: csv\n"; got != want {
		t.Errorf("the file is %q, want %q", got, want)
	}

	if err := clitest.Run(e, "config show", newCmdShow, "--origin", "-o", "json"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	var settings []SettingOriginResult
	if err := json.Unmarshal(e.Out.Bytes(), &settings); err != nil {
		t.Fatalf("%v: %s", err, e.Out)
	}
	found := false
	for _, s := range settings {
		if s.Key == "output" {
			found = true
			if want := (SettingOriginResult{"output", "csv", "file " + path + ":3"}); s != want {
				t.Errorf("output: %+v, want %+v", s, want)
			}
		}
	}
	if !found {
		t.Errorf("no output setting in %s", e.Out)
	}
}
