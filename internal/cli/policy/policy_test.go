package policy

import (
	"encoding/json"
	"testing"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/cli/clitest"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/iostreams"
	"github.com/custos-dev/custos/internal/store"
)

func testFactory() *cmdutil.Factory {
	ios, _, _, _ := iostreams.Test()
	return &cmdutil.Factory{IO: ios}
}

// quiet keeps cobra's usage out of a test's output.
func quiet(c *cobra.Command, args ...string) *cobra.Command {
	c.SilenceUsage, c.SilenceErrors = true, true
	c.SetArgs(args)
	return c
}

// A key and a value are checked before anything runs: an unknown key or
// a bad value never reaches the run function.
func TestFlagsCheckedBeforeRun(t *testing.T) {
	for _, tc := range []struct {
		name string
		cmd  func(ran *bool) *cobra.Command
		code errs.Code
	}{
		{"show unknown key", func(ran *bool) *cobra.Command {
			return quiet(newCmdShow(testFactory(), func(*ShowOptions) error { *ran = true; return nil }), "org.colour")
		}, errs.Invalid},
		{"set unknown key", func(ran *bool) *cobra.Command {
			return quiet(newCmdSet(testFactory(), func(*SetOptions) error { *ran = true; return nil }), "org.colour", "blue")
		}, errs.Invalid},
		{"set bad value", func(ran *bool) *cobra.Command {
			return quiet(newCmdSet(testFactory(), func(*SetOptions) error { *ran = true; return nil }), "audit.signed_checkpoints", "sometimes")
		}, errs.Invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ran bool
			err := tc.cmd(&ran).Execute()
			if errs.CodeOf(err) != tc.code || ran {
				t.Errorf("err %v (ran %v), want code %v before the run", err, ran, tc.code)
			}
		})
	}
	var got *SetOptions
	c := newCmdSet(testFactory(), func(o *SetOptions) error { got = o; return nil })
	c.SetArgs([]string{"org.name", "Example Ltd"})
	if err := c.Execute(); err != nil || got.Key != "org.name" || got.Value != "Example Ltd" {
		t.Fatalf("%v %+v", err, got)
	}
}

// The run function against a real store: a key is set once, setting it
// again changes nothing, show reports who set it; a bad value is refused and changes nothing.
func TestSetRun(t *testing.T) {
	e := clitest.New(t)
	if err := clitest.Run(e, "policy set", newCmdSet, "org.name", "Example Ltd", "-o", "json"); err != nil {
		t.Fatalf("%v\n%s", err, e.Err)
	}
	var set SetResult
	if err := json.Unmarshal(e.Out.Bytes(), &set); err != nil {
		t.Fatalf("%v: %s", err, e.Out)
	}
	if want := (SetResult{"org.name", "Example Ltd", true}); set != want {
		t.Errorf("result %+v, want %+v", set, want)
	}
	if err := clitest.Run(e, "policy set", newCmdSet, "org.name", "Example Ltd", "-o", "json"); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(e.Out.Bytes(), &set); err != nil || set.Changed {
		t.Errorf("repeat: %v %s", err, e.Out)
	}
	if err := clitest.Run(e, "policy show", newCmdShow, "org.name", "-o", "json"); err != nil {
		t.Fatal(err)
	}
	var show ShowResult
	if err := json.Unmarshal(e.Out.Bytes(), &show); err != nil {
		t.Fatalf("%v: %s", err, e.Out)
	}
	if show.Key != "org.name" || show.Value != "Example Ltd" || show.SetBy != e.User || !show.SetAt.Equal(e.Now) || show.Description == "" {
		t.Errorf("show %+v", show)
	}
	if err := clitest.Run(e, "policy set", newCmdSet, "audit.signed_checkpoints", "sometimes"); errs.CodeOf(err) != errs.Invalid {
		t.Errorf("bad value: %v, want invalid input", err)
	}
	e.View(func(tx store.Tx) error {
		for key, want := range map[string]string{"org.name": "Example Ltd", "audit.signed_checkpoints": "false"} {
			v, err := tx.Policy().PolicyValue(key)
			if err != nil {
				return err
			}
			if v != want {
				t.Errorf("stored %s = %q, want %q", key, v, want)
			}
		}
		return nil
	})
}
