package cmdutil

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/iostreams"
)

func confirmCmd(ctx context.Context, f *Factory, args ...string) *cobra.Command {
	root := &cobra.Command{Use: "custos"}
	noun := &cobra.Command{Use: "account"}
	cmd := &cobra.Command{Use: "revoke", RunE: func(*cobra.Command, []string) error { return nil }}
	AddYesFlag(cmd)
	root.AddCommand(noun)
	noun.AddCommand(cmd)
	if err := cmd.Flags().Parse(args); err != nil {
		panic(err)
	}
	cmd.SetContext(ctx)
	return cmd
}

// On a terminal Confirm asks, and only y or yes goes ahead; without one it
// needs --yes; --yes never asks.
func TestConfirm(t *testing.T) {
	for _, c := range []struct {
		tty   bool
		yes   bool
		input string
		code  errs.Code // errs.Internal for no error
		msg   string
	}{
		{tty: true, input: "y\n", code: -1},
		{tty: true, input: "YES\n", code: -1},
		{tty: true, input: "n\n", code: errs.Invalid, msg: "account revoke cancelled; nothing changed"},
		{tty: true, input: "\n", code: errs.Invalid, msg: "account revoke cancelled; nothing changed"},
		{tty: true, input: "", code: errs.Invalid, msg: "account revoke cancelled; nothing changed"},
		{tty: false, input: "y\n", code: errs.Invalid, msg: "account revoke cannot be undone: without a terminal it needs --yes"},
		{tty: false, yes: true, code: -1},
		{tty: true, yes: true, code: -1},
	} {
		ios, in, _, errOut := iostreams.Test()
		ios.SetTTY(c.tty, c.tty, c.tty)
		in.WriteString(c.input)
		f := &Factory{IO: ios}
		var args []string
		if c.yes {
			args = []string{"--yes"}
		}
		err := Confirm(f, confirmCmd(context.Background(), f, args...), "Revoke account bob?")
		asked := strings.Contains(errOut.String(), "Revoke account bob? [y/N] ")
		if want := c.tty && !c.yes; asked != want {
			t.Errorf("%+v: asked %v, want %v (stderr %q)", c, asked, want, errOut)
		}
		switch {
		case c.code == -1 && err != nil:
			t.Errorf("%+v: %v", c, err)
		case c.code != -1 && (errs.CodeOf(err) != c.code || err.Error() != c.msg):
			t.Errorf("%+v: got %v (%v), want %q", c, err, errs.CodeOf(err), c.msg)
		}
	}
}

// Ctrl-C while the question waits is an interruption at once (exit 130):
// the read that is still waiting never supplies an answer.
func TestAskInterrupted(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	ios.SetTTY(true, true, true)
	r, w := io.Pipe() // a terminal nobody types into
	defer w.Close()
	ios.In = r
	ctx, cancel := context.WithCancel(context.Background())
	f := &Factory{IO: ios}
	done := make(chan error, 1)
	go func() { done <- Confirm(f, confirmCmd(ctx, f), "Remove operator ivan?") }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if errs.CodeOf(err) != errs.Interrupted || errs.ExitCode(err) != 130 || err.Error() != "interrupted" {
			t.Fatalf("got %v (exit %d)", err, errs.ExitCode(err))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Ctrl-C did not end the question")
	}
	if !strings.HasPrefix(errOut.String(), "Remove operator ivan? [y/N] ") {
		t.Fatalf("stderr %q", errOut)
	}
}
