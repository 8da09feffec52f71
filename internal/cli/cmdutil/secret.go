package cmdutil

import (
	"errors"
	"io/fs"
	"os"

	"github.com/custos-dev/custos/internal/errs"
)

// CreateSecretFile creates a new file that only its owner can read, for a
// one-time password. It refuses an existing file rather than overwrite or
// widen one; flag names the option for the error message.
func CreateSecretFile(path, flag string) (*os.File, error) {
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil, errs.Invalidf("%s %s already exists; give a new file", flag, path)
	}
	if err != nil {
		return nil, errs.Invalidf("cannot create %s: %v", flag, err)
	}
	return fh, nil
}
