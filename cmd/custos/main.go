// Command custos enforces and records information-governance rules.
package main

import (
	"os"

	"github.com/custos-dev/custos/internal/cli"
	_ "github.com/custos-dev/custos/internal/procs/one" // start on one processor
)

func main() { os.Exit(cli.Main()) }
