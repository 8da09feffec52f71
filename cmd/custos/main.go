// Command custos enforces and records information-governance rules.
package main

import (
	"os"

	"github.com/custos-dev/custos/internal/cli"
)

func main() { os.Exit(cli.Main()) }
