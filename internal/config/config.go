// Package config loads the client settings of custos (where the store is,
// the default output format, color, the busy timeout) with one viper
// instance. The system file, the user's file and a --config file are
// merged key by key, so a personal file that only sets a color does not
// hide the shared store named in /etc; the order is flag > CUSTOS_*
// environment > --config file > user file > system file > default.
// Organisation policy is not here: it lives in the store.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"

	"github.com/custos-dev/custos/internal/errs"
)

// Config is the resolved client configuration.
type Config struct {
	// DB is the store path, with ~ and $VAR expanded.
	DB string
	// Output is the default output format when -o is not given.
	Output string
	// Color is auto, always or never.
	Color string
	// BusyTimeout is how long to wait for another process's write lock.
	BusyTimeout time.Duration
	// BOM makes CSV output begin with a UTF-8 byte-order mark, for Excel.
	BOM bool
	// Files are the config files that were read, in the order they were
	// merged (system, user, --config).
	Files []string
	// Settings are every key's effective value and where it came from,
	// in the order of Keys.
	Settings []Setting
	// Warnings are problems worth telling but not fatal: unknown keys.
	Warnings []string
}

// Setting is one effective setting and its origin.
type Setting struct {
	Key   string `json:"key"`
	Value string `json:"value"`
	// Origin is "default", "file PATH:LINE", "env CUSTOS_X" or "flag --x".
	Origin string `json:"origin"`
}

// Keys of the config file, each also read from CUSTOS_<KEY>.
const (
	KeyDB          = "db"
	KeyOutput      = "output"
	KeyColor       = "color"
	KeyBusyTimeout = "busy_timeout"
	KeyBOM         = "bom"
)

// Key describes one setting: its name, default, and what it accepts.
type Key struct {
	Name    string
	Default func() string
	// Flag is the root flag that overrides it, or "".
	Flag string
	Doc  string
	// check validates a value and returns it normalised.
	check func(string) (string, error)
}

// Keys are the settings custos knows, in the order they are shown.
var Keys = []Key{
	{KeyDB, DefaultDB, "db", "the store: a file path or a postgres:// URL; ~ and $VAR are expanded", checkDB},
	{KeyOutput, constant("table"), "", "the default output format: table, wide, json, jsonl or csv", oneOf("table", "wide", "json", "jsonl", "csv")},
	{KeyColor, constant("auto"), "no-color", "auto, always or never", oneOf("auto", "always", "never")},
	{KeyBusyTimeout, constant("10s"), "", "how long to wait for another process's write lock, e.g. 10s", checkDuration},
	{KeyBOM, constant("false"), "", "true begins CSV output with a UTF-8 byte-order mark (for Excel)", checkBool},
}

// LookupKey returns the key named name.
func LookupKey(name string) (Key, bool) {
	for _, k := range Keys {
		if k.Name == name {
			return k, true
		}
	}
	return Key{}, false
}

// Check validates value for the key and returns it normalised, or an
// Invalid error that names the key.
func (k Key) Check(value string) (string, error) {
	v, err := k.check(value)
	if err != nil {
		return "", errs.Invalidf("%s %q: %v", k.Name, value, err).WithField(k.Name)
	}
	return v, nil
}

func constant(s string) func() string { return func() string { return s } }

func oneOf(allowed ...string) func(string) (string, error) {
	return func(s string) (string, error) {
		if !slices.Contains(allowed, s) {
			return "", fmt.Errorf("use %s or %s", strings.Join(allowed[:len(allowed)-1], ", "), allowed[len(allowed)-1])
		}
		return s, nil
	}
}

func checkDuration(s string) (string, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return "", fmt.Errorf("use a duration such as 10s")
	}
	return s, nil
}

func checkBool(s string) (string, error) {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return "", fmt.Errorf("use true or false")
	}
	return strconv.FormatBool(b), nil
}

func checkDB(s string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", fmt.Errorf("give a file path or a postgres:// URL")
	}
	return s, nil
}

// DefaultDB is $XDG_DATA_HOME/custos/custos.db, else
// ~/.local/share/custos/custos.db.
func DefaultDB() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "custos", "custos.db")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(".", "custos.db")
	}
	return filepath.Join(home, ".local", "share", "custos", "custos.db")
}

// SystemFile is the organisation's config file, shared by every user of
// the host; packages install it.
const SystemFile = "/etc/custos/config.yaml"

// UserFile is $XDG_CONFIG_HOME/custos/config.yaml, else
// ~/.config/custos/config.yaml, or "" without a home.
func UserFile() string {
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "custos", "config.yaml")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".config", "custos", "config.yaml")
	}
	return ""
}

// Options say where the files are; the zero value is the real host's.
type Options struct {
	// System is the system file; "" means SystemFile.
	System string
	// Strict makes an unknown key an error (exit 2) rather than a warning.
	Strict bool
}

// Load resolves the configuration. flags are the root's persistent flags;
// --db and --no-color bind over the files and the environment, and
// --config names one more file, read last.
func Load(flags *pflag.FlagSet) (*Config, error) { return LoadWith(flags, Options{}) }

// LoadWith is Load with the files' locations and strictness given.
func LoadWith(flags *pflag.FlagSet, opts Options) (*Config, error) {
	if opts.System == "" {
		opts.System = SystemFile
	}
	v := viper.New()
	v.SetEnvPrefix("CUSTOS")
	v.AutomaticEnv()
	for _, k := range Keys {
		v.SetDefault(k.Name, k.Default())
	}
	if f := flags.Lookup("db"); f != nil {
		if err := v.BindPFlag(KeyDB, f); err != nil {
			return nil, err
		}
	}

	c := &Config{}
	origins := map[string]string{}
	explicit, _ := flags.GetString("config")
	files := []struct {
		path     string
		required bool
	}{{opts.System, false}, {UserFile(), false}}
	if explicit != "" {
		files = append(files, struct {
			path     string
			required bool
		}{expand(explicit), true})
	}
	for _, file := range files {
		if file.path == "" {
			continue
		}
		values, lines, warnings, err := readFile(file.path)
		if errors.Is(err, fs.ErrNotExist) && !file.required {
			continue
		}
		if err != nil {
			return nil, err
		}
		if opts.Strict && len(warnings) > 0 {
			return nil, errs.Invalidf("%s", warnings[0]).WithHint("fix or remove the key; without --strict-config it is only a warning")
		}
		c.Warnings = append(c.Warnings, warnings...)
		if err := v.MergeConfigMap(values); err != nil {
			return nil, errs.Invalidf("config file %s: %v", file.path, oneLine(err))
		}
		for k := range values {
			origins[k] = fmt.Sprintf("file %s:%d", file.path, lines[k])
		}
		c.Files = append(c.Files, file.path)
	}

	get := func(k Key) (string, error) {
		value, origin := v.GetString(k.Name), origins[k.Name]
		if origin == "" {
			origin = "default"
		}
		if env := "CUSTOS_" + strings.ToUpper(k.Name); os.Getenv(env) != "" {
			origin = "env " + env
		}
		if k.Flag != "" {
			if f := flags.Lookup(k.Flag); f != nil && f.Changed {
				origin = "flag --" + k.Flag
			}
		}
		if k.Name == KeyColor {
			if noColor, _ := flags.GetBool("no-color"); noColor {
				value = "never"
			} else if os.Getenv("NO_COLOR") != "" {
				value, origin = "never", "env NO_COLOR"
			}
		}
		checked, err := k.Check(value)
		if err != nil {
			e := err.(*errs.Error)
			if where := strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(origin, "file "), "env "), "flag "); where != "default" {
				e.Msg = where + ": " + e.Msg
			}
			return "", e
		}
		if k.Name == KeyDB {
			checked = expand(checked)
		}
		c.Settings = append(c.Settings, Setting{Key: k.Name, Value: checked, Origin: origin})
		return checked, nil
	}
	values := map[string]string{}
	for _, k := range Keys {
		s, err := get(k)
		if err != nil {
			return nil, err
		}
		values[k.Name] = s
	}
	c.DB = values[KeyDB]
	c.Output = values[KeyOutput]
	c.Color = values[KeyColor]
	c.BusyTimeout, _ = time.ParseDuration(values[KeyBusyTimeout])
	c.BOM, _ = strconv.ParseBool(values[KeyBOM])
	return c, nil
}

// expand expands a leading ~ (the user's home) and $VAR or ${VAR} in a
// path, as a shell would have if the value had been typed, so that
// `db: ~/custos.db` does not make a directory named "~". A URL is left
// alone but for its variables.
func expand(path string) string {
	path = os.ExpandEnv(path)
	if path == "~" || strings.HasPrefix(path, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, path[1:])
		}
	}
	return path
}

// readFile reads one YAML config file: its values, the line of each key,
// and a warning for each key custos does not know. An empty file is no
// settings.
func readFile(path string) (map[string]any, map[string]int, []string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, nil, err
		}
		return nil, nil, nil, errs.Invalidf("config file %s: %v", path, oneLine(err))
	}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(b)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) || len(bytes.TrimSpace(b)) == 0 {
			return map[string]any{}, map[string]int{}, nil, nil
		}
		msg := oneLine(err)
		where := "config file " + path + ": "
		if line, rest, ok := strings.Cut(strings.TrimPrefix(msg, "line "), ": "); ok && strings.HasPrefix(msg, "line ") {
			where, msg = "config file "+path+":"+line+": ", rest
		}
		return nil, nil, nil, errs.Invalidf("%s%s", where, msg).
			WithHint("it is YAML: one \"key: value\" per line, e.g. db: /var/lib/custos/custos.db")
	}
	if len(doc.Content) == 0 {
		return map[string]any{}, map[string]int{}, nil, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, nil, nil, errs.Invalidf("config file %s:%d: expected \"key: value\" lines", path, root.Line)
	}
	values := map[string]any{}
	lines := map[string]int{}
	var warnings []string
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i], root.Content[i+1]
		name := strings.ToLower(key.Value)
		if _, ok := LookupKey(name); !ok {
			w := fmt.Sprintf("%s:%d: unknown key %q", path, key.Line, key.Value)
			if s := closestKey(name); s != "" {
				w += fmt.Sprintf(" (did you mean %s?)", s)
			} else {
				w += " (custos knows " + knownKeys() + ")"
			}
			warnings = append(warnings, w)
			continue
		}
		if val.Kind != yaml.ScalarNode {
			return nil, nil, nil, errs.Invalidf("config file %s:%d: %s takes one value", path, val.Line, name)
		}
		values[name] = val.Value
		lines[name] = key.Line
	}
	return values, lines, warnings, nil
}

func knownKeys() string {
	names := make([]string, len(Keys))
	for i, k := range Keys {
		names[i] = k.Name
	}
	return strings.Join(names, ", ")
}

// Suggest is the known key a typo (colour, database) most likely meant,
// or "".
func Suggest(typed string) string { return closestKey(strings.ToLower(typed)) }

func closestKey(typed string) string {
	aliases := map[string]string{"colour": KeyColor, "database": KeyDB, "store": KeyDB, "format": KeyOutput, "timeout": KeyBusyTimeout}
	if k, ok := aliases[typed]; ok {
		return k
	}
	for _, k := range Keys {
		if strings.ReplaceAll(typed, "-", "_") == k.Name {
			return k.Name
		}
	}
	return ""
}

// oneLine is an error message on one line: YAML's can span several.
func oneLine(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	parts := strings.Fields(strings.ReplaceAll(msg, "\n", " "))
	return strings.Join(parts, " ")
}
