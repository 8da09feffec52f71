package root

import (
	"fmt"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/build"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/store"
)

// suggestionDistance is how many edits away a mistyped command may be and
// still be suggested: "acount", "lsit" and "verfy" all are.
const suggestionDistance = 2

// polish gives every command of the tree the messages an administrator
// expects from gh or kubectl, without each command having to ask for
// them: positional-argument errors that say which argument was unexpected
// (and why, when it is the second word of an unquoted value), every
// missing required flag at once, and "did you mean" suggestions.
func polish(f *cmdutil.Factory, c *cobra.Command) {
	c.SuggestionsMinimumDistance = suggestionDistance
	if args := c.Args; args != nil {
		c.Args = func(cmd *cobra.Command, a []string) error {
			if err := args(cmd, a); err != nil {
				return argsError(f, cmd, a, err)
			}
			return nil
		}
	}
	if run := c.RunE; run != nil && requiredFlags(c.Use) != nil {
		c.RunE = func(cmd *cobra.Command, a []string) error {
			return allMissing(cmd, run(cmd, a))
		}
	}
	for _, sub := range c.Commands() {
		polish(f, sub)
	}
}

// argPatterns match cobra's positional-argument errors. They are compiled
// on the first such error, not at every start.
var argPatterns = sync.OnceValue(func() (p struct{ atMost, exactly, between, atLeast *regexp.Regexp }) {
	p.atMost = regexp.MustCompile(`accepts at most (\d+) arg`)
	p.exactly = regexp.MustCompile(`accepts (\d+) arg`)
	p.between = regexp.MustCompile(`accepts between \d+ and (\d+) arg`)
	p.atLeast = regexp.MustCompile(`requires at least (\d+) arg`)
	return p
})

// argsError rewrites cobra's own positional-argument errors ("accepts at
// most 1 arg(s), received 2") into custos's: which argument was not
// expected, the usage, and, when the extra word follows a flag's value
// (`--for 3 years`), how to write that value.
func argsError(f *cmdutil.Factory, cmd *cobra.Command, args []string, err error) error {
	if _, ok := err.(*errs.Error); ok {
		if extra := extraWordHint(f, cmd, args); extra != "" && errs.CodeOf(err) == errs.Invalid && errs.HintOf(err) != "" {
			return err.(*errs.Error).WithHint("%s", extra)
		}
		return err
	}
	msg := err.Error()
	name := cmdutil.CommandName(cmd)
	max := -1
	p := argPatterns()
	for _, re := range []*regexp.Regexp{p.atMost, p.between, p.exactly} {
		if m := re.FindStringSubmatch(msg); m != nil {
			max, _ = strconv.Atoi(m[1])
			break
		}
	}
	var e *errs.Error
	switch {
	case max >= 0 && len(args) > max:
		e = errs.Invalidf("%s takes %s, got %d: unexpected %q", name, cmdutil.Count(max, "argument"), len(args), args[max])
		if extra := extraWordHint(f, cmd, args); extra != "" {
			return e.WithHint("%s", extra)
		}
	case p.atLeast.MatchString(msg) || max >= 0:
		e = errs.Invalidf("%s needs more arguments than the %d given", name, len(args))
	default:
		e = errs.Invalidf("%s: %s", name, msg)
	}
	return e.WithHint("usage: %s", cmd.UseLine())
}

// durationUnits are words a person may type after a number where custos
// wants a duration such as 3y.
var durationUnits = map[string]string{
	"year": "y", "years": "y", "month": "m", "months": "m", "week": "w", "weeks": "w",
	"day": "d", "days": "d", "hour": "h", "hours": "h",
}

// extraWordHint explains an unexpected argument that is the second word
// of a flag's value: `--for 3 years` is a duration written with a space,
// `--reason left the company` a value that needed quotes.
func extraWordHint(f *cmdutil.Factory, cmd *cobra.Command, args []string) string {
	argv := f.Argv
	for i := 1; i+1 < len(argv); i++ {
		name, hasValue := strings.CutPrefix(argv[i-1], "--")
		if !hasValue || strings.Contains(name, "=") {
			continue
		}
		fl := cmd.Flags().Lookup(name)
		if fl == nil || fl.NoOptDefVal != "" || !contains(args, argv[i+1]) {
			continue
		}
		value, next := argv[i], argv[i+1]
		if u, ok := durationUnits[strings.ToLower(next)]; ok {
			if _, err := strconv.Atoi(value); err == nil {
				return fmt.Sprintf("write a duration without a space: --%s %s%s", name, value, u)
			}
		}
		return fmt.Sprintf("quote a value that has spaces: --%s %q", name, value+" "+next)
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// requiredFlags are the flags a command's usage line names outside any
// [optional] or (alternative) group, e.g. --name and --reason in
// "request USERNAME --name NAME --reason TEXT [--until DATE]". The usage
// line is the documentation, so what it promises is what is checked.
// A choice written with | (--keep|--revoke) is left to the command.
func requiredFlags(use string) []string {
	var out []string
	depth := 0
	for _, tok := range strings.Fields(use) {
		if depth == 0 && strings.HasPrefix(tok, "--") && !strings.ContainsAny(tok, "|[(") {
			out = append(out, strings.TrimPrefix(tok, "--"))
		}
		depth += strings.Count(tok, "[") + strings.Count(tok, "(") - strings.Count(tok, "]") - strings.Count(tok, ")")
	}
	return out
}

// positionals counts the upper-case arguments (USERNAME RESOURCE) that
// begin a usage line, before its first flag or group.
func positionals(use string) int {
	n := 0
	for _, tok := range strings.Fields(use)[1:] {
		if tok != strings.ToUpper(tok) || strings.ContainsAny(tok, "-[(") {
			break
		}
		n++
	}
	return n
}

// allMissing turns a command's refusal of the first missing required
// flag ("reason is required") into one that names every required flag
// left out, so a user fixes the command line in one go rather than one
// flag per try. The command still refuses first, inside the pipeline,
// so its audit entry names the objects it was about. A flag the command
// requires only in some modes (purge's --archive, which --dry-run does
// without) is marked cmdutil.CheckedInRun and left to it.
func allMissing(cmd *cobra.Command, err error) error {
	if err == nil || errs.CodeOf(err) != errs.Invalid || cmd.Flags().NArg() < positionals(cmd.Use) {
		// Not a refusal of input, or another form of the command
		// (hold --list, request --from-file).
		return err
	}
	missing := missingFlags(cmd)
	about := false
	for _, flag := range missing {
		name := strings.TrimPrefix(flag, "--")
		about = about || errs.FieldOf(err) == name || strings.Contains(err.Error(), flag) ||
			strings.Contains(err.Error(), name+` ""`)
	}
	required := strings.Contains(err.Error(), "required")
	if len(missing) == 0 || !about && !required || len(missing) == 1 && required {
		// A command's own word on its one missing flag says more
		// ("a root cause is required: where the incident came from").
		return err
	}
	return errs.Wrap(errs.Invalid, err, "%s needs %s", cmdutil.CommandName(cmd), joinAnd(missing)).
		WithHint("usage: %s", cmd.UseLine())
}

// missingFlags are the required flags of cmd's usage line left out.
func missingFlags(cmd *cobra.Command) []string {
	var missing []string
	for _, name := range requiredFlags(cmd.Use) {
		fl := cmd.Flags().Lookup(name)
		if fl == nil || fl.Changed || cmdutil.IsCheckedInRun(fl) {
			continue
		}
		missing = append(missing, "--"+name)
	}
	return missing
}

func joinAnd(list []string) string {
	if len(list) == 1 {
		return list[0]
	}
	return strings.Join(list[:len(list)-1], ", ") + " and " + list[len(list)-1]
}

// newCmdHelp is `custos help [COMMAND|TOPIC]`. Unlike cobra's, an unknown
// topic is an error (exit 2) with suggestions, not the root's help and a
// success a script would take for an answer.
func newCmdHelp() *cobra.Command {
	return &cobra.Command{
		Use:   "help [command | topic]",
		Short: "Help about any command or topic",
		Long: `Help about any command, or one of the topics: exit-codes, roles,
environment, policy-keys.`,
		Args: cobra.ArbitraryArgs,
		ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			parent := c.Root()
			if len(args) > 0 {
				found, _, err := parent.Find(args)
				if err != nil {
					return nil, cobra.ShellCompDirectiveNoFileComp
				}
				parent = found
			}
			var out []cobra.Completion
			for _, sub := range parent.Commands() {
				if sub.IsAvailableCommand() || sub.IsAdditionalHelpTopicCommand() {
					if strings.HasPrefix(sub.Name(), toComplete) {
						out = append(out, cobra.CompletionWithDesc(sub.Name(), sub.Short))
					}
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			target, rest, err := c.Root().Find(args)
			if err != nil || target == nil || len(rest) > 0 && target.HasSubCommands() || len(args) > 0 && target == c.Root() {
				unknown := strings.Join(args, " ")
				if len(rest) > 0 {
					unknown = rest[0]
				}
				parent := c.Root()
				if target != nil {
					parent = target
				}
				e := errs.Invalidf("no help topic or command %q", unknown)
				if s := cmdutil.Suggest(parent, unknown); s != "" {
					return e.WithHint("%s", strings.ReplaceAll(s, "`custos ", "`custos help "))
				}
				return e.WithHint("run `custos help` for the commands and topics")
			}
			if len(rest) > 0 {
				return errs.Invalidf("%s has no subcommand %q", cmdutil.CommandName(target), rest[0]).
					WithHint("run `custos help %s`", cmdutil.CommandName(target))
			}
			target.InitDefaultHelpFlag()
			target.InitDefaultVersionFlag()
			return target.Help()
		},
	}
}

// versionLine is what `custos --version` prints after "custos ", the same
// as `custos version`.
func versionLine() string {
	return fmt.Sprintf("%s (schema %d, %s/%s, %s)", build.String(), store.SchemaVersion(), runtime.GOOS, runtime.GOARCH, runtime.Version())
}
