package operator

import (
	"slices"
	"strings"

	"github.com/custos-dev/custos/internal/errs"
)

// Permission is one row of the role matrix: who may run one command.
type Permission struct {
	// Command is the command path without "custos", e.g. "account approve".
	Command string
	// Roles are the roles that may run the command.
	Roles []Role
	// ListRoles, when set, are the roles that may run the command's
	// listing form, the one without arguments (records hold --list,
	// records retain without a CLASS), which reads instead of changing.
	ListRoles []Role
	// Bootstrap admits any OS user, registered or not: only `init`, which
	// registers the first admin of an empty store and changes nothing
	// otherwise.
	Bootstrap bool
}

// Matrix is the role matrix: one Permission per command that touches the
// store.
type Matrix []Permission

var (
	everyone = []Role{Admin, IT, Manager, Officer, Auditor}
	admins   = []Role{Admin}
	itStaff  = []Role{Admin, IT}
	// deciders give approval stages and request accounts; which stage each
	// may give is the account package's rule (account.CheckApproval).
	deciders = []Role{Admin, IT, Manager}
	auditors = []Role{Admin, Officer, Auditor}
)

// Permissions is the role matrix every command reads, and that `custos
// help roles` prints. Finer rules inside a command (which approval stage a
// manager may give, a reviewer deciding only their own items, a manager's
// department scope) belong to the command's domain package.
var Permissions = Matrix{
	{Command: "init", Bootstrap: true},
	{Command: "migrate", Roles: admins},
	{Command: "operator add", Roles: admins},
	{Command: "operator list", Roles: everyone},
	{Command: "operator update", Roles: admins},
	{Command: "operator remove", Roles: admins},
	{Command: "policy set", Roles: admins},
	{Command: "policy show", Roles: everyone},

	{Command: "account request", Roles: deciders},
	{Command: "account approve", Roles: deciders},
	{Command: "account reject", Roles: deciders},
	{Command: "account activate", Roles: itStaff},
	{Command: "account freeze", Roles: itStaff},
	{Command: "account revoke", Roles: itStaff},
	{Command: "account expire", Roles: itStaff},
	{Command: "account update", Roles: itStaff},
	{Command: "account leave", Roles: itStaff},
	// A transfer is a request, approved by the new department's manager
	// and IT; HR's notice reaches custos through IT or a manager.
	{Command: "account transfer", Roles: deciders},
	{Command: "account reconcile", Roles: itStaff},
	{Command: "account list", Roles: everyone},
	{Command: "account show", Roles: everyone},

	{Command: "access resource add", Roles: itStaff},
	{Command: "access resource list", Roles: everyone},
	{Command: "access resource update", Roles: itStaff},
	{Command: "access resource remove", Roles: itStaff},
	{Command: "access grant", Roles: itStaff},
	{Command: "access request", Roles: everyone},
	// Who may give, reject or withdraw which request is the request
	// package's rule (a department's manager, a resource's owner, the one
	// who asked).
	{Command: "request list", Roles: everyone},
	{Command: "request show", Roles: everyone},
	{Command: "request approve", Roles: everyone},
	{Command: "request reject", Roles: everyone},
	{Command: "request withdraw", Roles: everyone},
	{Command: "training add", Roles: itStaff},
	{Command: "training record", Roles: itStaff},
	{Command: "training import", Roles: itStaff},
	{Command: "training report", Roles: everyone},
	{Command: "inbox", Roles: everyone},
	{Command: "due", Roles: []Role{Admin, IT, Officer, Auditor}},
	{Command: "access revoke", Roles: itStaff},
	{Command: "access list", Roles: everyone},
	{Command: "access review start", Roles: itStaff},
	{Command: "access review list", Roles: everyone},
	{Command: "access review show", Roles: everyone},
	{Command: "access review export", Roles: everyone},
	{Command: "access review decide", Roles: everyone},
	{Command: "access review import", Roles: everyone},
	{Command: "access review close", Roles: itStaff},

	{Command: "records add", Roles: itStaff},
	{Command: "records import", Roles: itStaff},
	{Command: "records list", Roles: everyone},
	{Command: "records show", Roles: everyone},
	{Command: "records retain", Roles: itStaff, ListRoles: everyone},
	{Command: "records hold", Roles: itStaff, ListRoles: everyone},
	{Command: "records release", Roles: itStaff},
	{Command: "records purge", Roles: itStaff},
	{Command: "records restore", Roles: itStaff},
	// Anyone may ask to look up records; seeing them needs the approved
	// look-up (request.CheckLookupShow).
	{Command: "records lookup request", Roles: everyone},
	{Command: "records lookup show", Roles: everyone},

	{Command: "incident open", Roles: itStaff},
	{Command: "incident update", Roles: itStaff},
	{Command: "incident note", Roles: itStaff},
	{Command: "incident assign", Roles: itStaff},
	{Command: "incident notify", Roles: itStaff},
	{Command: "incident close", Roles: itStaff},
	{Command: "incident list", Roles: everyone},
	{Command: "incident show", Roles: everyone},

	{Command: "audit log", Roles: auditors},
	{Command: "audit verify", Roles: auditors},
	{Command: "audit export", Roles: auditors},
	{Command: "audit checkpoint", Roles: auditors},
	{Command: "audit checkpoint list", Roles: auditors},
	{Command: "audit checkpoint show", Roles: auditors},
	{Command: "audit prove", Roles: auditors},
	{Command: "report", Roles: []Role{Admin, Officer, Auditor}},
}

// Lookup returns the permission of command.
func (m Matrix) Lookup(command string) (Permission, bool) {
	i := slices.IndexFunc(m, func(p Permission) bool { return p.Command == command })
	if i < 0 {
		return Permission{}, false
	}
	return m[i], true
}

// For returns the roles that may run command; listing says it runs in the
// form without arguments. A command with no row is an internal error: a
// command missing from the matrix must never fall back to admitting
// everyone.
func (m Matrix) For(command string, listing bool) (Permission, []Role, error) {
	p, ok := m.Lookup(command)
	if !ok {
		return Permission{}, nil, errs.New(errs.Internal, "command %q has no row in the role matrix (operator.Permissions)", command)
	}
	if listing && p.ListRoles != nil {
		return p, p.ListRoles, nil
	}
	return p, p.Roles, nil
}

// Allows reports whether a holder of role r may run p (in its listing form
// when listing is set).
func (p Permission) Allows(r Role, listing bool) bool {
	if p.Bootstrap {
		return true
	}
	roles := p.Roles
	if listing && p.ListRoles != nil {
		roles = p.ListRoles
	}
	return slices.Contains(roles, r)
}

// String formats the row for messages and golden files:
// "account approve: admin,it,manager".
func (p Permission) String() string {
	if p.Bootstrap {
		return p.Command + ": anyone (bootstrap)"
	}
	s := p.Command + ": " + joinRoles(p.Roles)
	if p.ListRoles != nil {
		s += "; listing: " + joinRoles(p.ListRoles)
	}
	return s
}

func joinRoles(roles []Role) string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return strings.Join(names, ",")
}
