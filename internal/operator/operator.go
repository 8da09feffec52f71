// Package operator holds the people who run custos: their roles, the
// validation of names and roles, and the permission rule every command
// checks before it runs.
package operator

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/errs"
)

// Role is what an operator may do.
type Role string

// The roles, from most to least powerful.
const (
	Admin   Role = "admin"   // everything, including operators and policy
	IT      Role = "it"      // IT approval, account changes, access, records, incidents
	Manager Role = "manager" // department approval and review decisions
	// Officer is senior management or the data-protection officer:
	// approves purge plans, retention changes, hold releases and external
	// look-ups; reads everything; changes nothing else.
	Officer Role = "officer"
	Auditor Role = "auditor" // reads everything, changes nothing
)

// Roles lists every role in a stable order.
var Roles = []Role{Admin, IT, Manager, Officer, Auditor}

// Operator is a registered operator.
type Operator struct {
	Name  string
	Roles []Role
	// Department limits a manager's approvals and review decisions; empty
	// means no limit.
	Department string
	CreatedAt  time.Time
	CreatedBy  string
	// RemovedAt is set once the operator is removed; removed operators stay
	// in the store so that history keeps naming them.
	RemovedAt time.Time
}

// Has reports whether o holds role r.
func (o *Operator) Has(r Role) bool { return slices.Contains(o.Roles, r) }

// HasAny reports whether o holds one of roles.
func (o *Operator) HasAny(roles ...Role) bool {
	for _, r := range roles {
		if o.Has(r) {
			return true
		}
	}
	return false
}

// RoleNames returns the roles as strings.
func (o *Operator) RoleNames() []string {
	s := make([]string, len(o.Roles))
	for i, r := range o.Roles {
		s[i] = string(r)
	}
	return s
}

// validName admits OS login names, including directory-style ones
// (jane.doe, j_doe, jdoe@corp): 1–64 of A–Z a–z 0–9 . _ @ -, not starting
// with '.', '@' or '-'. It is a loop rather than a regexp because a
// compiled {0,63} repetition costs every command's start-up.
func validName(name string) bool {
	if len(name) == 0 || len(name) > 64 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_':
		case (c == '.' || c == '@' || c == '-') && i > 0:
		default:
			return false
		}
	}
	return true
}

// ValidateName checks an operator name.
func ValidateName(name string) error {
	if !validName(name) {
		return errs.Invalidf("invalid operator name %q: use 1–64 letters, digits, '.', '_', '@' or '-', not starting with '.', '@' or '-'", name)
	}
	return nil
}

// ParseRoles parses role names given as repeated flags or comma lists,
// removing duplicates and ordering them as in Roles.
func ParseRoles(in []string) ([]Role, error) {
	var out []Role
	for _, item := range in {
		for _, s := range strings.Split(item, ",") {
			s = strings.TrimSpace(strings.ToLower(s))
			if s == "" {
				continue
			}
			r := Role(s)
			if !slices.Contains(Roles, r) {
				return nil, errs.Invalidf("unknown role %q: use admin, it, manager or auditor", s)
			}
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	if len(out) == 0 {
		return nil, errs.Invalidf("at least one role is required: admin, it, manager or auditor").WithField("role")
	}
	slices.SortFunc(out, func(a, b Role) int { return slices.Index(Roles, a) - slices.Index(Roles, b) })
	return out, nil
}

// ValidateDepartment checks a department name: free text without control
// characters, at most 100 characters.
func ValidateDepartment(d string) error {
	if len([]rune(d)) > 100 || strings.ContainsFunc(d, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return errs.Invalidf("invalid department %q: at most 100 characters, no control characters", d)
	}
	return nil
}

// Require refuses op unless it holds one of roles. An empty roles list
// admits every registered operator.
func Require(op *Operator, command string, roles ...Role) error {
	if len(roles) == 0 || op.HasAny(roles...) {
		return nil
	}
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return errs.Deniedf("operator %s (%s) may not run %q: it needs the role %s",
		op.Name, strings.Join(op.RoleNames(), ","), command, strings.Join(names, " or "))
}

// String formats o for messages.
func (o *Operator) String() string {
	return fmt.Sprintf("%s (%s)", o.Name, strings.Join(o.RoleNames(), ","))
}

// Scope is the department o is limited to, or "" for none: a manager with
// a department sees and acts on that department only, unless another role
// lets them read everything (admin, it, officer, auditor). Every read of accounts,
// grants, review items and records applies it (the store's scope.go).
func (o *Operator) Scope() string {
	if o == nil || !o.Has(Manager) || o.Department == "" || o.HasAny(Admin, IT, Officer, Auditor) {
		return ""
	}
	return o.Department
}

// Sees reports whether an object that belongs to departments (an account
// has one; a record's subject may have several accounts, or none) is
// within o's scope. Departments compare as SameDepartment says.
func (o *Operator) Sees(departments ...string) bool {
	scope := o.Scope()
	if scope == "" {
		return true
	}
	for _, d := range departments {
		if SameDepartment(d, scope) {
			return true
		}
	}
	return false
}

// SameDepartment compares department names regardless of the case of
// ASCII letters only: the store's SQL compares lower() of both, which
// folds only ASCII (in SQLite, and in PostgreSQL under the C collation),
// so a listing and a show of one object never disagree ("Ärzte" and
// "ärzte" are two departments).
func SameDepartment(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
