package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/access"
	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/operator"
)

// TestReviewSQLAgreesWithTheRules generates a store with every kind of
// grant a review flags, starts a review, and checks every item's reviewer
// and flags against the pure rules access.Reviewer and access.ReviewFlags,
// which the SQL of StartReview implements.
func TestReviewSQLAgreesWithTheRules(t *testing.T) {
	s := MustOpen(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	today := time.Now().UTC().Format(account.DateFormat)
	depts := []string{"Sales", "Finance", "Ops", "Legal"}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := formatTime(time.Now())
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := tx.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	// Operators: managers of Sales (two), Finance; an owner who left.
	for _, o := range []struct{ name, roles, dept, removed string }{
		{"mia", "manager", "Sales", ""}, {"abe", "manager", "Sales", ""}, {"fin", "it,manager", "Finance", ""},
		{"own", "auditor", "", ""}, {"gone", "manager", "Ops", now},
	} {
		exec(`INSERT INTO operators (name, roles, department, created_at, created_by, removed_at) VALUES ($1, $2, $3, $4, 'ana', $5)`, o.name, o.roles, o.dept, now, o.removed)
	}
	levels := account.Levels
	for r := range 6 {
		owner := []string{"own", "gone", "mia", "nobody"}[r%4]
		exec(`INSERT INTO resources (name, classification, owner, roles, privileged, created_at, created_by) VALUES ($1, $2, $3, 'read,write,admin,pay_out', $4, $5, 'ana')`,
			fmt.Sprintf("res%d", r), levels[r%4], owner, []string{"admin", "", "pay_out", "admin,pay_out"}[r%4], now)
	}
	states := []string{"active", "active", "frozen", "revoked"}
	id := 0
	for a := range 60 {
		user := fmt.Sprintf("u%02d", a)
		// Every fifth account went without a login for too long.
		inactive := ""
		if a%5 == 0 {
			inactive = "2026-01-01"
		}
		exec(`INSERT INTO accounts (username, name, employee_id, department, position, type, clearance, state, reason,
			requested_by, requested_at, updated_at, inactive_since) VALUES ($1, $1, $1, $2, 'p', 'employee', $3, $4, 'x', 'ana', $5, $5, $6)`,
			user, depts[rng.IntN(len(depts))], levels[rng.IntN(4)], states[rng.IntN(4)], now, inactive)
		used := map[string]bool{}
		for range rng.IntN(6) {
			res, role := fmt.Sprintf("res%d", rng.IntN(6)), []string{"read", "write", "admin", "pay_out"}[rng.IntN(4)]
			if used[res+role] {
				continue
			}
			used[res+role] = true
			id++
			until := []string{"", "", "2000-01-01", "2999-01-01"}[rng.IntN(4)]
			revoked := ""
			if rng.IntN(8) == 0 {
				revoked = now
			}
			exec(`INSERT INTO grants (id, username, resource, role, reason, until, granted_by, granted_at, revoked_at)
				VALUES ($1, $2, $3, $4, 'x', $5, 'ana', $6, $7)`, id, user, res, role, until, now, revoked)
		}
	}
	exec(`INSERT INTO policy VALUES ('sod', 'res0:read,res1:write;res2:pay_out,res3:admin;res4:admin,res4:pay_out', $1, 'ana')`, now)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}

	var items []*access.Item
	err = s.Invoke(ctx, inv("access review start", "ana"), Spec{Write: true}, func(tx Tx) error {
		if _, err := tx.Access().StartReview(&access.Campaign{Name: "check", Due: "2099-01-01"}, nil); err != nil {
			return err
		}
		return tx.Access().ReviewItems("check", ItemFilter{}, func(it *access.Item) error { items = append(items, it); return nil })
	})
	if err != nil {
		t.Fatal(err)
	}

	// What the pure rules say, computed independently.
	err = s.Invoke(ctx, inv("check", "ana"), Spec{}, func(tx Tx) error {
		pairs, err := tx.(*txn).sodPairs()
		if err != nil {
			return err
		}
		ops := map[string]*operator.Operator{}
		tx.Operators().ListOperators(false, 0, func(o *operator.Operator) error { ops[o.Name] = o; return nil })
		isOp := func(n string) bool { return ops[n] != nil }
		manager := func(d string) string {
			var names []string
			for _, o := range ops {
				if o.Department == d && o.Has(operator.Manager) {
					names = append(names, o.Name)
				}
			}
			slices.Sort(names)
			if len(names) == 0 {
				return ""
			}
			return names[0]
		}
		var active []*access.Grant
		accounts := map[string]account.State{}
		tx.Access().ListGrants(GrantFilter{}, func(g *access.Grant, st account.State) error {
			active = append(active, g)
			accounts[g.Username] = st
			return nil
		})
		if len(active) != len(items) || len(items) < 50 {
			t.Fatalf("%d items for %d active grants", len(items), len(active))
		}
		slices.SortFunc(active, func(a, b *access.Grant) int { return int(a.ID - b.ID) })
		flagged := map[string]int{}
		for i, g := range active {
			a, err := tx.Accounts().GetAccount(g.Username)
			if err != nil {
				return err
			}
			r, err := tx.Access().GetResource(g.Resource)
			if err != nil {
				return err
			}
			var held []string
			for _, h := range active {
				if h.Username == g.Username {
					held = append(held, h.Key())
				}
			}
			wantFlags := access.ReviewFlags(*g, a, r, held, pairs, today)
			wantReviewer := access.Reviewer(r, a, isOp, manager)
			it := items[i]
			if it.GrantID != g.ID || it.Item != int64(i+1) {
				t.Fatalf("item %d is grant %d, want grant %d", it.Item, it.GrantID, g.ID)
			}
			if !slices.Equal(it.Flags, wantFlags) || it.Reviewer != wantReviewer {
				t.Errorf("grant %d (%s %s on %s): SQL says %q/%v, the rules say %q/%v", g.ID, g.Username, g.Role, g.Resource,
					it.Reviewer, it.Flags, wantReviewer, wantFlags)
			}
			for _, f := range wantFlags {
				flagged[f]++
			}
		}
		for _, f := range access.Flags {
			if flagged[f] == 0 {
				t.Errorf("the generated store has no %s item; the check proves nothing about it", f)
			}
		}
		t.Logf("%d items checked; flags %v", len(items), flagged)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
