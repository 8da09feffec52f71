package cmdutil

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/store"
)

// completionLimit is how many values a TAB offers at most: enough to
// choose from, few enough that a prefix query on the enterprise-size store
// answers in a few milliseconds.
const completionLimit = 50

// completionTimeout bounds a TAB on a store that does not answer (a
// PostgreSQL server away): no completion beats a shell that hangs.
const completionTimeout = 2 * time.Second

// CompleteFrom returns a completion function offering the values of kind
// (store.CompleteAccounts, …) that begin with what is typed, read from the
// store opened read-only: completion never migrates, never writes, and is
// never recorded. scope, when not nil, picks the value the kind is about
// (the resource whose roles to offer) from the arguments and flags typed.
func (f *Factory) CompleteFrom(kind string, scope func(cmd *cobra.Command, args []string) string) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		var sc string
		if scope != nil {
			if sc = scope(cmd, args); sc == "" {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
		}
		values, err := f.complete(kind, sc, toComplete)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		out := make([]cobra.Completion, len(values))
		for i, v := range values {
			out[i] = cobra.CompletionWithDesc(v.Value, v.Description)
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

func (f *Factory) complete(kind, scope, prefix string) ([]store.Completion, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), completionTimeout)
	defer cancel()
	st, err := store.Open(ctx, cfg.DB, store.Options{BusyTimeout: 100 * time.Millisecond, ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return st.Complete(ctx, kind, scope, prefix, completionLimit)
}

// CompleteWords returns a completion function offering fixed words (with
// an optional description after a tab: "it\tIT administrator").
func CompleteWords(words ...string) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		var out []cobra.Completion
		for _, w := range words {
			if strings.HasPrefix(w, toComplete) {
				out = append(out, w)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// EnumValues returns the allowed values of a flag made by EnumFlag, and
// whether it is one.
func EnumValues(fl interface{ Type() string }) ([]string, bool) {
	e, ok := fl.(*enumValue)
	if !ok {
		return nil, false
	}
	return nonEmpty(e.allowed), true
}
