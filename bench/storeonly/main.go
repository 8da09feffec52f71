// Command storeonly runs one `operator add` through custos's store and audit
// pipeline with none of the CLI around it (no cobra, viper, tablewriter or
// lipgloss). bench/startup times it beside the real binary to show what the
// CLI layer costs on top of the store.
//
//	storeonly DB NAME
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/custos-dev/custos/internal/operator"
	"github.com/custos-dev/custos/internal/store"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: storeonly DB NAME")
		os.Exit(2)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, os.Args[1], store.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer st.Close()
	inv := &store.Invocation{Command: "operator add", Args: os.Args[1:], OSUser: "root", Host: "bench", PID: os.Getpid()}
	err = st.Invoke(ctx, inv, store.Spec{Write: true, Roles: []operator.Role{operator.Admin}}, func(tx store.Tx) error {
		_, err := tx.Operators().AddOperator(&operator.Operator{Name: os.Args[2], Roles: []operator.Role{operator.Auditor}, CreatedBy: "root"})
		return err
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		st.Close()
		os.Exit(1)
	}
}
