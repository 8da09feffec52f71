package store

import (
	"database/sql"
	"errors"
	"time"

	"github.com/custos-dev/custos/internal/policy"
)

// PolicyValue is a policy key's value and where it comes from.
type PolicyValue struct {
	Key   policy.Key
	Value string
	// IsSet is false while the key has its default.
	IsSet bool
	SetBy string
	// SetAt is when it was set; zero while the key has its default.
	SetAt time.Time
}

// PolicyValue returns the value of a registered key: the stored one, else the
// default.
func (t *txn) PolicyValue(name string) (string, error) {
	v, err := t.policyValue(name)
	if err != nil {
		return "", err
	}
	return v.Value, nil
}

func (t *txn) policyValue(name string) (PolicyValue, error) {
	k, err := policy.Lookup(name)
	if err != nil {
		return PolicyValue{}, err
	}
	pv := PolicyValue{Key: k, Value: k.Default}
	var at string
	err = t.tx.QueryRowContext(t.ctx, `SELECT value, set_by, set_at FROM policy WHERE key = $1`, name).
		Scan(&pv.Value, &pv.SetBy, &at)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return pv, nil
	case err != nil:
		return pv, err
	}
	pv.IsSet, pv.SetAt = true, parseTime(at)
	return pv, nil
}

// ListPolicy returns every registered key with its value.
func (t *txn) ListPolicy() ([]PolicyValue, error) {
	var out []PolicyValue
	for _, k := range policy.Keys() {
		v, err := t.policyValue(k.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// SetPolicy validates and stores a value; it reports whether the value
// changed. Setting a key to its current value changes nothing.
func (t *txn) SetPolicy(name, value string) (PolicyValue, bool, error) {
	t.Touch("policy:" + name)
	v, err := policy.Validate(name, value)
	if err != nil {
		return PolicyValue{}, false, err
	}
	cur, err := t.policyValue(name)
	if err != nil {
		return PolicyValue{}, false, err
	}
	if cur.Value == v && cur.IsSet {
		return cur, false, nil
	}
	_, err = t.tx.ExecContext(t.ctx,
		`INSERT INTO policy (key, value, set_at, set_by) VALUES ($1, $2, $3, $4)
		 ON CONFLICT (key) DO UPDATE SET value = excluded.value, set_at = excluded.set_at, set_by = excluded.set_by`,
		name, v, formatTime(t.now), t.op.Name)
	if err != nil {
		return PolicyValue{}, false, err
	}
	nv, err := t.policyValue(name)
	return nv, cur.Value != v, err
}
