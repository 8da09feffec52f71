// Package policy implements `custos policy`: the organisation's rules as
// stored, audited settings.
package policy

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/policy"
	"github.com/custos-dev/custos/internal/store"
)

// NewCmdPolicy returns the `policy` command group.
func NewCmdPolicy(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy <command>",
		Short: "Show and set organisation policy",
		Long: `Organisation policy (naming rules, password policy, separation-of-duties
pairs, retention, incident deadlines, review defaults) lives in the store,
changes only through ` + "`custos policy set`" + `, and every change is audited.
See ` + "`custos help policy-keys`" + ` for the keys.`,
	}
	cmdutil.Group(cmd)
	cmd.AddCommand(newCmdShow(f, nil), newCmdSet(f, nil))
	return cmd
}

// ShowOptions are the inputs of `policy show`.
type ShowOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
	Key     string
}

func newCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "show [KEY]",
		Short: "Show policy values",
		Long:  "Show every policy key, or one, with its value, its default and who set it when.",
		Example: `  $ custos policy show
  $ custos policy show org.name -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			if len(args) == 1 {
				opts.Key = args[0]
				if _, err := policy.Lookup(opts.Key); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return showRun(opts)
		},
	}
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// ShowResult is a policy key as `policy show` reports it; a table fitted
// to the terminal shows the key, its value and who set it.
type ShowResult struct {
	Key     string    `json:"key" out:"whole"`
	Value   string    `json:"value"`
	Default string    `json:"default" out:"wide"`
	SetBy   string    `json:"set_by"`
	SetAt   time.Time `json:"set_at" out:"wide"`
	// Description is left out of the list's table unless it is wide:
	// descriptions are too long for one (see help policy-keys).
	Description string `json:"description" out:"wide"`
}

// showRow is a ShowResult in a table that is not wide: every field but
// the description.
type showRow struct {
	Key     string    `json:"key" out:"whole"`
	Value   string    `json:"value"`
	Default string    `json:"default" out:"wide"`
	SetBy   string    `json:"set_by"`
	SetAt   time.Time `json:"set_at" out:"wide"`
}

func showResult(v store.PolicyValue) ShowResult {
	return ShowResult{v.Key.Name, v.Value, v.Key.Default, v.SetBy, v.SetAt, v.Key.Doc}
}

func showRun(opts *ShowOptions) error {
	f := opts.Factory
	var values []store.PolicyValue
	err := cmdutil.Run(f, opts.Cmd, store.Spec{}, func(tx store.Tx) (err error) {
		values, err = tx.Policy().ListPolicy()
		return err
	})
	if err != nil {
		return err
	}
	format := opts.Output.Format()
	if opts.Key != "" {
		for _, v := range values {
			if v.Key.Name == opts.Key {
				return output.WriteResult(f.IO, format, showResult(v))
			}
		}
		return output.NewResultList[ShowResult](f.IO, format).Close()
	}
	if format == output.Table && !opts.Output.Wide() {
		w := output.NewResultList[showRow](f.IO, format)
		for _, v := range values {
			if err := w.Write(&showRow{v.Key.Name, v.Value, v.Key.Default, v.SetBy, v.SetAt}); err != nil {
				return err
			}
		}
		return w.Close()
	}
	w := output.NewResultList[ShowResult](f.IO, format)
	for _, v := range values {
		r := showResult(v)
		if err := w.Write(&r); err != nil {
			return err
		}
	}
	return w.Close()
}

// SetOptions are the inputs of `policy set`.
type SetOptions struct {
	Factory    *cmdutil.Factory
	Cmd        *cobra.Command
	Output     *cmdutil.Output
	Key, Value string
}

func newCmdSet(f *cmdutil.Factory, runF func(*SetOptions) error) *cobra.Command {
	opts := &SetOptions{Factory: f}
	var keys strings.Builder
	for _, k := range policy.Keys() {
		fmt.Fprintf(&keys, "\n  %s\n      %s", k.Name, k.Doc)
	}
	cmd := &cobra.Command{
		Use:   "set KEY VALUE",
		Short: "Set a policy value",
		Long: `Set a policy key after validating the value. Only admins may set policy; the
change and its author are recorded. Setting a key to its current value
changes nothing. An unknown key or a bad value is exit 2.

Keys:` + keys.String(),
		Example: `  $ custos policy set org.name "Example Ltd"
  $ custos policy set audit.signed_checkpoints true`,
		Args: cmdutil.ExactArgs("KEY", "VALUE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd, opts.Key, opts.Value = cmd, args[0], args[1]
			if _, err := policy.Validate(opts.Key, opts.Value); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return setRun(opts)
		},
	}
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// SetResult is what `policy set` reports.
type SetResult struct {
	Key     string `json:"key"`
	Value   string `json:"value"`
	Changed bool   `json:"changed"`
}

func setRun(opts *SetOptions) error {
	f := opts.Factory
	var pv store.PolicyValue
	var changed bool
	err := cmdutil.Run(f, opts.Cmd, store.Spec{Write: true, Targets: []string{"policy:" + opts.Key}}, func(tx store.Tx) (err error) {
		pv, changed, err = tx.Policy().SetPolicy(opts.Key, opts.Value)
		return err
	})
	if err != nil {
		return err
	}
	if format := opts.Output.Format(); format != output.Table {
		return output.WriteResult(f.IO, format, SetResult{pv.Key.Name, pv.Value, changed})
	}
	if !changed {
		_, err = fmt.Fprintf(f.IO.Out, "%s is already %q; nothing changed.\n", pv.Key.Name, output.Sanitize(pv.Value))
		return err
	}
	_, err = fmt.Fprintf(f.IO.Out, "Set %s to %q.\n", pv.Key.Name, output.Sanitize(pv.Value))
	return err
}
