// Resources: registering, getting and listing the resources that grants
// are on.

package store

import (
	"database/sql"
	"errors"
	"slices"
	"strings"

	"github.com/custos-dev/custos/internal/access"
	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/errs"
)

const resourceColumns = `name, classification, owner, roles, privileged, created_at, created_by`

func scanResource(r rowScanner, extra ...any) (*access.Resource, error) {
	var res access.Resource
	var class, roles, priv, created string
	if err := r.Scan(append([]any{&res.Name, &class, &res.Owner, &roles, &priv, &created, &res.CreatedBy}, extra...)...); err != nil {
		return nil, err
	}
	res.Classification = account.Level(class)
	res.Roles, res.Privileged = splitList(roles), splitList(priv)
	res.CreatedAt = parseTime(created)
	return &res, nil
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// AddResource registers a resource; the owner must be an operator. The same
// definition again changes nothing; a different one is a conflict.
func (t *txn) AddResource(r *access.Resource) (AddResult, error) {
	t.Touch("resource:" + r.Name)
	if _, err := t.GetOperator(r.Owner); err != nil {
		return 0, err
	}
	var removed string
	existing, err := scanResource(t.tx.QueryRowContext(t.ctx, `SELECT `+resourceColumns+`, removed_at FROM resources WHERE name = $1`, r.Name), &removed)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return 0, err
	case removed != "":
		// A removed resource's name may be registered again; its old
		// grants stay revoked.
		_, err = t.tx.ExecContext(t.ctx, `UPDATE resources SET classification = $2, owner = $3, roles = $4, privileged = $5,
			created_at = $6, created_by = $7, removed_at = '' WHERE name = $1`, r.Name, string(r.Classification), r.Owner,
			strings.Join(r.Roles, ","), strings.Join(r.Privileged, ","), formatTime(t.now), t.op.Name)
		return Readded, err
	case existing.Classification == r.Classification && existing.Owner == r.Owner &&
		slices.Equal(existing.Roles, r.Roles) && slices.Equal(existing.Privileged, r.Privileged):
		return Unchanged, nil
	default:
		return 0, errs.Conflictf("resource %s already exists (%s, owner %s, roles %s)", r.Name, existing.Classification, existing.Owner, strings.Join(existing.Roles, ","))
	}
	_, err = t.tx.ExecContext(t.ctx, `INSERT INTO resources (name, classification, owner, roles, privileged, created_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, r.Name, string(r.Classification), r.Owner, strings.Join(r.Roles, ","),
		strings.Join(r.Privileged, ","), formatTime(t.now), t.op.Name)
	return Added, err
}

// GetResource returns a resource, or NotFound.
func (t *txn) GetResource(name string) (*access.Resource, error) {
	t.Touch("resource:" + name)
	r, err := scanResource(t.tx.QueryRowContext(t.ctx, `SELECT `+resourceColumns+` FROM resources WHERE name = $1 AND removed_at = ''`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFoundf("no resource named %s", name).WithHint("run `custos access resource list` for the resources")
	}
	return r, err
}

// ListResources streams resources in name order, at most limit of them
// unless limit is 0.
func (t *txn) ListResources(limit int, fn func(*access.Resource) error) error {
	q, args := `SELECT `+resourceColumns+` FROM resources WHERE removed_at = '' ORDER BY name`, []any{}
	if limit > 0 {
		q, args = q+` LIMIT $1`, append(args, limit)
	}
	rows, err := t.tx.QueryContext(t.ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanResource(rows)
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}
