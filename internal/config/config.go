// Package config loads the client settings of custos (where the store is,
// the default output format, color, the busy timeout) with one viper
// instance, in the order flag > CUSTOS_* environment > config file >
// default. Organisation policy is not here: it lives in the store.
package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/custos-dev/custos/internal/errs"
)

// Config is the resolved client configuration.
type Config struct {
	// DB is the store path.
	DB string
	// Output is the default output format when -o is not given.
	Output string
	// Color is auto, always or never.
	Color string
	// BusyTimeout is how long to wait for another process's write lock.
	BusyTimeout time.Duration
	// BOM makes CSV output begin with a UTF-8 byte-order mark, for Excel.
	BOM bool
	// File is the config file that was read, or "".
	File string
}

// Keys of the config file, each also read from CUSTOS_<KEY>.
const (
	KeyDB          = "db"
	KeyOutput      = "output"
	KeyColor       = "color"
	KeyBusyTimeout = "busy_timeout"
	KeyBOM         = "bom"
)

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

// candidateFiles are the config files looked for when --config is not given.
func candidateFiles() []string {
	var out []string
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" {
		out = append(out, filepath.Join(d, "custos", "config.yaml"))
	} else if home, err := os.UserHomeDir(); err == nil {
		out = append(out, filepath.Join(home, ".config", "custos", "config.yaml"))
	}
	return append(out, "/etc/custos/config.yaml")
}

// Load resolves the configuration. flags are the root's persistent flags;
// --db and --no-color bind over the file and the environment, and
// --config names the file to read.
func Load(flags *pflag.FlagSet) (*Config, error) {
	v := viper.New()
	v.SetEnvPrefix("CUSTOS")
	v.AutomaticEnv()
	v.SetDefault(KeyDB, DefaultDB())
	v.SetDefault(KeyOutput, "table")
	v.SetDefault(KeyColor, "auto")
	v.SetDefault(KeyBusyTimeout, "10s")
	v.SetDefault(KeyBOM, false)
	if f := flags.Lookup("db"); f != nil {
		if err := v.BindPFlag(KeyDB, f); err != nil {
			return nil, err
		}
	}

	file, _ := flags.GetString("config")
	explicit := file != ""
	if !explicit {
		for _, c := range candidateFiles() {
			if _, err := os.Stat(c); err == nil {
				file = c
				break
			}
		}
	}
	if file != "" {
		v.SetConfigFile(file)
		v.SetConfigType("yaml")
		if err := v.ReadInConfig(); err != nil {
			if !explicit && errors.Is(err, fs.ErrNotExist) {
				file = ""
			} else {
				return nil, errs.Invalidf("config file %s: %v", file, err)
			}
		}
	}

	c := &Config{
		DB:     v.GetString(KeyDB),
		Output: v.GetString(KeyOutput),
		Color:  v.GetString(KeyColor),
		File:   file,
	}
	switch c.Output {
	case "table", "json", "csv":
	default:
		return nil, errs.Invalidf("output %q in the configuration: use table, json or csv", c.Output)
	}
	if noColor, _ := flags.GetBool("no-color"); noColor || os.Getenv("NO_COLOR") != "" {
		c.Color = "never"
	}
	switch c.Color {
	case "auto", "always", "never":
	default:
		return nil, errs.Invalidf("color %q in the configuration: use auto, always or never", c.Color)
	}
	d, err := time.ParseDuration(v.GetString(KeyBusyTimeout))
	if err != nil || d < 0 {
		return nil, errs.Invalidf("busy_timeout %q in the configuration: use a duration such as 10s", v.GetString(KeyBusyTimeout))
	}
	c.BusyTimeout = d
	if c.BOM, err = strconv.ParseBool(v.GetString(KeyBOM)); err != nil {
		return nil, errs.Invalidf("bom %q in the configuration: use true or false", v.GetString(KeyBOM))
	}
	return c, nil
}
