// Package configcmd implements `custos config`: the effective client
// settings and where each came from, and a safe way to change one. It
// never opens the store and is not recorded.
package configcmd

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/config"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/output"
)

// NewCmdConfig returns `custos config` and its subcommands.
func NewCmdConfig(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config <command>",
		Short: "Show and change the client settings",
		Long: `Client settings say where the store is and how output looks; they live in
config files, not in the store. custos reads, in order, and merges key by key:

  /etc/custos/config.yaml                the system file (a shared store)
  $XDG_CONFIG_HOME/custos/config.yaml    yours (~/.config/custos/config.yaml)
  --config FILE                          one more, for this invocation

then CUSTOS_* environment variables, then flags: each wins over the ones
before it. A key custos does not know is a warning naming the file and line
(an error with --strict-config). ~ and $VAR are expanded in db.

Keys: ` + keyList() + `

Organisation policy (naming rule, approvals, retention) is not here: it
lives in the store (custos policy show).`,
	}
	cmdutil.Group(cmd)
	cmd.AddCommand(newCmdShow(f, nil), newCmdSet(f, nil))
	return cmd
}

func keyList() string {
	var b strings.Builder
	for _, k := range config.Keys {
		fmt.Fprintf(&b, "\n  %-13s %s", k.Name, k.Doc)
	}
	return b.String()
}

// ShowOptions are the inputs of `config show`.
type ShowOptions struct {
	Factory *cmdutil.Factory
	Output  *cmdutil.Output
	Origin  bool
}

func newCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "show [--origin]",
		Short: "Print every effective setting, and with --origin where it came from",
		Long: `Print every client setting custos would use for this invocation: the merge
of the config files, the environment and the flags given before "config".
With --origin, each setting's source: "default", "file PATH:LINE",
"env CUSTOS_X" or "flag --x". Unknown keys in the files are warned about
on stderr.`,
		Example: `  $ custos config show
  $ custos config show --origin
  $ custos --db /srv/custos.db config show --origin -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return showRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Origin, "origin", false, "also show where each setting came from")
	opts.Output = cmdutil.AddOutputFlag(f, cmd, output.Table, output.JSON, output.JSONL, output.CSV)
	return cmd
}

// SettingResult is one effective setting.
type SettingResult struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// SettingOriginResult is one effective setting and where it came from:
// "default", "file PATH:LINE", "env CUSTOS_X" or "flag --x".
type SettingOriginResult struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Origin string `json:"origin"`
}

func showRun(opts *ShowOptions) error {
	cfg, err := opts.Factory.Config()
	if err != nil {
		return err
	}
	format := opts.Output.Format()
	if opts.Origin {
		w := output.NewResultList[SettingOriginResult](opts.Factory.IO, format)
		for _, s := range cfg.Settings {
			if err := w.Write(&SettingOriginResult{s.Key, s.Value, s.Origin}); err != nil {
				return err
			}
		}
		return w.Close()
	}
	w := output.NewResultList[SettingResult](opts.Factory.IO, format)
	for _, s := range cfg.Settings {
		if err := w.Write(&SettingResult{s.Key, s.Value}); err != nil {
			return err
		}
	}
	return w.Close()
}

// SetOptions are the inputs of `config set`.
type SetOptions struct {
	Factory    *cmdutil.Factory
	Key, Value string
	System     bool
}

func newCmdSet(f *cmdutil.Factory, runF func(*SetOptions) error) *cobra.Command {
	opts := &SetOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "set KEY VALUE [--system]",
		Short: "Change one setting in your config file, or the system's",
		Long: `Set KEY to VALUE in your config file ($XDG_CONFIG_HOME/custos/config.yaml),
in the file named by --config, or with --system in /etc/custos/config.yaml
(which needs root). The value is checked first; the file is rewritten
atomically (a reader sees the old file or the new one, never half of one)
keeping its other keys and its comments, and created if missing (mode 0600
for yours, 0644 for the system's).`,
		Example: `  $ custos config set output json
  $ sudo custos config set --system db /var/lib/custos/custos.db
  $ custos config show --origin`,
		Args: cmdutil.ExactArgs("KEY", "VALUE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Key, opts.Value = args[0], args[1]
			k, ok := config.LookupKey(opts.Key)
			if !ok {
				e := errs.Invalidf("no setting %q", opts.Key)
				if s := config.Suggest(opts.Key); s != "" {
					return e.WithHint("did you mean %s?", s)
				}
				return e.WithHint("the settings are %s", names())
			}
			if _, err := k.Check(opts.Value); err != nil {
				return err
			}
			if opts.System && f.ConfigFlag() != "" {
				return errs.Invalidf("give --system or --config, not both")
			}
			if runF != nil {
				return runF(opts)
			}
			return setRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.System, "system", false, "change /etc/custos/config.yaml, for every user of this host")
	return cmd
}

func names() string {
	var n []string
	for _, k := range config.Keys {
		n = append(n, k.Name)
	}
	return strings.Join(n, ", ")
}

func setRun(opts *SetOptions) error {
	f := opts.Factory
	system, user := f.ConfigFiles()
	path, mode, dirMode := user, os.FileMode(0o600), os.FileMode(0o700)
	switch {
	case opts.System:
		path, mode, dirMode = system, 0o644, 0o755
	case f.ConfigFlag() != "":
		path = f.ConfigFlag()
	case user == "":
		return errs.Invalidf("no home directory for a config file of yours").WithHint("use --config FILE or --system")
	}
	old, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(filepath.Dir(path), dirMode); err != nil {
			return errs.Wrap(errs.Invalid, err, "cannot create %s: %v", filepath.Dir(path), pathError(err))
		}
	case err != nil:
		return errs.Wrap(errs.Invalid, err, "cannot read %s: %v", path, pathError(err))
	default:
		if info, err := os.Stat(path); err == nil {
			mode = info.Mode().Perm()
		}
	}
	updated, err := setKey(old, opts.Key, opts.Value)
	if err != nil {
		return errs.Invalidf("config file %s: %v", path, err).WithHint("fix it by hand, then try again")
	}
	if err := cmdutil.WriteOutputFile(path, updated, mode); err != nil {
		e := errs.Wrap(errs.Invalid, err, "cannot write %s: %v", path, pathError(err))
		if errors.Is(err, fs.ErrPermission) && opts.System {
			return e.WithHint("the system file needs root: sudo custos config set --system %s %s", opts.Key, opts.Value)
		}
		return e
	}
	_, err = fmt.Fprintf(f.IO.Out, "Set %s to %s in %s.\n", opts.Key, output.Sanitize(opts.Value), path)
	return err
}

// pathError is an *fs.PathError's reason without the path, which the
// message already names.
func pathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// setKey returns the YAML document doc with key set to value: the key's
// value replaced where it is, or a new line at the end. Comments and the
// other keys stay as they were.
func setKey(doc []byte, key, value string) ([]byte, error) {
	var root yaml.Node
	if len(bytes.TrimSpace(doc)) > 0 {
		if err := yaml.Unmarshal(doc, &root); err != nil {
			return nil, fmt.Errorf("%s", strings.Join(strings.Fields(strings.TrimPrefix(err.Error(), "yaml: ")), " "))
		}
	}
	if root.Kind == 0 {
		root = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}}
	}
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		if len(root.Content) == 1 && root.Content[0].Kind == yaml.ScalarNode && root.Content[0].Value == "" {
			root.Content[0] = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		} else {
			return nil, fmt.Errorf(`expected "key: value" lines`)
		}
	}
	m := root.Content[0]
	val := &yaml.Node{Kind: yaml.ScalarNode, Value: value}
	if value != "" && (strings.ContainsAny(value, ":#{}[]&*!|>'\"%@`,") || strings.TrimSpace(value) != value) {
		val.Style = yaml.DoubleQuotedStyle
	}
	done := false
	for i := 0; i+1 < len(m.Content); i += 2 {
		if strings.EqualFold(m.Content[i].Value, key) {
			val.LineComment = m.Content[i+1].LineComment
			m.Content[i+1] = val
			done = true
		}
	}
	if !done {
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, val)
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&root); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
