// Edits of resources and operators, each field's before and after kept
// in changes: the owner, classification and roles of a resource, its
// removal, and an operator's roles and department.

package store

import (
	"strconv"

	"github.com/custos-dev/custos/internal/access"
	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/operator"
	"github.com/custos-dev/custos/internal/request"
)

// setResource writes one column of a resource.
func (t *txn) setResource(name, column, value string) error {
	switch column {
	case "owner", "classification", "roles", "privileged":
	default:
		return errs.New(errs.Internal, "no resource column %q", column)
	}
	_, err := t.tx.ExecContext(t.ctx, `UPDATE resources SET `+column+` = $2 WHERE name = $1`, name, value)
	return err
}

func (t *txn) resourceGrants(name string) ([]*access.Grant, error) {
	return t.activeGrantsWhere(`resource = $1`, name)
}

// ResourceUpdate is what UpdateResource did.
type ResourceUpdate struct {
	access.ResourceChange
	// Request is the request filed for a lower classification, or nil.
	Request *request.Request
}

// UpdateResource edits a resource (access.ResourceEdit.Apply): the new
// owner must be an operator; a lower classification becomes a request
// for the owner and IT to approve.
func (t *txn) UpdateResource(name string, e access.ResourceEdit, reason string) (*ResourceUpdate, error) {
	r, err := t.GetResource(name)
	if err != nil {
		return nil, err
	}
	if e.Owner != nil {
		if _, err := t.GetOperator(*e.Owner); err != nil {
			return nil, err
		}
	}
	grants, err := t.resourceGrants(name)
	if err != nil {
		return nil, err
	}
	levels := map[string]account.Level{}
	for _, g := range grants {
		if _, ok := levels[g.Username]; !ok {
			a, err := t.GetAccount(g.Username)
			if err != nil {
				return nil, err
			}
			levels[g.Username] = a.Clearance
		}
	}
	ch, err := e.Apply(*r, grants, func(u string) account.Level { return levels[u] })
	if err != nil {
		return nil, err
	}
	res := &ResourceUpdate{ResourceChange: ch}
	for _, c := range ch.Changes {
		if err := t.setResource(name, c.Field, c.After); err != nil {
			return nil, err
		}
	}
	if err := t.recordChanges("resource:"+name, reason, "", ch.Changes); err != nil {
		return nil, err
	}
	if ch.Lower != "" {
		c := request.ClassificationChange{Resource: name, Classification: string(ch.Lower), Was: string(r.Classification), Reason: reason}
		if res.Request, err = t.newRequest(request.KindClassification, c.Payload(), reason, request.ClassificationStages); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// RemoveResource retires a resource (access.CheckRemove); with
// revokeGrants its active grants are revoked in the same transaction and
// returned. The row stays, for the grants and reviews that name it.
func (t *txn) RemoveResource(name, reason string, revokeGrants bool) ([]*access.Grant, error) {
	r, err := t.GetResource(name)
	if err != nil {
		return nil, err
	}
	grants, err := t.resourceGrants(name)
	if err != nil {
		return nil, err
	}
	if err := access.CheckRemove(r, grants, revokeGrants); err != nil {
		return nil, err
	}
	for _, g := range grants {
		if _, err := t.RevokeGrants(g.Username, g.Resource, g.Role, "resource removed: "+reason); err != nil {
			return nil, err
		}
	}
	if _, err := t.tx.ExecContext(t.ctx, `UPDATE resources SET removed_at = $2 WHERE name = $1`, name, formatTime(t.now)); err != nil {
		return nil, err
	}
	return grants, t.recordChanges("resource:"+name, reason, "", []account.Change{{Field: "removed", Before: "", After: formatTime(t.now)}})
}

// UpdateOperator changes an operator's roles, and its department when
// department is not nil. Taking admin from the last admin is refused,
// as removing them is.
func (t *txn) UpdateOperator(name string, roles []operator.Role, department *string) (*operator.Operator, []account.Change, error) {
	o, err := t.GetOperator(name)
	if err != nil {
		return nil, nil, err
	}
	next := *o
	next.Roles = roles
	if department != nil {
		next.Department = *department
	}
	if o.Has(operator.Admin) && !next.Has(operator.Admin) {
		n, err := t.adminCount()
		if err != nil {
			return nil, nil, err
		}
		if n <= 1 {
			return nil, nil, errs.Conflictf("%s is the last admin and cannot lose the admin role", name).
				WithHint("add another admin first: custos operator add NAME --role admin")
		}
	}
	var changes []account.Change
	if a, b := joinRoles(o.Roles), joinRoles(next.Roles); a != b {
		changes = append(changes, account.Change{Field: "roles", Before: a, After: b})
	}
	if o.Department != next.Department {
		changes = append(changes, account.Change{Field: "department", Before: o.Department, After: next.Department})
	}
	if len(changes) == 0 {
		return o, nil, nil
	}
	if _, err := t.tx.ExecContext(t.ctx, `UPDATE operators SET roles = $2, department = $3 WHERE name = $1`,
		name, joinRoles(next.Roles), next.Department); err != nil {
		return nil, nil, err
	}
	return &next, changes, t.recordChanges("operator:"+name, "", "", changes)
}

func (t *txn) adminCount() (int, error) {
	var n int
	err := t.tx.QueryRowContext(t.ctx, `SELECT count(*) FROM operators WHERE removed_at = '' AND (',' || roles || ',') LIKE '%,admin,%'`).Scan(&n)
	return n, err
}

// OwnedResources lists the resources an operator owns, by name.
func (t *txn) OwnedResources(name string) ([]string, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT name FROM resources WHERE owner = $1 AND removed_at = '' ORDER BY name`, name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// GrantResult is what GrantOrExtend did.
type GrantResult struct {
	Grant   *access.Grant
	Changed bool
	// Extended is the change of an existing grant's last day, or nil.
	Extended *account.Change
}

// GrantOrExtend grants as GrantAccess does; when the account already
// holds the grant, a different --until changes its last day
// (access.CheckExtend), recorded with its before and after.
func (t *txn) GrantOrExtend(username, resource, role, reason, until string) (*GrantResult, error) {
	g, changed, err := t.GrantAccess(username, resource, role, reason, until)
	if err != nil || changed {
		return &GrantResult{Grant: g, Changed: changed}, err
	}
	a, err := t.GetAccount(username)
	if err != nil {
		return nil, err
	}
	r, err := t.GetResource(resource)
	if err != nil {
		return nil, err
	}
	c, err := access.CheckExtend(a, r, g, until, t.now.Format(account.DateFormat))
	if err != nil || c == nil {
		return &GrantResult{Grant: g}, err
	}
	if _, err := t.tx.ExecContext(t.ctx, `UPDATE grants SET until = $2 WHERE id = $1`, g.ID, until); err != nil {
		return nil, err
	}
	g.Until = until
	return &GrantResult{Grant: g, Changed: true, Extended: c}, t.recordChanges("grant:"+strconv.FormatInt(g.ID, 10), reason, "", []account.Change{*c})
}
