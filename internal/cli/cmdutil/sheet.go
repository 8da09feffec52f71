package cmdutil

import (
	"encoding/csv"
	"errors"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/output"
)

// Sheet reads a CSV file with a header row: the spreadsheets that
// account request --from-file, access review import and records import
// take. Column names match case-insensitively, a column named twice is
// refused and a leading byte-order mark is ignored; errors name the file
// and the line.
type Sheet struct {
	name string
	r    *csv.Reader
	col  map[string]int
	rec  []string
	// Line is the line of the current row (the header is line 1).
	Line int
}

// OpenSheet opens path ("-" is stdin) as a sheet; close it with the
// returned function.
func OpenSheet(path string, stdin io.Reader, allowed []string, required ...string) (*Sheet, func(), error) {
	if path == "-" {
		s, err := NewSheet(stdin, "stdin", allowed, required...)
		return s, func() {}, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, errs.Invalidf("cannot read %s: %v", path, errors.Unwrap(err))
	}
	// A directory opens, and then reads as a sheet with no header.
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		f.Close()
		return nil, nil, errs.Invalidf("%s is a directory, not a sheet", path)
	}
	s, err := NewSheet(f, path, allowed, required...)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return s, func() { f.Close() }, nil
}

// NewSheet reads the header of a sheet. allowed lists the column names it
// accepts (nil accepts any); required must all be present.
func NewSheet(r io.Reader, name string, allowed []string, required ...string) (*Sheet, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, errs.Invalidf("%s: no header row", name)
	}
	s := &Sheet{name: name, r: cr, col: map[string]int{}, Line: 1}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if allowed != nil && !slices.Contains(allowed, h) {
			return nil, errs.Invalidf("%s: unknown column %q; the columns are %s", name, h, strings.Join(allowed, ", "))
		}
		// A column named twice would let the last one silently win, so a
		// sheet could carry one value where a reader looks and another
		// where the importer does.
		if j, dup := s.col[h]; dup {
			return nil, errs.Invalidf("%s: the header names the column %q twice (columns %d and %d)", name, h, j+1, i+1)
		}
		s.col[h] = i
	}
	for _, c := range required {
		if _, ok := s.col[c]; !ok {
			return nil, errs.Invalidf("%s: the header has no %s column", name, c)
		}
	}
	return s, nil
}

// Next moves to the next row; it returns false at the end.
func (s *Sheet) Next() (bool, error) {
	rec, err := s.r.Read()
	if err == io.EOF {
		return false, nil
	}
	s.Line++
	if err != nil {
		return false, errs.Invalidf("%s line %d: %v", s.name, s.Line, err)
	}
	s.rec = rec
	return true, nil
}

// Get returns a column of the current row, trimmed; "" when absent. A
// cell custos neutralised on export ('=...) reads back as it was stored.
func (s *Sheet) Get(col string) string {
	if i, ok := s.col[col]; ok && i < len(s.rec) {
		return strings.TrimSpace(output.RestoreCell(s.rec[i]))
	}
	return ""
}

// Rowf is an invalid-input error about the current row.
func (s *Sheet) Rowf(format string, args ...any) error {
	return errs.Invalidf("%s line %d: "+format, append([]any{s.name, s.Line}, args...)...)
}
