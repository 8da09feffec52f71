package cmdutil

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/iostreams"
)

var pol = account.PasswordPolicy{MinLength: 16, Require: []string{"upper", "lower", "digit"}}

func TestIssuerFileSink(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pw")
	is := &Issuer{Path: path, Flag: "--password-file", Named: true}
	if err := is.Open(); err != nil {
		t.Fatal(err)
	}
	var pws []string
	for _, u := range []string{"zoe", "kai"} {
		pw, err := is.Issue(pol, u)
		if err != nil {
			t.Fatal(err)
		}
		if err := pol.Check(pw); err != nil {
			t.Errorf("%s: %v", pw, err)
		}
		pws = append(pws, pw)
	}
	ios, _, out, _ := iostreams.Test()
	err := is.Deliver(ios, func(io *iostreams.IOStreams) error {
		_, err := fmt.Fprintln(io.Out, "Restored zoe, kai")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	is.Close(nil)
	if strings.Contains(out.String(), pws[0]) {
		t.Errorf("the output shows a password that went to the file: %q", out)
	}
	b, _ := os.ReadFile(path)
	if want := "zoe " + pws[0] + "\nkai " + pws[1] + "\n"; string(b) != want {
		t.Errorf("file %q, want %q", b, want)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode())
	}
	// A second issue to the same path is refused: never overwrite.
	again := &Issuer{Path: path, Flag: "--password-file"}
	if err := again.Open(); errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("existing file: %v", err)
	}
}

// A failed command leaves no password file behind, and one that never
// opened its file does not remove somebody else's.
func TestIssuerFailureRemovesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pw")
	is := &Issuer{Path: path, Flag: "--password-file"}
	if _, err := is.Issue(pol, "zoe"); err != nil {
		t.Fatal(err)
	}
	is.Close(errors.New("the transaction failed"))
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the file of a failed command is still there: %v", err)
	}
	os.WriteFile(path, []byte("not ours"), 0o600)
	other := &Issuer{Path: path, Flag: "--password-file"}
	if err := other.Open(); err == nil {
		t.Fatal("opened an existing file")
	}
	other.Close(errors.New("refused"))
	if b, _ := os.ReadFile(path); string(b) != "not ours" {
		t.Errorf("removed a file it did not create")
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

// The stdout sink delivers the whole result in one write, or reports the
// failure so the caller can roll back.
func TestIssuerStdoutSink(t *testing.T) {
	is := &Issuer{}
	pw, err := is.Issue(pol, "zoe")
	if err != nil || !regexp.MustCompile(`^\S{16,}$`).MatchString(pw) {
		t.Fatalf("%q %v", pw, err)
	}
	ios, _, out, _ := iostreams.Test()
	render := func(io *iostreams.IOStreams) error {
		fmt.Fprintln(io.Out, "Activated zoe.")
		_, err := fmt.Fprintln(io.Out, "Initial password: "+pw)
		return err
	}
	if err := is.Deliver(ios, render); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Activated zoe.\nInitial password: "+pw+"\n") {
		t.Errorf("output %q", out)
	}
	ios.Out = failingWriter{}
	if err := is.Deliver(ios, render); err == nil {
		t.Error("a failed write was not reported")
	}
	is.Close(nil)
}
