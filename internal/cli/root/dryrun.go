package root

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/operator"
)

// readOnly are the store commands that change nothing but the log (their
// own audit entry): they have no --dry-run. Every other command of the
// role matrix changes the store and has one.
var readOnly = map[string]bool{
	"operator list": true, "policy show": true,
	"account list": true, "account show": true,
	"access resource list": true, "access list": true,
	"access review list": true, "access review show": true, "access review export": true,
	"request list": true, "request show": true,
	"training report": true, "inbox": true, "due": true,
	"records list": true, "records show": true, "records lookup show": true,
	"incident list": true, "incident show": true,
	"audit log": true, "audit verify": true, "audit export": true,
	"audit checkpoint list": true, "audit checkpoint show": true, "audit prove": true, "report": true,
	// migrate changes the schema only as every command does when it
	// opens the store; it reports the version.
	"migrate": true,
}

// noDryRun are the commands that change the store but have no --dry-run
// from here: init creates the store (there is no store to leave as it
// was), review import gives itself its own, and audit checkpoint keeps
// only the public signed note it hands out (a checkpoint not kept would
// be one the report cannot find).
var noDryRun = map[string]bool{
	"init":                 true,
	"access review import": true,
	"audit checkpoint":     true,
}

// dryRunnable reports whether the command named name changes the store
// and so should have --dry-run.
func dryRunnable(name string) bool {
	_, ok := operator.Permissions.Lookup(name)
	return ok && !readOnly[name] && !noDryRun[name]
}

// addDryRun gives every command that changes the store --dry-run through
// cmdutil.AddDryRunFlag (cmdutil.Run then rolls the operation back and
// writes only the audit entry), and says so in its help.
func addDryRun(c *cobra.Command) {
	if c.RunE != nil && cmdutil.IsStore(c) {
		name := cmdutil.CommandName(c)
		if noDryRun[name] {
			cmdutil.MarkNoDryRun(c)
		} else if !readOnly[name] && dryRunnable(name) {
			own := c.Flags().Lookup("dry-run") != nil
			cmdutil.AddDryRunFlag(c)
			if !own {
				c.Long = strings.TrimRight(c.Long, "\n") + dryRunHelp
			}
		}
	}
	for _, sub := range c.Commands() {
		addDryRun(sub)
	}
}

// dryRunHelp is what the help of a command given --dry-run here says.
const dryRunHelp = `

--dry-run checks everything as the real command would and prints what it
would print, changing nothing; only the audit entry is written (audit log
marks it "dry run"). A change the command would refuse is still refused,
with the same exit code.`
