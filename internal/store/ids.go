package store

// nextNumber returns one more than the largest value of column in table
// among the rows that where (with args) selects, or 1 for none: how custos
// allocates ids and sequence numbers (grants, reviews, purges, incidents
// per year, incident events per incident) instead of leaving them to the
// engine. It is safe only under the single-writer invariant stated in the
// package doc: every write transaction holds the store's write lock from
// its start, so no two writers read the same maximum. table, column and
// where are constants of this package, never input.
func (t *txn) nextNumber(table, column, where string, args ...any) (int64, error) {
	q := `SELECT coalesce(max(` + column + `), 0) + 1 FROM ` + table
	if where != "" {
		q += ` WHERE ` + where
	}
	var n int64
	err := t.tx.QueryRowContext(t.ctx, q, args...).Scan(&n)
	return n, err
}

// nextID returns the next id of table (see nextNumber).
func (t *txn) nextID(table string) (int64, error) { return t.nextNumber(table, "id", "") }

// flag is a yes-or-no column's value: 1 or 0 in a BIGINT on both engines,
// for PostgreSQL's driver does not turn a Go bool into a number.
func flag(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
