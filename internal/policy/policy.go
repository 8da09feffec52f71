// Package policy is the registry of organisation policy keys. Each domain
// package registers the keys it reads, with a default, a description shown
// by `custos policy show` and `custos help policy`, and a validator. Values
// live in the store and change only through `custos policy set`, which is
// audited.
package policy

import (
	"slices"
	"strconv"
	"strings"

	"github.com/custos-dev/custos/internal/errs"
)

// Key is one policy key.
type Key struct {
	Name    string
	Default string
	// Doc is one sentence on what the key governs and the values it takes.
	Doc string
	// Normalize validates a value and returns its canonical form.
	Normalize func(string) (string, error)
}

var registry = map[string]Key{}

// Register adds a key; domain packages call it from init.
func Register(k Key) {
	if _, dup := registry[k.Name]; dup {
		panic("policy: key registered twice: " + k.Name)
	}
	if k.Normalize == nil {
		k.Normalize = func(s string) (string, error) { return s, nil }
	}
	registry[k.Name] = k
}

// Lookup returns a registered key.
func Lookup(name string) (Key, error) {
	k, ok := registry[name]
	if !ok {
		return Key{}, errs.Invalidf("unknown policy key %q", name).WithHint("run `custos policy show` for the keys")
	}
	return k, nil
}

// Keys returns every key, sorted by name.
func Keys() []Key {
	keys := make([]Key, 0, len(registry))
	for _, k := range registry {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b Key) int { return strings.Compare(a.Name, b.Name) })
	return keys
}

// Validate normalises value for key, or explains why it is refused.
func Validate(name, value string) (string, error) {
	k, err := Lookup(name)
	if err != nil {
		return "", err
	}
	v, err := k.Normalize(value)
	if err != nil {
		return "", errs.Invalidf("invalid value for %s: %v", name, err)
	}
	return v, nil
}

// Bool is a Normalize function for yes/no keys: true, yes, on and 1 are
// true; false, no, off and 0 are false.
func Bool(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "on", "1":
		return "true", nil
	case "false", "no", "off", "0":
		return "false", nil
	}
	return "", errs.Invalidf("%q is not true or false", s)
}

// Count returns a Normalize function for a whole number of unit (days,
// hours) from lo to hi, written without sign or leading zeros.
func Count(unit string, lo, hi int) func(string) (string, error) {
	return func(s string) (string, error) {
		t := strings.TrimSpace(s)
		n, err := strconv.Atoi(t)
		if err != nil || n < lo || n > hi || strconv.Itoa(n) != t {
			return "", errs.Invalidf("%q is not a number of %s from %d to %d", s, unit, lo, hi)
		}
		return t, nil
	}
}

// Text returns a Normalize function for free text of at most max characters
// without control characters.
func Text(max int) func(string) (string, error) {
	return func(s string) (string, error) {
		s = strings.TrimSpace(s)
		if len([]rune(s)) > max {
			return "", errs.Invalidf("longer than %d characters", max)
		}
		if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return "", errs.Invalidf("contains control characters")
		}
		return s, nil
	}
}

// Origin normalizes a checkpoint origin: printable, without spaces or '+'
// (a note's key names may not have them, and the origin names the key).
func Origin(s string) (string, error) {
	s, err := Text(100)(s)
	if err != nil {
		return "", err
	}
	if strings.ContainsAny(s, " \t+") || strings.ContainsFunc(s, func(r rune) bool { return r > 0x7e }) {
		return "", errs.Invalidf("must be printable ASCII without spaces or '+', e.g. custos.example.org/audit")
	}
	return s, nil
}

// Keys owned by the foundation.
const (
	// OrgName is the organisation's name, shown in checkpoints and reports.
	OrgName = "org.name"
	// SignedCheckpoints requires CUSTOS_AUDIT_KEY for audit checkpoints.
	SignedCheckpoints = "audit.signed_checkpoints"
	// AuditOrigin names the log in signed checkpoints.
	AuditOrigin = "audit.origin"
)

func init() {
	Register(Key{Name: OrgName, Default: "",
		Doc:       "The organisation's name, recorded in audit checkpoints (text, at most 100 characters).",
		Normalize: Text(100)})
	Register(Key{Name: SignedCheckpoints, Default: "false",
		Doc:       "When true, `audit checkpoint` refuses to write a checkpoint unless it is signed: CUSTOS_AUDIT_SIGNING_KEY (or the older CUSTOS_AUDIT_KEY) must be set (true or false).",
		Normalize: Bool})
	Register(Key{Name: AuditOrigin, Default: "",
		Doc:       "The origin line of signed audit checkpoints, a name no other log uses, e.g. custos.example.org/audit (text without spaces or '+', at most 100 characters).",
		Normalize: Origin})
}
