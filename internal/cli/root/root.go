// Package root builds the custos command tree: the root command, its
// persistent flags, the command groups and the help topics.
package root

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/cli/access"
	"github.com/custos-dev/custos/internal/cli/account"
	"github.com/custos-dev/custos/internal/cli/audit"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/cli/configcmd"
	"github.com/custos-dev/custos/internal/cli/inbox"
	"github.com/custos-dev/custos/internal/cli/incident"
	"github.com/custos-dev/custos/internal/cli/initcmd"
	"github.com/custos-dev/custos/internal/cli/operator"
	"github.com/custos-dev/custos/internal/cli/policy"
	"github.com/custos-dev/custos/internal/cli/records"
	"github.com/custos-dev/custos/internal/cli/report"
	"github.com/custos-dev/custos/internal/cli/request"
	"github.com/custos-dev/custos/internal/cli/training"
	"github.com/custos-dev/custos/internal/cli/version"
)

// group is one top-level command: its name, its help group, how to build it.
type group struct {
	name, id string
	build    func(*cmdutil.Factory) *cobra.Command
}

var groups = []group{
	{"init", "setup", func(f *cmdutil.Factory) *cobra.Command { return initcmd.NewCmdInit(f, nil) }},
	{"migrate", "setup", func(f *cmdutil.Factory) *cobra.Command { return initcmd.NewCmdMigrate(f, nil) }},
	{"operator", "setup", operator.NewCmdOperator},
	{"policy", "setup", policy.NewCmdPolicy},
	{"config", "setup", configcmd.NewCmdConfig},
	{"account", "govern", account.NewCmdAccount},
	{"access", "govern", access.NewCmdAccess},
	{"records", "govern", records.NewCmdRecords},
	{"incident", "govern", incident.NewCmdIncident},
	{"request", "govern", request.NewCmdRequest},
	{"training", "govern", training.NewCmdTraining},
	{"inbox", "govern", inbox.NewCmdInbox},
	{"due", "govern", inbox.NewCmdDue},
	{"report", "audit", report.NewCmdReport},
	{"audit", "audit", audit.NewCmdAudit},
	{"version", "", func(f *cmdutil.Factory) *cobra.Command { return version.NewCmdVersion(f, nil) }},
}

// NewCmdRoot returns the root command with the whole command tree.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command { return newCmdRoot(f, "") }

// NewCmdRootFor returns the root command for running argv. When argv names
// a top-level command, only that command's subtree is built: building all
// of them is most of what start-up costs before the store is opened.
// Anything else (help, completion, an unknown or missing command) gets the
// whole tree.
func NewCmdRootFor(f *cmdutil.Factory, argv []string) *cobra.Command {
	return newCmdRoot(f, topCommand(argv))
}

// topCommand is the first argument that is not a root flag or its value,
// if it names a top-level command; otherwise "".
func topCommand(argv []string) string {
	for i := 0; i < len(argv); i++ {
		switch a := argv[i]; {
		case a == "--":
			return ""
		case a == "--db" || a == "--config" || a == "--as":
			i++
		case strings.HasPrefix(a, "-"):
		default:
			for _, g := range groups {
				if g.name == a {
					return a
				}
			}
			return ""
		}
	}
	return ""
}

func newCmdRoot(f *cmdutil.Factory, only string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "custos <command> <subcommand> [flags]",
		Short: "Enforce and record information-governance rules",
		Long: `custos turns an organisation's information-governance rules into enforced,
recorded workflows: operators and their roles, the account lifecycle, access
grants and reviews, record retention, and security incidents.

Every invocation that touches the store, refused ones and reads included, is
written to an append-only, hash-chained audit log in the same store. The
store is a local SQLite file by default.`,
		Example: `  $ custos init
  $ custos operator add alice --role it
  $ custos operator list
  $ custos audit verify`,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	cmd.SetFlagErrorFunc(cmdutil.FlagError)
	cmdutil.Group(cmd)
	cmd.Args = cobra.ArbitraryArgs

	pf := cmd.PersistentFlags()
	pf.String("db", "", "store: a file path (default $XDG_DATA_HOME/custos/custos.db) or postgres://ROLE@HOST/DATABASE; env CUSTOS_DB")
	pf.String("config", "", "one more config file, over /etc/custos/config.yaml and $XDG_CONFIG_HOME/custos/config.yaml")
	pf.Bool("strict-config", false, "an unknown key in a config file is an error (exit 2), not a warning")
	pf.StringVar(&f.As, "as", "", "act as another operator (admins only; both are recorded)")
	pf.Bool("no-color", false, "turn off color (also NO_COLOR=1)")
	pf.Bool("no-pager", false, "do not page long output on a terminal (also CUSTOS_PAGER=cat)")
	f.SetRootFlags(pf)

	cmd.AddGroup(
		&cobra.Group{ID: "setup", Title: "Setting up:"},
		&cobra.Group{ID: "govern", Title: "Governance:"},
		&cobra.Group{ID: "audit", Title: "Audit:"},
	)
	for _, g := range groups {
		if only == "" || only == g.name {
			c := g.build(f)
			c.GroupID = g.id
			cmd.AddCommand(c)
		}
	}
	if only == "" {
		cmd.AddCommand(helpTopics()...)
	}
	cmd.SetHelpCommand(newCmdHelp())
	cmd.SetHelpCommandGroupID("")
	cmd.SetCompletionCommandGroupID("")
	cmd.Version = versionLine()
	cmd.SetVersionTemplate("custos {{.Version}}\n")

	addDryRun(cmd)
	guard(f, cmd)
	polish(f, cmd)
	if completing(f.Argv) {
		wireCompletion(f, cmd)
	}
	markEntry(f, cmd)
	return cmd
}

// markEntry wraps every RunE so the factory knows when a command body
// started; errors before that come from argument parsing.
func markEntry(f *cmdutil.Factory, c *cobra.Command) {
	if run := c.RunE; run != nil {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			f.Entered()
			return run(cmd, args)
		}
	}
	for _, sub := range c.Commands() {
		markEntry(f, sub)
	}
}
