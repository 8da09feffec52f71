package store

import (
	"context"
	"strconv"
	"strings"
)

// What a shell may ask custos to complete.
const (
	CompleteAccounts     = "accounts"
	CompleteResources    = "resources"
	CompleteRoles        = "roles"        // the roles of the resource named by scope
	CompleteReviews      = "reviews"      // open campaigns first
	CompleteReviewItems  = "review-items" // the undecided items of the campaign named by scope
	CompleteIncidents    = "incidents"
	CompleteRequests     = "requests"
	CompleteActiveHolds  = "holds"
	CompleteClasses      = "classes"
	CompleteOperators    = "operators"
	CompleteOpenIncident = "open-incidents"
)

// Completion is one value a shell may offer, with a short description.
type Completion struct {
	Value, Description string
}

// completionQueries are the prefix queries behind each kind: $1 and $2
// bound the values that begin with the prefix ($1 <= v < $2, which an
// index on the column serves, on both engines: SQLite compares text as
// bytes and custos requires the C collation on PostgreSQL), $3 is the
// limit.
var completionQueries = map[string]string{
	CompleteAccounts:     `SELECT username, state FROM accounts WHERE username >= $1 AND username < $2 ORDER BY username LIMIT $3`,
	CompleteResources:    `SELECT name, classification FROM resources WHERE name >= $1 AND name < $2 ORDER BY name LIMIT $3`,
	CompleteReviews:      `SELECT name, state FROM reviews WHERE name >= $1 AND name < $2 ORDER BY name LIMIT $3`,
	CompleteIncidents:    `SELECT id, state || ' ' || type FROM incidents WHERE id >= $1 AND id < $2 ORDER BY id DESC LIMIT $3`,
	CompleteOpenIncident: `SELECT id, state || ' ' || type FROM incidents WHERE id >= $1 AND id < $2 AND state <> 'closed' ORDER BY id DESC LIMIT $3`,
	CompleteRequests:     `SELECT id, state || ' ' || kind FROM requests WHERE id >= $1 AND id < $2 ORDER BY id DESC LIMIT $3`,
	CompleteActiveHolds:  `SELECT name, kind FROM holds WHERE name >= $1 AND name < $2 AND released_at = '' ORDER BY name LIMIT $3`,
	CompleteClasses:      `SELECT class, retain FROM retention WHERE class >= $1 AND class < $2 ORDER BY class LIMIT $3`,
	CompleteOperators:    `SELECT name, roles FROM operators WHERE name >= $1 AND name < $2 AND removed_at = '' ORDER BY name LIMIT $3`,
}

// Complete returns up to limit values of kind that begin with prefix, for
// shell completion. It reads in one read-only transaction and writes
// nothing, not even an audit entry: pressing TAB is not an invocation.
// Open the store with Options.ReadOnly so that not even a migration runs.
func (s *sqlStore) Complete(ctx context.Context, kind, scope, prefix string, limit int) ([]Completion, error) {
	tx, err := s.db.BeginTx(ctx, s.d.readOptions())
	if err != nil {
		return nil, translate(err)
	}
	defer tx.Rollback()
	var out []Completion
	switch kind {
	case CompleteRoles:
		var roles string
		if err := tx.QueryRowContext(ctx, `SELECT roles FROM resources WHERE name = $1`, scope).Scan(&roles); err != nil {
			return nil, nil
		}
		for _, r := range strings.Split(roles, ",") {
			if r != "" && strings.HasPrefix(r, prefix) && len(out) < limit {
				out = append(out, Completion{Value: r})
			}
		}
		return out, nil
	case CompleteReviewItems:
		rows, err := tx.QueryContext(ctx, `SELECT i.id - r.base, i.username || ' ' || i.resource || ' ' || i.role
			FROM `+campaignItems+` AND i.decision = '' ORDER BY i.id LIMIT $2`, scope, 10*limit)
		if err != nil {
			return nil, translate(err)
		}
		defer rows.Close()
		for rows.Next() && len(out) < limit {
			var n int64
			var desc string
			if err := rows.Scan(&n, &desc); err != nil {
				return nil, translate(err)
			}
			if v := strconv.FormatInt(n, 10); strings.HasPrefix(v, prefix) {
				out = append(out, Completion{v, desc})
			}
		}
		return out, translate(rows.Err())
	}
	q, ok := completionQueries[kind]
	if !ok {
		return nil, nil
	}
	rows, err := tx.QueryContext(ctx, q, prefix, prefix+"\U0010FFFF", limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var c Completion
		if err := rows.Scan(&c.Value, &c.Description); err != nil {
			return nil, translate(err)
		}
		out = append(out, c)
	}
	return out, translate(rows.Err())
}
