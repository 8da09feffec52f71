package cmdutil

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/custos-dev/custos/internal/errs"
)

const annotationCheckedInRun = "custos/checked-in-run"

// FlagError turns pflag's parse errors into invalid input (exit 2) with a
// message that names the flag and what it wants, never Go's own wording
// (`strconv.ParseInt: parsing "abc": invalid syntax`).
func FlagError(cmd *cobra.Command, err error) error {
	usage := fmt.Sprintf("run `%s --help` for usage", cmd.CommandPath())
	var invalid *pflag.InvalidValueError
	if errors.As(err, &invalid) {
		return errs.Invalidf("--%s %q: %s", invalid.GetFlag().Name, invalid.GetValue(), valueProblem(invalid.GetFlag(), errors.Unwrap(invalid))).
			WithHint("%s", usage)
	}
	var missing *pflag.ValueRequiredError
	if errors.As(err, &missing) {
		return errs.Invalidf("--%s needs a value", missing.GetFlag().Name).WithHint("%s", usage)
	}
	var unknown *pflag.NotExistError
	if errors.As(err, &unknown) {
		name := unknown.GetSpecifiedName()
		e := errs.Invalidf("%s has no flag --%s", CommandName(cmd), name)
		if len(name) == 1 {
			e = errs.Invalidf("%s has no flag -%s", CommandName(cmd), name)
		}
		if s := suggestFlag(cmd.Flags(), name); s != "" {
			return e.WithHint("did you mean --%s?", s)
		}
		return e.WithHint("%s", usage)
	}
	return errs.Invalidf("%v", err).WithHint("%s", usage)
}

// valueProblem says what is wrong with a flag's value in words, whatever
// Go parser refused it.
func valueProblem(fl *pflag.Flag, cause error) string {
	var num *strconv.NumError
	switch {
	case cause == nil:
		return "not a valid value"
	case errors.As(cause, &num) && fl.Value.Type() == "bool":
		return "use true or false"
	case errors.As(cause, &num) && errors.Is(num.Err, strconv.ErrRange):
		return "out of range"
	case errors.As(cause, &num) && strings.HasPrefix(fl.Value.Type(), "uint"):
		return "not a whole number of 0 or more"
	case errors.As(cause, &num) && strings.HasPrefix(fl.Value.Type(), "int"):
		return "not a whole number"
	case errors.As(cause, &num):
		return "not a number"
	case fl.Value.Type() == "duration":
		return "not a duration such as 30s, 10m or 2h"
	}
	return cause.Error()
}

// Suggest is "did you mean …?" for an unknown subcommand of c, or "".
func Suggest(c *cobra.Command, typed string) string {
	s := c.SuggestionsFor(typed)
	if len(s) == 0 {
		return ""
	}
	for i := range s {
		s[i] = "`" + c.CommandPath() + " " + s[i] + "`"
	}
	return "did you mean " + strings.Join(s, " or ") + "?"
}

// suggestFlag is the flag of fs closest to typed, within two edits.
func suggestFlag(fs *pflag.FlagSet, typed string) string {
	best, bestD := "", 3
	fs.VisitAll(func(fl *pflag.Flag) {
		if d := levenshtein(typed, fl.Name); d < bestD {
			best, bestD = fl.Name, d
		}
	})
	return best
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// CheckedInRun marks a flag that the usage line shows as required but
// that the command needs only in some modes (purge's --archive, which a
// --dry-run does without): the command checks it itself.
func CheckedInRun(cmd *cobra.Command, name string) {
	fl := cmd.Flags().Lookup(name)
	if fl == nil {
		panic("cmdutil: no flag " + name)
	}
	if fl.Annotations == nil {
		fl.Annotations = map[string][]string{}
	}
	fl.Annotations[annotationCheckedInRun] = []string{"true"}
}

// IsCheckedInRun reports whether CheckedInRun marked fl.
func IsCheckedInRun(fl *pflag.Flag) bool { return len(fl.Annotations[annotationCheckedInRun]) > 0 }

// Count is "no arguments", "1 argument" or "3 arguments".
func Count(n int, what string) string {
	switch n {
	case 0:
		return "no " + what + "s"
	case 1:
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
