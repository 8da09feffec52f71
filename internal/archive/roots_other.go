//go:build !unix

package archive

import (
	"os"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/records"
)

// Roots is not available here: a purge cannot check a file's links and
// type without following links on this system, so it destroys none.
type Roots struct{}

// OpenRoots refuses: --delete-files needs a Unix system.
func OpenRoots([]string) (*Roots, error) {
	return nil, errs.Invalidf("destroying purged records' files is not supported on this system: purge without destroying them, and remove the files by their own means").WithField("delete-files")
}

// Close does nothing.
func (*Roots) Close() {}

// Inspect is never reached.
func (*Roots) Inspect(*records.Record) (records.FileDecision, *os.File) {
	return records.FileDecision{Action: records.FileSkip, Reason: "not supported"}, nil
}

// DestroyItem is one record whose file a deletion batch destroys.
type DestroyItem struct {
	R                 *records.Record
	Archived, Resumed bool
}

// Destroyed is what happened to one item's file.
type Destroyed struct {
	records.FileDecision
	Gone bool
}

// DestroyAll is never reached.
func (*Roots) DestroyAll(items []DestroyItem) ([]Destroyed, error) {
	return make([]Destroyed, len(items)), nil
}

// LockDir does nothing here: purges sharing an archive directory are not
// kept apart.
func LockDir(string) (func(), error) { return func() {}, nil }

// OpenNoFollow opens a file for reading; the caller checks, with Lstat
// before and SameFile after, that it is the regular file it looked at.
func OpenNoFollow(path string) (*os.File, error) { return os.Open(path) }
