// Grants: granting and revoking a role on a resource, and listing grants.
// Revoking an account revokes its grants through the revoker registered
// here.

package store

import (
	"strconv"
	"strings"

	"github.com/custos-dev/custos/internal/access"
	"github.com/custos-dev/custos/internal/account"
)

const grantColumns = `id, username, resource, role, reason, until, granted_by, granted_at, revoked_at, revoked_by, revoke_reason, request_id`

func scanGrant(r rowScanner, extra ...any) (*access.Grant, error) {
	var g access.Grant
	var granted, revoked string
	dest := append([]any{&g.ID, &g.Username, &g.Resource, &g.Role, &g.Reason, &g.Until, &g.GrantedBy, &granted, &revoked, &g.RevokedBy, &g.RevokeReason, &g.RequestID}, extra...)
	if err := r.Scan(dest...); err != nil {
		return nil, err
	}
	g.GrantedAt, g.RevokedAt = parseTime(granted), parseTime(revoked)
	return &g, nil
}

func (t *txn) activeGrants(username string) ([]*access.Grant, error) {
	return t.activeGrantsWhere(`username = $1`, username)
}

// activeGrantsWhere returns the active grants that where (one parameter,
// $1) selects, in id order.
func (t *txn) activeGrantsWhere(where string, arg any) ([]*access.Grant, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT `+grantColumns+` FROM grants WHERE `+where+` AND revoked_at = '' ORDER BY id`, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*access.Grant
	for rows.Next() {
		g, err := scanGrant(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

func (t *txn) sodPairs() ([]access.Pair, error) {
	v, err := t.PolicyValue(access.KeySoD)
	if err != nil {
		return nil, err
	}
	return access.ParseSoD(v)
}

// GrantAccess grants a role on a resource to an account if
// access.CheckGrant allows it. An identical active grant changes nothing.
func (t *txn) GrantAccess(username, resource, role, reason, until string) (*access.Grant, bool, error) {
	a, err := t.GetAccount(username)
	if err != nil {
		return nil, false, err
	}
	r, err := t.GetResource(resource)
	if err != nil {
		return nil, false, err
	}
	held, err := t.activeGrants(username)
	if err != nil {
		return nil, false, err
	}
	pairs, err := t.sodPairs()
	if err != nil {
		return nil, false, err
	}
	g, changed, err := access.CheckGrant(a, r, held, pairs, access.GrantRequest{Role: role, Reason: reason, Until: until, By: t.op.Name}, t.now)
	if err != nil || !changed {
		return g, false, err
	}
	if g.ID, err = t.nextID("grants"); err != nil {
		return nil, false, err
	}
	_, err = t.tx.ExecContext(t.ctx, `INSERT INTO grants (id, username, resource, role, reason, until, granted_by, granted_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, g.ID, g.Username, g.Resource, g.Role, g.Reason, g.Until, g.GrantedBy, formatTime(g.GrantedAt))
	return g, true, err
}

// RevokeGrants revokes the active grants of an account, on one resource
// (and one role) when given. It returns what it revoked.
func (t *txn) RevokeGrants(username, resource, role, reason string) ([]*access.Grant, error) {
	t.Touch("account:" + username)
	held, err := t.activeGrants(username)
	if err != nil {
		return nil, err
	}
	revoked := []*access.Grant{}
	for _, g := range held {
		if (resource != "" && g.Resource != resource) || (role != "" && g.Role != role) {
			continue
		}
		if _, err := t.tx.ExecContext(t.ctx, `UPDATE grants SET revoked_at = $2, revoked_by = $3, revoke_reason = $4 WHERE id = $1`,
			g.ID, formatTime(t.now), t.op.Name, reason); err != nil {
			return nil, err
		}
		g.RevokedAt, g.RevokedBy, g.RevokeReason = t.now, t.op.Name, reason
		revoked = append(revoked, g)
	}
	return revoked, nil
}

// GrantFilter selects grants. Zero fields do not filter.
type GrantFilter struct {
	Account  string
	Resource string
	// Expired selects active grants whose last day is before Today.
	Expired bool
	Today   string
	// All includes revoked grants.
	All bool
	// Limit is the most grants listed, the statement's LIMIT; 0 lists all.
	Limit int
}

// query builds the listing; scope adds the operator's department scope
// (Tx.scopeSQL) on the account's department column.
func (f GrantFilter) query(scope func(col string, arg func(any) string) string) (string, []any) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if s := scope("a.department", arg); s != "" {
		where = append(where, s)
	}
	if !f.All {
		where = append(where, "g.revoked_at = ''")
	}
	if f.Account != "" {
		where = append(where, "g.username = "+arg(f.Account))
	}
	if f.Resource != "" {
		where = append(where, "g.resource = "+arg(f.Resource))
	}
	if f.Expired {
		where = append(where, "g.until != ''", "g.until < "+arg(f.Today))
	}
	cols := "g." + strings.ReplaceAll(grantColumns, ", ", ", g.")
	q := `SELECT ` + cols + `, a.state FROM grants g JOIN accounts a ON a.username = g.username`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY g.username, g.id"
	if f.Limit > 0 {
		q += " LIMIT " + arg(f.Limit)
	}
	return q, args
}

// ListGrants streams grants with their account's state, by account then id.
func (t *txn) ListGrants(f GrantFilter, fn func(*access.Grant, account.State) error) error {
	if f.Account != "" && t.scope() != "" {
		// Asking for another department's account is refused, not
		// answered with an empty list that reads as "no grants".
		if _, err := t.SeeAccount(f.Account); err != nil {
			return err
		}
	}
	q, args := f.query(t.scopeSQL)
	rows, err := t.tx.QueryContext(t.ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		g, err := scanGrant(rows, &state)
		if err != nil {
			return err
		}
		if err := fn(g, account.State(state)); err != nil {
			return err
		}
	}
	return rows.Err()
}
