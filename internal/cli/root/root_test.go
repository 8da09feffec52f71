package root

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/iostreams"
	"github.com/custos-dev/custos/internal/operator"
)

func factory() *cmdutil.Factory {
	ios, _, _, _ := iostreams.Test()
	return &cmdutil.Factory{IO: ios}
}

func flagsOf(c *cobra.Command) string {
	var b strings.Builder
	c.Flags().VisitAll(func(fl *pflag.Flag) {
		b.WriteString(fl.Name + "=" + fl.DefValue + ":" + fl.Usage + "\n")
	})
	c.InheritedFlags().VisitAll(func(fl *pflag.Flag) {
		b.WriteString("inherited " + fl.Name + "\n")
	})
	return b.String()
}

// Running a command builds only its top-level subtree; every command must
// come out of that partial tree exactly as it is in the whole tree.
func TestPartialTreesMatchTheWholeTree(t *testing.T) {
	full := NewCmdRoot(factory())
	seen := 0
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		if c == full || !c.Runnable() {
			return
		}
		path := strings.Fields(cmdutil.CommandName(c))
		if topCommand(path) == "" {
			t.Errorf("%v is not under a top-level command of the table", path)
			return
		}
		argv := append([]string{"--db", "x.db", "--no-color"}, path...)
		partial := NewCmdRootFor(factory(), argv)
		if len(partial.Commands()) != 1 {
			t.Errorf("%v built %d top-level commands, want 1", path, len(partial.Commands()))
		}
		got, _, err := partial.Find(path)
		if err != nil {
			t.Errorf("%v: %v", path, err)
			return
		}
		if got.CommandPath() != c.CommandPath() || got.Use != c.Use || got.Short != c.Short || got.GroupID != c.GroupID {
			t.Errorf("%v differs: %q %q %q, want %q %q %q", path, got.CommandPath(), got.Use, got.GroupID, c.CommandPath(), c.Use, c.GroupID)
		}
		if g, w := flagsOf(got), flagsOf(c); g != w {
			t.Errorf("%v flags differ:\n%s\nwant\n%s", path, g, w)
		}
		seen++
	}
	walk(full)
	if seen < 40 {
		t.Fatalf("only %d commands compared", seen)
	}
}

func TestTopCommand(t *testing.T) {
	for _, c := range []struct {
		argv []string
		want string
	}{
		{[]string{"operator", "add", "x"}, "operator"},
		{[]string{"--db", "operator", "account", "list"}, "account"},
		{[]string{"--db=s.db", "--as", "ana", "--no-color", "records", "list"}, "records"},
		{[]string{"help", "operator"}, ""},
		{[]string{"completion", "bash"}, ""},
		{[]string{"__complete", "oper"}, ""},
		{[]string{"operatr", "list"}, ""},
		{[]string{"--", "operator"}, ""},
		{[]string{"--help"}, ""},
		{nil, ""},
	} {
		if got := topCommand(c.argv); got != c.want {
			t.Errorf("topCommand(%q) = %q, want %q", c.argv, got, c.want)
		}
	}
}

// Every command that touches the store has a row in the role matrix, and
// every row names such a command: a new command cannot run without saying
// who may run it, and a renamed one cannot leave a stale row behind.
func TestEveryStoreCommandIsInTheRoleMatrix(t *testing.T) {
	commands := map[string]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if cmdutil.IsStore(c) {
			name := cmdutil.CommandName(c)
			commands[name] = true
			if _, ok := operator.Permissions.Lookup(name); !ok {
				t.Errorf("%q touches the store but has no row in operator.Permissions", name)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(NewCmdRoot(factory()))
	for _, p := range operator.Permissions {
		if !commands[p.Command] {
			t.Errorf("operator.Permissions has a row for %q, which is no command that touches the store", p.Command)
		}
	}
}

// Every command of the role matrix that changes the store has --dry-run;
// the read-only ones, which change nothing but the log, have none. (Run
// also refuses a write from a command without it, so a command wrongly
// listed as read-only fails the first script that runs it.)
func TestEveryWriteCommandHasDryRun(t *testing.T) {
	full := NewCmdRoot(factory())
	writes := 0
	for _, p := range operator.Permissions {
		c, _, err := full.Find(strings.Fields(p.Command))
		if err != nil || cmdutil.CommandName(c) != p.Command {
			t.Errorf("%s: not in the command tree", p.Command)
			continue
		}
		has := c.Flags().Lookup("dry-run") != nil
		switch {
		case readOnly[p.Command] && has:
			t.Errorf("%s is read-only but has --dry-run", p.Command)
		case noDryRun[p.Command]:
		case !readOnly[p.Command] && !has:
			t.Errorf("%s changes the store but has no --dry-run", p.Command)
		case !readOnly[p.Command]:
			writes++
			if !strings.Contains(c.Long, "--dry-run") {
				t.Errorf("%s: its help does not say what --dry-run does", p.Command)
			}
		}
	}
	for name := range readOnly {
		if _, ok := operator.Permissions.Lookup(name); !ok {
			t.Errorf("read-only %s is not in the role matrix", name)
		}
	}
	if writes < 40 {
		t.Errorf("%d commands with --dry-run; the role matrix has more writes than that", writes)
	}
	t.Logf("%d commands that change the store have --dry-run", writes)
}

// The root is built on every run: adding --dry-run to the commands that
// change the store is part of its cost (compare BenchmarkAddDryRun).
func BenchmarkNewCmdRoot(b *testing.B) {
	for i := 0; i < b.N; i++ {
		NewCmdRoot(factory())
	}
}

func BenchmarkAddDryRun(b *testing.B) {
	roots := make([]*cobra.Command, b.N)
	for i := range roots {
		roots[i] = NewCmdRoot(factory())
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		addDryRun(roots[i])
	}
}
