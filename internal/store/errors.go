package store

import (
	"context"
	"errors"
	"syscall"

	"github.com/custos-dev/custos/internal/errs"
)

// translate turns driver errors into coded errors at the store boundary:
// a lock that could not be had is Busy, a uniqueness violation a Conflict.
// Errors that already carry a code pass through.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var coded *errs.Error
	if errors.As(err, &coded) {
		return err
	}
	if errors.Is(err, context.Canceled) {
		return errs.Wrap(errs.Interrupted, err, "interrupted")
	}
	if errors.Is(err, syscall.EPIPE) {
		return errs.Wrap(errs.Interrupted, err, "interrupted: the output was closed (broken pipe)")
	}
	for _, d := range dialects {
		if coded := d.translate(err); coded != nil {
			return coded
		}
	}
	return err
}
