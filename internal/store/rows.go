package store

import (
	"context"
	"slices"
	"strconv"
)

// RunRows runs a file of changes (account update --from-file and the
// like) a row at a time, each row an invocation of its own, recorded as
// the command with "--row LINE" added to its arguments and the row's
// targets, so that each row succeeds or fails alone and the log says
// which row did what. spec gives the command's roles and dry run; done
// gets each row's result or error, in order, and may stop the run with
// an error of its own.
func (s *sqlStore) RunRows(ctx context.Context, inv *Invocation, spec Spec, rows []Row, done func(row Row, result string, err error) error) error {
	for _, row := range rows {
		ri := *inv
		ri.Args = append(slices.Clip(inv.Args), "--row", strconv.Itoa(row.Line))
		rs := spec
		rs.Targets = row.Targets
		var result string
		err := s.Invoke(ctx, &ri, rs, func(tx Tx) (err error) {
			result, err = row.Run(tx)
			return err
		})
		if err := done(row, result, err); err != nil {
			return err
		}
	}
	return nil
}
