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

// A password in a PostgreSQL --db URL never reaches the audit log.
func TestRedactPasswordInTheStoreLocation(t *testing.T) {
	cmd := &cobra.Command{Use: "list"}
	got := Redact(cmd, []string{"--db", "postgres://ana:hunter2@db/custos", "account", "list", "--db=postgresql://ana@db/custos?password=s3cret", "--db", "/var/lib/custos/custos.db"})
	for _, a := range got {
		if strings.Contains(a, "hunter2") || strings.Contains(a, "s3cret") {
			t.Fatalf("a password is left in %q", got)
		}
	}
	if got[1] != "postgres://ana:xxxxx@db/custos" || got[6] != "/var/lib/custos/custos.db" {
		t.Fatalf("got %q", got)
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
		"a b": `operator add takes 1 argument, got 2: unexpected "b"`,
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

// A domain error names a field; the CLI points at the flag that gives it,
// only when the command has that flag and the error has no hint of its own.
func TestFlagHint(t *testing.T) {
	cmd := &cobra.Command{Use: "activate"}
	cmd.Flags().String("reason", "", "")
	for _, tt := range []struct {
		err  error
		hint string
	}{
		{errs.Invalidf("zoe is frozen; re-activating it needs a reason").WithField("reason"), "give it with --reason"},
		{errs.Invalidf("a temporary account needs an end date").WithField("until"), ""},
		{errs.Invalidf("x").WithField("reason").WithHint("do y"), "do y"},
		{errs.Invalidf("no field"), ""},
	} {
		err := FlagHint(cmd, tt.err)
		if got := errs.HintOf(err); got != tt.hint || err.Error() != tt.err.Error() || errs.CodeOf(err) != errs.Invalid {
			t.Errorf("%v: hint %q, want %q", tt.err, got, tt.hint)
		}
	}
	if FlagHint(nil, errs.Invalidf("x").WithField("reason")) == nil {
		t.Error("no command: the error was lost")
	}
}

// --limit is 1 or more when given; left out, it is 0 and lists everything.
func TestCheckLimit(t *testing.T) {
	for args, want := range map[string]string{
		"":            "",
		"--limit 1":   "",
		"--limit=250": "",
		"--limit 0":   "--limit must be 1 or more, got 0",
		"--limit -3":  "--limit must be 1 or more, got -3",
	} {
		var n int
		cmd := &cobra.Command{Use: "list"}
		AddLimitFlag(cmd, &n, "accounts")
		if err := cmd.ParseFlags(strings.Fields(args)); err != nil {
			t.Fatal(err)
		}
		err := CheckLimit(cmd, n)
		switch {
		case want == "" && err != nil:
			t.Errorf("%q: %v", args, err)
		case want != "" && (errs.CodeOf(err) != errs.Invalid || err.Error() != want):
			t.Errorf("%q: %v, want %q (invalid)", args, err, want)
		}
	}
}
