//go:build clilibs

package main

// Built with -tags clilibs, storeonly links the libraries custos's CLI is
// built on, so that Go initialises them before main as it does for custos,
// and uses none of them: bench/startup then shows what their start-up alone
// costs on top of the store pipeline.
import (
	_ "github.com/charmbracelet/lipgloss"
	_ "github.com/olekukonko/tablewriter"
	_ "github.com/spf13/cobra"
	_ "github.com/spf13/viper"
	_ "golang.org/x/term"
)
