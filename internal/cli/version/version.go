// Package version implements `custos version`.
package version

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/build"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/store"
)

// Options are the inputs of `custos version`.
type Options struct {
	Factory *cmdutil.Factory
	Output  *cmdutil.Output
}

// NewCmdVersion returns `custos version`. It never opens the store and is
// not recorded.
func NewCmdVersion(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Show the version of custos",
		Long:  "Show the version of custos, the schema version of the stores it writes, and the platform.",
		Example: `  $ custos version
  custos v1.0.0 (schema 1, linux/amd64, go1.26.8)`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return versionRun(opts)
		},
	}
	opts.Output = cmdutil.AddOutputFlag(f, cmd, output.Table, output.JSON)
	return cmd
}

// Result is what `custos version` reports.
type Result struct {
	Version  string `json:"version"`
	Schema   int    `json:"schema"`
	Platform string `json:"platform"`
	Go       string `json:"go"`
}

func versionRun(opts *Options) error {
	io := opts.Factory.IO
	platform := runtime.GOOS + "/" + runtime.GOARCH
	if opts.Output.Format().IsJSON() {
		return output.WriteResult(io, output.JSON, Result{build.String(), store.SchemaVersion(), platform, runtime.Version()})
	}
	_, err := fmt.Fprintf(io.Out, "custos %s (schema %d, %s, %s)\n", build.String(), store.SchemaVersion(), platform, runtime.Version())
	return err
}
