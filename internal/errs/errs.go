// Package errs defines the error codes every custos error carries and the one
// place that maps them to exit codes and audit outcomes.
//
// Domain packages return *Error values; the store translates driver errors
// into them; the CLI prints them. An error without a code is an internal
// error (exit 1).
package errs

import (
	"errors"
	"fmt"
)

// Code classifies an error by what the user can do about it.
type Code int

// The codes, in the order of their exit codes.
const (
	Internal  Code = iota // a bug or an environment failure (exit 1)
	Invalid               // bad flags, values or files (exit 2)
	NotFound              // the store, an operator or an object does not exist (exit 3)
	Denied                // role, separation of duties, clearance, hold (exit 4)
	Conflict              // the current state does not allow it, or a duplicate (exit 5)
	Integrity             // the audit chain or an archive does not verify (exit 6)
	Busy                  // the store is locked or unavailable (exit 7)
	// Overdue is a listing that worked and found something overdue
	// (custos due), for cron and monitoring (exit 8).
	Overdue
	// Interrupted is a command stopped from outside: Ctrl-C, SIGTERM, or
	// the reader of its output gone (SIGPIPE) (exit 130, as a shell
	// reports a command killed by SIGINT).
	Interrupted
)

// ExitCode is the process exit status for the code.
func (c Code) ExitCode() int {
	switch c {
	case Invalid:
		return 2
	case NotFound:
		return 3
	case Denied:
		return 4
	case Conflict:
		return 5
	case Integrity:
		return 6
	case Busy:
		return 7
	case Overdue:
		return 8
	case Interrupted:
		return 130
	default:
		return 1
	}
}

// Outcome is the word recorded in the audit log for a failure with this code.
func (c Code) Outcome() string {
	switch c {
	case Invalid:
		return "invalid"
	case NotFound:
		return "not_found"
	case Denied:
		return "denied"
	case Conflict:
		return "conflict"
	case Integrity:
		return "integrity"
	case Busy:
		return "busy"
	case Overdue:
		return "overdue"
	case Interrupted:
		return "interrupted"
	default:
		return "error"
	}
}

// Error is an error with a code and an optional hint telling the user what
// to do next.
type Error struct {
	Code Code
	Msg  string
	// Hint is one line on what to do, printed after the message.
	Hint string
	// Err is the underlying cause, if any; it is not printed.
	Err error
	// Field names the input the error is about, as the domain knows it
	// ("employee-id", "reason"): domain messages speak of fields, and the
	// CLI may point at the flag that gives it.
	Field string
}

func (e *Error) Error() string { return e.Msg }

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// New returns an error with the code and a formatted message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Wrap returns an error with the code and message that keeps err as its cause.
func Wrap(code Code, err error, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...), Err: err}
}

// Invalidf reports bad input (exit 2).
func Invalidf(format string, args ...any) *Error { return New(Invalid, format, args...) }

// NotFoundf reports a missing object (exit 3).
func NotFoundf(format string, args ...any) *Error { return New(NotFound, format, args...) }

// Deniedf reports a refusal by rule or role (exit 4).
func Deniedf(format string, args ...any) *Error { return New(Denied, format, args...) }

// Conflictf reports a state that does not allow the operation (exit 5).
func Conflictf(format string, args ...any) *Error { return New(Conflict, format, args...) }

// Integrityf reports a failed integrity check (exit 6).
func Integrityf(format string, args ...any) *Error { return New(Integrity, format, args...) }

// WithHint returns e with a hint attached.
func (e *Error) WithHint(format string, args ...any) *Error {
	e.Hint = fmt.Sprintf(format, args...)
	return e
}

// WithField returns e marked as being about the input field.
func (e *Error) WithField(field string) *Error {
	e.Field = field
	return e
}

// SetField marks the first *Error in err's chain as being about field,
// and returns err.
func SetField(err error, field string) error {
	var e *Error
	if errors.As(err, &e) {
		e.Field = field
	}
	return err
}

// FieldOf returns the field of the first *Error in err's chain, or "".
func FieldOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// CodeOf returns the code of the first *Error in err's chain, or Internal.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// HintOf returns the hint of the first *Error in err's chain.
func HintOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Hint
	}
	return ""
}

// ExitCode maps any error to the process exit status: 0 for nil.
func ExitCode(err error) int {
	if err == nil {
		return 0
	}
	return CodeOf(err).ExitCode()
}

// Outcome maps any error to its audit outcome: "ok" for nil.
func Outcome(err error) string {
	if err == nil {
		return "ok"
	}
	return CodeOf(err).Outcome()
}

// recorded marks an error whose audit entry has already been written, so the
// CLI does not write a second one.
type recorded struct{ error }

func (r recorded) Unwrap() error { return r.error }

// MarkRecorded wraps err to say its audit entry exists.
func MarkRecorded(err error) error {
	if err == nil || IsRecorded(err) {
		return err
	}
	return recorded{err}
}

// IsRecorded reports whether err's audit entry has already been written.
func IsRecorded(err error) bool {
	var r recorded
	return errors.As(err, &r)
}
