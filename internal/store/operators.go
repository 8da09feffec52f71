package store

import (
	"database/sql"
	"errors"
	"slices"
	"strings"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/operator"
)

const operatorColumns = `name, roles, department, created_at, created_by, removed_at`

type rowScanner interface{ Scan(dest ...any) error }

func scanOperator(r rowScanner) (*operator.Operator, error) {
	var o operator.Operator
	var roles, created, removed string
	if err := r.Scan(&o.Name, &roles, &o.Department, &created, &o.CreatedBy, &removed); err != nil {
		return nil, err
	}
	for _, r := range strings.Split(roles, ",") {
		if r != "" {
			o.Roles = append(o.Roles, operator.Role(r))
		}
	}
	o.CreatedAt = parseTime(created)
	o.RemovedAt = parseTime(removed)
	return &o, nil
}

func joinRoles(roles []operator.Role) string {
	s := make([]string, len(roles))
	for i, r := range roles {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

// lookupOperator returns an active operator, or NotFound.
func (t *txn) lookupOperator(name string) (*operator.Operator, error) {
	o, err := scanOperator(t.tx.QueryRowContext(t.ctx,
		`SELECT `+operatorColumns+` FROM operators WHERE name = $1 AND removed_at = ''`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFoundf("no operator named %s", name)
	}
	return o, err
}

// GetOperator returns an active operator by name.
func (t *txn) GetOperator(name string) (*operator.Operator, error) {
	t.Touch("operator:" + name)
	return t.lookupOperator(name)
}

// OperatorCount returns the number of active operators.
func (t *txn) OperatorCount() (int, error) {
	var n int
	err := t.tx.QueryRowContext(t.ctx, `SELECT count(*) FROM operators WHERE removed_at = ''`).Scan(&n)
	return n, err
}

// AddResult says what AddOperator did.
type AddResult int

// The results of AddOperator.
const (
	Added     AddResult = iota // a new operator
	Readded                    // a removed operator registered again
	Unchanged                  // already registered exactly so
)

// AddOperator registers an operator. Adding one that exists with the same
// roles and department changes nothing; with different ones it is a
// conflict. A removed operator's name may be registered again.
func (t *txn) AddOperator(o *operator.Operator) (AddResult, error) {
	t.Touch("operator:" + o.Name)
	var existing *operator.Operator
	row := t.tx.QueryRowContext(t.ctx, `SELECT `+operatorColumns+` FROM operators WHERE name = $1`, o.Name)
	existing, err := scanOperator(row)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		_, err = t.tx.ExecContext(t.ctx,
			`INSERT INTO operators (name, roles, department, created_at, created_by) VALUES ($1, $2, $3, $4, $5)`,
			o.Name, joinRoles(o.Roles), o.Department, formatTime(t.now), o.CreatedBy)
		return Added, err
	case err != nil:
		return 0, err
	case !existing.RemovedAt.IsZero():
		_, err = t.tx.ExecContext(t.ctx,
			`UPDATE operators SET roles = $2, department = $3, created_at = $4, created_by = $5, removed_at = '' WHERE name = $1`,
			o.Name, joinRoles(o.Roles), o.Department, formatTime(t.now), o.CreatedBy)
		return Readded, err
	case slices.Equal(existing.Roles, o.Roles) && existing.Department == o.Department:
		return Unchanged, nil
	default:
		return 0, errs.Conflictf("operator %s already exists with role %s and department %q",
			o.Name, joinRoles(existing.Roles), existing.Department).
			WithHint("run `custos operator remove %s` first to register it differently", o.Name)
	}
}

// RemoveOperator removes an active operator. The last admin cannot be
// removed: the store would have nobody left to manage it.
func (t *txn) RemoveOperator(name string) (*operator.Operator, error) {
	o, err := t.GetOperator(name)
	if err != nil {
		return nil, err
	}
	if o.Has(operator.Admin) {
		var admins int
		if err := t.tx.QueryRowContext(t.ctx,
			`SELECT count(*) FROM operators WHERE removed_at = '' AND (',' || roles || ',') LIKE '%,admin,%'`).Scan(&admins); err != nil {
			return nil, err
		}
		if admins <= 1 {
			return nil, errs.Conflictf("%s is the last admin and cannot be removed", name).
				WithHint("add another admin first: custos operator add NAME --role admin")
		}
	}
	_, err = t.tx.ExecContext(t.ctx, `UPDATE operators SET removed_at = $2 WHERE name = $1`, name, formatTime(t.now))
	return o, err
}

// ListOperators calls fn for each operator in name order; removed ones only
// when all is set; at most limit of them unless limit is 0.
func (t *txn) ListOperators(all bool, limit int, fn func(*operator.Operator) error) error {
	q := `SELECT ` + operatorColumns + ` FROM operators WHERE removed_at = '' ORDER BY name`
	if all {
		q = `SELECT ` + operatorColumns + ` FROM operators ORDER BY name`
	}
	var args []any
	if limit > 0 {
		q, args = q+` LIMIT $1`, append(args, limit)
	}
	rows, err := t.tx.QueryContext(t.ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		o, err := scanOperator(rows)
		if err != nil {
			return err
		}
		if err := fn(o); err != nil {
			return err
		}
	}
	return rows.Err()
}
