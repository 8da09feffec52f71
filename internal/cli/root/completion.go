package root

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/config"
	"github.com/custos-dev/custos/internal/operator"
	"github.com/custos-dev/custos/internal/policy"
	"github.com/custos-dev/custos/internal/request"
	"github.com/custos-dev/custos/internal/store"
)

// completing reports whether argv is a shell asking for completions
// (cobra's hidden __complete command); only then are the value
// completions wired, which costs nothing on an ordinary run.
func completing(argv []string) bool {
	return len(argv) > 0 && (argv[0] == cobra.ShellCompRequestCmd || argv[0] == cobra.ShellCompNoDescRequestCmd)
}

// wireCompletion gives every command of the tree completion of values:
// the choices of every fixed-choice flag, and from the store (read-only,
// never recorded) the usernames, resources and their roles, reviews and
// their items, incidents, requests, holds, classes and operators that its
// arguments and flags name. The usage lines say what each argument is
// (USERNAME, RESOURCE, ID …); the few that name something new (the NAME
// of `operator add`) are left to the shell.
func wireCompletion(f *cmdutil.Factory, root *cobra.Command) {
	byName := flagCompletions(f)
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(func(fl *pflag.Flag) {
			if _, done := c.GetFlagCompletionFunc(fl.Name); done {
				return
			}
			if values, ok := cmdutil.EnumValues(fl.Value); ok {
				c.RegisterFlagCompletionFunc(fl.Name, cmdutil.CompleteWords(values...))
				return
			}
			if fn := byName(c, fl.Name); fn != nil {
				c.RegisterFlagCompletionFunc(fl.Name, fn)
			}
		})
		if c.ValidArgsFunction == nil && c.Runnable() {
			fns, files := argCompletions(f, c)
			c.ValidArgsFunction = func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
				switch i := len(args); {
				case i < len(fns) && fns[i] != nil:
					return fns[i](cmd, args, toComplete)
				case i >= len(fns) && files:
					return nil, cobra.ShellCompDirectiveDefault
				}
				// Something new (a name to create), or no more
				// arguments: nothing to offer, and not the files of
				// the current directory.
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	root.RegisterFlagCompletionFunc("as", f.CompleteFrom(store.CompleteOperators, nil))
	walk(root)
}

// flagCompletions completes a flag by its name, the same on every command.
func flagCompletions(f *cmdutil.Factory) func(c *cobra.Command, name string) cobra.CompletionFunc {
	return func(c *cobra.Command, name string) cobra.CompletionFunc {
		switch name {
		case "owner", "operator", "reviewer":
			return f.CompleteFrom(store.CompleteOperators, nil)
		case "account":
			return f.CompleteFrom(store.CompleteAccounts, nil)
		case "resource":
			return f.CompleteFrom(store.CompleteResources, nil)
		case "class":
			return f.CompleteFrom(store.CompleteClasses, nil)
		case "incident":
			return f.CompleteFrom(store.CompleteIncidents, nil)
		case "kind":
			if cmdutil.CommandName(c) == "request list" {
				return cmdutil.CompleteWords(request.Kinds...)
			}
		case "role":
			if cmdutil.CommandName(c) == "operator add" {
				roles := make([]string, len(operator.Roles))
				for i, r := range operator.Roles {
					roles[i] = string(r)
				}
				return cmdutil.CompleteWords(roles...)
			}
			if i := slices.Index(placeholders(c.Use), "RESOURCE"); i >= 0 {
				// The roles of the resource already typed.
				return f.CompleteFrom(store.CompleteRoles, func(_ *cobra.Command, args []string) string {
					if i < len(args) {
						return args[i]
					}
					return ""
				})
			}
		}
		return nil
	}
}

// argCompletions completes each positional argument of c by what its
// usage line calls it; nil at an index means nothing to offer. files
// says that the arguments after those are files.
func argCompletions(f *cmdutil.Factory, c *cobra.Command) (fns []cobra.CompletionFunc, files bool) {
	path := cmdutil.CommandName(c)
	noun := strings.Fields(path)[0]
	for _, p := range placeholders(c.Use) {
		var fn cobra.CompletionFunc
		switch {
		case path == "account request" || path == "operator add" || path == "access resource add" ||
			path == "access review start" || path == "records hold" || path == "records show" || path == "records restore":
			// A name to create, a record number, a file: nothing to offer.
			if p != "ARCHIVE" && p != "FILE" {
				fns = append(fns, nil)
				continue
			}
			return fns, true
		case p == "USERNAME":
			fn = f.CompleteFrom(store.CompleteAccounts, nil)
		case p == "RESOURCE":
			fn = f.CompleteFrom(store.CompleteResources, nil)
		case p == "OPERATOR" || path == "operator remove" && p == "NAME":
			fn = f.CompleteFrom(store.CompleteOperators, nil)
		case p == "CLASS":
			fn = f.CompleteFrom(store.CompleteClasses, nil)
		case p == "ID" && noun == "incident":
			fn = f.CompleteFrom(store.CompleteIncidents, nil)
		case p == "ID" && noun == "request":
			fn = f.CompleteFrom(store.CompleteRequests, nil)
		case p == "NAME" && strings.HasPrefix(path, "access review "):
			fn = f.CompleteFrom(store.CompleteReviews, nil)
		case p == "ITEM":
			fn = f.CompleteFrom(store.CompleteReviewItems, func(_ *cobra.Command, args []string) string { return args[0] })
		case p == "NAME" && path == "records release":
			fn = f.CompleteFrom(store.CompleteActiveHolds, nil)
		case p == "KEY" && noun == "policy":
			var keys []string
			for _, k := range policy.Keys() {
				keys = append(keys, k.Name)
			}
			fn = cmdutil.CompleteWords(keys...)
		case p == "KEY" && noun == "config":
			var keys []string
			for _, k := range config.Keys {
				keys = append(keys, k.Name)
			}
			fn = cmdutil.CompleteWords(keys...)
		case p == "VALUE" && path == "config set":
			fn = configValues
		case p == "FILE" || p == "FILE.csv" || p == "ARCHIVE" || p == "DIR":
			// Files: the shell's own completion.
			return fns, true
		}
		fns = append(fns, fn)
	}
	return fns, false
}

// configValues offers the values of the config key typed before.
func configValues(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	switch args[0] {
	case config.KeyOutput:
		return cmdutil.CompleteWords("table", "json", "jsonl", "csv")(cmd, args, toComplete)
	case config.KeyColor:
		return cmdutil.CompleteWords("auto", "always", "never")(cmd, args, toComplete)
	case config.KeyBOM:
		return cmdutil.CompleteWords("true", "false")(cmd, args, toComplete)
	case config.KeyDB:
		return nil, cobra.ShellCompDirectiveDefault
	}
	return nil, cobra.ShellCompDirectiveNoFileComp
}

// placeholders are the upper-case positional arguments of a usage line,
// before its first flag: "grant USERNAME RESOURCE --role R" gives
// USERNAME and RESOURCE; "retain [CLASS --for D]" gives CLASS.
func placeholders(use string) []string {
	var out []string
	for _, tok := range strings.Fields(use)[1:] {
		tok = strings.Trim(tok, "[]()…")
		if tok == "" || strings.HasPrefix(tok, "-") || tok != strings.ToUpper(tok) || strings.Contains(tok, "|") {
			break
		}
		out = append(out, tok)
	}
	return out
}
