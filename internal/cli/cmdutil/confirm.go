package cmdutil

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/output"
)

// Ask asks a yes/no question on stderr and reads the answer from stdin;
// only "y" and "yes" are yes. Ctrl-C (ctx cancelled) while it waits is
// an interruption, at once: the next line typed is never taken for the
// answer.
func Ask(ctx context.Context, f *Factory, question string) (bool, error) {
	fmt.Fprintf(f.IO.ErrOut, "%s [y/N] ", output.Sanitize(question))
	answer := make(chan string, 1)
	go func() {
		// The read cannot be cancelled; on Ctrl-C it is left behind
		// and the process exits without waiting for it.
		line, _ := bufio.NewReader(f.IO.In).ReadString('\n')
		answer <- line
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(f.IO.ErrOut)
		return false, errs.Wrap(errs.Interrupted, ctx.Err(), "interrupted")
	case line := <-answer:
		a := strings.ToLower(strings.TrimSpace(line))
		return a == "y" || a == "yes", nil
	}
}

// Confirm guards an irreversible command: with --yes it goes ahead; on a
// terminal it asks question; without a terminal and without --yes it is
// refused (exit 2), so that a script never acts on a guess. A "no" is a
// cancellation that changed nothing (exit 2). The command needs a --yes
// flag (see AddYesFlag).
func Confirm(f *Factory, cmd *cobra.Command, question string) error {
	if yes, _ := cmd.Flags().GetBool("yes"); yes {
		return nil
	}
	name := CommandName(cmd)
	if !f.IO.IsStdinTTY() || !f.IO.IsStderrTTY() {
		return errs.Invalidf("%s cannot be undone: without a terminal it needs --yes", name).
			WithHint("add --yes to run it from a script")
	}
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	ok, err := Ask(ctx, f, question)
	if err != nil {
		return err
	}
	if !ok {
		return errs.Invalidf("%s cancelled; nothing changed", name)
	}
	return nil
}

// AddYesFlag adds --yes to cmd unless it has one.
func AddYesFlag(cmd *cobra.Command) {
	if cmd.Flags().Lookup("yes") == nil {
		cmd.Flags().Bool("yes", false, "do not ask for confirmation (needed without a terminal)")
	}
}
