package cmdutil

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/iostreams"
)

// Issuer hands out one-time initial passwords, the one way custos does:
// each is generated from the password policy and delivered either in the
// command's output (the stdout sink) or as a line of a new file only its
// owner can read (the file sink). It is used inside the command's write
// transaction, so that a password nobody received rolls the change back:
//
//	Open       before anything changes: a bad file path refuses the command;
//	Issue      for each account given a password;
//	Deliver    the command's whole output, in one write, before the commit;
//	Close      after the transaction: a file is removed when it failed.
type Issuer struct {
	// Path is the file sink, or "" for the stdout sink.
	Path string
	// Flag names Path in messages ("--password-file").
	Flag string
	// Named writes "username password" lines to the file, for commands
	// that issue several; otherwise each line is the password alone.
	Named bool
	// Random is the source of the passwords; nil means crypto/rand.
	Random io.Reader
	// DryRun issues no password: the file sink is created (so a bad
	// path is refused as for real) and removed by Close, and the output
	// shows DryRunPassword in the password's place.
	DryRun bool

	file *os.File
}

// DryRunPassword stands in a dry run's output for a password that a real
// run would issue: a dry run issues none.
const DryRunPassword = "(none: dry run)"

// ToFile reports whether the passwords go to a file rather than the output.
func (is *Issuer) ToFile() bool { return is.Path != "" }

// Open creates the file sink, if any; it refuses an existing file.
func (is *Issuer) Open() error {
	if is.Path == "" || is.file != nil {
		return nil
	}
	fh, err := CreateSecretFile(is.Path, is.Flag)
	if err != nil {
		return err
	}
	is.file = fh
	return nil
}

// Issue generates the password of username under pol. With the file sink
// it is written to the file at once; the caller shows it only with the
// stdout sink.
func (is *Issuer) Issue(pol account.PasswordPolicy, username string) (string, error) {
	if is.Path != "" && is.file == nil {
		if err := is.Open(); err != nil {
			return "", err
		}
	}
	if is.DryRun {
		return DryRunPassword, nil
	}
	pw, err := pol.Generate(is.Random)
	if err != nil {
		return "", err
	}
	if is.file != nil {
		line := pw
		if is.Named {
			line = username + " " + pw
		}
		if _, err := fmt.Fprintln(is.file, line); err != nil {
			return "", errs.Invalidf("cannot write %s: %v", is.Flag, err)
		}
	}
	return pw, nil
}

// Deliver makes the file sink durable, then renders the command's result
// into memory and writes it to ios.Out in one write, so that a failure to
// deliver it (a full disk, a closed pipe) is seen before the commit.
func (is *Issuer) Deliver(ios *iostreams.IOStreams, render func(*iostreams.IOStreams) error) error {
	if is.file != nil {
		if err := is.file.Sync(); err != nil {
			return err
		}
	}
	var buf bytes.Buffer
	mem := *ios
	mem.Out = &buf
	if err := render(&mem); err != nil {
		return err
	}
	_, err := ios.Out.Write(buf.Bytes())
	return err
}

// Close closes the file sink and removes it when failed is not nil: the
// passwords in it were never given to anyone.
func (is *Issuer) Close(failed error) {
	if is.file == nil {
		return
	}
	is.file.Close()
	is.file = nil
	if failed != nil || is.DryRun {
		os.Remove(is.Path)
	}
}
