package root

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/cli/cmdutil"
)

// irreversible are the commands that cannot be undone, and the question
// each asks on a terminal before it acts ("" when, as called, it is not
// irreversible: a dry run, incident close without --restore).
var irreversible = map[string]func(cmd *cobra.Command, args []string) string{
	"account revoke": func(_ *cobra.Command, args []string) string {
		return fmt.Sprintf("Revoke account %s and every grant it holds? A revoked account is never re-activated.", arg(args, 0))
	},
	"access revoke": func(cmd *cobra.Command, args []string) string {
		if role, _ := cmd.Flags().GetString("role"); role != "" {
			return fmt.Sprintf("Revoke %s's %s access to %s?", arg(args, 0), role, arg(args, 1))
		}
		return fmt.Sprintf("Revoke every role %s holds on %s?", arg(args, 0), arg(args, 1))
	},
	"operator remove": func(_ *cobra.Command, args []string) string {
		return fmt.Sprintf("Remove operator %s? They can no longer run custos.", arg(args, 0))
	},
	"access review close": func(cmd *cobra.Command, args []string) string {
		if dry, _ := cmd.Flags().GetBool("dry-run"); dry {
			return ""
		}
		return fmt.Sprintf("Close review %s and apply its revocations? It cannot be reopened.", arg(args, 0))
	},
	"records release": func(_ *cobra.Command, args []string) string {
		return fmt.Sprintf("Release hold %s? Its records may then be purged.", arg(args, 0))
	},
	"incident close": func(cmd *cobra.Command, args []string) string {
		if restore, _ := cmd.Flags().GetBool("restore"); !restore {
			return ""
		}
		return fmt.Sprintf("Close %s and re-activate the accounts it froze?", arg(args, 0))
	},
}

func arg(args []string, i int) string {
	if i < len(args) {
		return args[i]
	}
	return "?"
}

// guard makes every irreversible command ask on a terminal, and need
// --yes without one, through cmdutil.Confirm: one place, so that no
// command can forget and every one asks the same way.
func guard(f *cmdutil.Factory, c *cobra.Command) {
	if question, ok := irreversible[cmdutil.CommandName(c)]; ok && c.RunE != nil {
		cmdutil.AddYesFlag(c)
		c.Long = strings.TrimRight(c.Long, "\n") + "\n\nIt cannot be undone: on a terminal it asks first; without one it needs --yes."
		run := c.RunE
		c.RunE = func(cmd *cobra.Command, args []string) error {
			// A command line the command will refuse anyway (a
			// required flag left out) is refused without asking.
			if q := question(cmd, args); q != "" && len(missingFlags(cmd)) == 0 && !refusedAnyway(cmd) {
				if err := cmdutil.Confirm(f, cmd, q); err != nil {
					return err
				}
			}
			return run(cmd, args)
		}
	}
	for _, sub := range c.Commands() {
		guard(f, sub)
	}
}

// refusedAnyway reports a command line the command refuses or only
// previews without changing anything: a --dry-run, or no --reason for a
// single change (a batch --from-file carries its reasons in its rows).
func refusedAnyway(cmd *cobra.Command) bool {
	if dry, err := cmd.Flags().GetBool("dry-run"); err == nil && dry {
		return true
	}
	r := cmd.Flags().Lookup("reason")
	return r != nil && r.Value.String() == "" && !cmd.Flags().Changed("from-file")
}
