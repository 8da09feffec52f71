// Package policy implements `custos policy`: the organisation's rules as
// stored, audited settings.
package policy

import (
	"fmt"
	"strings"

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

// showColumns are a policy key's fields; a table fitted to the terminal
// shows the key, its value and who set it.
var showColumns = output.WideOnly(output.Whole(output.Cols("key", "value", "default", "set_by", "set_at", "description"), "key"),
	"default", "set_at", "description")

func showRun(opts *ShowOptions) error {
	f := opts.Factory
	if opts.Key != "" {
		if _, err := policy.Lookup(opts.Key); err != nil {
			return err
		}
	}
	var values []store.PolicyValue
	err := cmdutil.Run(f, opts.Cmd, store.Spec{}, func(tx store.Tx) (err error) {
		values, err = tx.Policy().ListPolicy()
		return err
	})
	if err != nil {
		return err
	}
	cols := showColumns
	format := opts.Output.Format()
	if format == output.Table && opts.Key == "" && !opts.Output.Wide() {
		cols = cols[:5] // descriptions are too long for a table; see help policy-keys
	}
	w := output.NewList(f.IO, format, cols)
	for _, v := range values {
		if opts.Key != "" && v.Key.Name != opts.Key {
			continue
		}
		row := []any{v.Key.Name, v.Value, v.Key.Default, v.SetBy, v.SetAt, v.Key.Doc}
		if opts.Key != "" {
			return output.WriteObject(f.IO, format, showColumns, row...)
		}
		if err := w.Row(row[:len(cols)]...); err != nil {
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
			if runF != nil {
				return runF(opts)
			}
			return setRun(opts)
		},
	}
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

func setRun(opts *SetOptions) error {
	f := opts.Factory
	if _, err := policy.Validate(opts.Key, opts.Value); err != nil {
		return err
	}
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
		return output.WriteObject(f.IO, format, output.Cols("key", "value", "changed"), pv.Key.Name, pv.Value, changed)
	}
	if !changed {
		_, err = fmt.Fprintf(f.IO.Out, "%s is already %q; nothing changed.\n", pv.Key.Name, output.Sanitize(pv.Value))
		return err
	}
	_, err = fmt.Fprintf(f.IO.Out, "Set %s to %q.\n", pv.Key.Name, output.Sanitize(pv.Value))
	return err
}
