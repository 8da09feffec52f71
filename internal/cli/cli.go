// Package cli runs custos: it builds the factory and the command tree, runs
// the command, and is the one place that prints an error and chooses the
// exit code.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/cli/root"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/output"
)

// Main runs custos in this process and returns its exit code.
func Main() int { return Run(cmdutil.New()) }

// Run runs custos with the given factory and returns its exit code.
func Run(f *cmdutil.Factory) int {
	defer f.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Asking for SIGPIPE keeps the runtime from killing the process when
	// the reader of stdout goes away (`custos audit log | head`): the write
	// fails with EPIPE instead, and the read is recorded as interrupted.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)

	rootCmd := root.NewCmdRootFor(f, f.Argv)
	rootCmd.SetArgs(f.Argv)
	rootCmd.SetIn(f.IO.In)
	rootCmd.SetOut(f.IO.Out)
	rootCmd.SetErr(f.IO.ErrOut)

	cmd, err := rootCmd.ExecuteContextC(ctx)
	if err == nil {
		err = f.FinishOutput()
	} else {
		f.DropOutput()
	}
	if err == nil {
		f.IO.StopPager()
		return 0
	}
	// Rows a listing wrote before it failed still reach stdout, and the
	// reader has quit the pager before the error shows.
	f.IO.Flush()
	f.IO.StopPager()
	err = cmdutil.FlagHint(cmd, classify(ctx, f, err))
	unrecorded := cmdutil.IsStore(cmd) && !errs.IsRecorded(err) && !f.RecordFailure(cmd, err)
	if !errors.Is(err, syscall.EPIPE) {
		// A reader that went away needs no message, as with any filter.
		printError(f, f.FormatOf(cmd), err)
	}
	if unrecorded {
		// After the error: the first line a user reads is what went wrong.
		fmt.Fprintln(f.IO.ErrOut, "custos: warning: this failure could not be recorded in the audit log: the store is read-only, or neither it nor its spool could be written")
	}
	return errs.ExitCode(err)
}

// classify gives cobra's own errors a code: anything that went wrong before
// a command's body ran is invalid input (unknown command, bad arguments).
func classify(ctx context.Context, f *cmdutil.Factory, err error) error {
	if ctx.Err() != nil && errs.CodeOf(err) != errs.Interrupted {
		// Ctrl-C or SIGTERM arrived: whatever the work then failed with
		// (a cancelled query, a read cut short), the command was
		// interrupted, which shells expect as 130.
		return errs.Wrap(errs.Interrupted, err, "interrupted")
	}
	var coded *errs.Error
	if errors.As(err, &coded) {
		return err
	}
	if !f.HasEntered() {
		return errs.Wrap(errs.Invalid, err, "%v", err).WithHint("run `custos help` for the commands")
	}
	if errors.Is(err, context.Canceled) {
		return errs.Wrap(errs.Interrupted, err, "interrupted")
	}
	if errors.Is(err, syscall.EPIPE) {
		return errs.Wrap(errs.Interrupted, err, "interrupted: the output was closed (broken pipe)")
	}
	return errs.Wrap(errs.Internal, err, "%v", err)
}

// printError writes "custos: message" and an optional hint line to stderr,
// and with -o json also a JSON object there.
func printError(f *cmdutil.Factory, format output.Format, err error) {
	msg := output.Sanitize(err.Error())
	hint := output.Sanitize(errs.HintOf(err))
	if format == output.JSON || format == output.JSONL {
		type jsonErr struct {
			Code     string `json:"code"`
			ExitCode int    `json:"exit_code"`
			Message  string `json:"message"`
			Hint     string `json:"hint,omitempty"`
		}
		b, _ := output.MarshalJSON(map[string]jsonErr{"error": {
			Code: errs.Outcome(err), ExitCode: errs.ExitCode(err), Message: err.Error(), Hint: errs.HintOf(err),
		}})
		fmt.Fprintf(f.IO.ErrOut, "%s\n", b)
		return
	}
	fmt.Fprintf(f.IO.ErrOut, "custos: %s\n", msg)
	if hint != "" {
		fmt.Fprintf(f.IO.ErrOut, "hint: %s\n", hint)
	}
}
