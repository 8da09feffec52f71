package cmdutil

import (
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/errs"
)

func TestRedactSecretFlags(t *testing.T) {
	cmd := &cobra.Command{Use: "activate"}
	cmd.Flags().String("password", "", "")
	cmd.Flags().String("reason", "", "")
	MarkSecret(cmd, "password")
	got := Redact(cmd, []string{"account", "activate", "--password", "hunter2", "--reason", "x", "--password=s3cret", "--", "--password", "literal"})
	want := []string{"account", "activate", "--password", "<redacted>", "--reason", "x", "--password=<redacted>", "--", "--password", "literal"}
	if !slices.Equal(got, want) {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}

func TestArgumentErrorsAreInvalidInput(t *testing.T) {
	cmd := &cobra.Command{Use: "add NAME"}
	root := &cobra.Command{Use: "custos"}
	op := &cobra.Command{Use: "operator"}
	root.AddCommand(op)
	op.AddCommand(cmd)
	for args, want := range map[string]string{
		"":    "operator add needs NAME",
		"a b": `operator add takes 1 argument(s), got 2: unexpected "b"`,
	} {
		err := ExactArgs("NAME")(cmd, strings.Fields(args))
		if errs.CodeOf(err) != errs.Invalid || err.Error() != want {
			t.Errorf("%q: %v", args, err)
		}
	}
	if err := ExactArgs("NAME")(cmd, []string{"a"}); err != nil {
		t.Fatal(err)
	}
	group := Group(&cobra.Command{Use: "operator"})
	if err := group.RunE(group, []string{"frobnicate"}); errs.CodeOf(err) != errs.Invalid {
		t.Fatalf("unknown subcommand: %v", err)
	}
}
