package store

import (
	"strconv"

	"github.com/custos-dev/custos/internal/access"
	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/records"
)

// The department scope of managers (operator.Scope) in one place: every
// read of accounts, grants, review items and records goes through the
// functions below, so a listing, a show and an export cannot disagree
// about what a manager may see. Writes have their own rules (the
// department approval stage, the review decision).
//
// In SQL the department compares with lower() on both sides, the form of
// the rule's case-insensitive match that both engines share.

// scope is the department the effective operator is limited to, or "".
func (t *txn) scope() string {
	if t.op == nil {
		return ""
	}
	return t.op.Scope()
}

// scopeSQL is the condition "the department in column col is within the
// scope", with the scope added to args by arg; "" when there is no scope.
func (t *txn) scopeSQL(col string, arg func(any) string) string {
	s := t.scope()
	if s == "" {
		return ""
	}
	return "lower(" + col + ") = lower(" + arg(s) + ")"
}

func (t *txn) outOfScope(what string) error {
	return errs.Deniedf("%s manages %s and may not see %s", t.op.Name, t.scope(), what)
}

// checkDepartment refuses a filter naming another department.
func (t *txn) checkDepartment(department string) error {
	if department == "" || t.op.Sees(department) {
		return nil
	}
	return t.outOfScope("accounts of " + department)
}

// SeeAccount is GetAccount for commands that show an account: one outside
// the operator's scope is refused (exit 4).
func (t *txn) SeeAccount(username string) (*account.Account, error) {
	a, err := t.GetAccount(username)
	if err != nil {
		return nil, err
	}
	if !t.op.Sees(a.Department) {
		return nil, t.outOfScope("account " + a.Username + ", which is in " + a.Department)
	}
	return a, nil
}

// seeCampaign refuses a campaign limited to another department. A
// campaign of every department is shown, its items filtered.
func (t *txn) seeCampaign(c *access.Campaign) error {
	if c.ScopeDepartment == "" || t.op.Sees(c.ScopeDepartment) {
		return nil
	}
	return t.outOfScope("access review " + c.Name + ", which is of " + c.ScopeDepartment)
}

// itemScopeSQL is the scope of review items: those of the department, and
// those the operator reviews wherever they are (a resource owner reviews
// grants on it in every department).
func (t *txn) itemScopeSQL(arg func(any) string) string {
	dept := t.scopeSQL("i.department", arg)
	if dept == "" {
		return ""
	}
	return "(" + dept + " OR i.reviewer = " + arg(t.op.Name) + ")"
}

// subjectScopeSQL is the scope of records: a record is the department's
// when its subject is the username or employee ID of an account of the
// department. A record without such a subject is nobody's department.
// The two IN lists are built once per statement, not looked up per record.
func (t *txn) subjectScopeSQL(col string, arg func(any) string) string {
	dept := t.scopeSQL("department", arg)
	if dept == "" {
		return ""
	}
	return "(" + col + " IN (SELECT username FROM accounts WHERE " + dept + ") OR " +
		col + " IN (SELECT employee_id FROM accounts WHERE " + dept + "))"
}

// seeRecord refuses a record outside the operator's scope.
func (t *txn) seeRecord(r *records.Record) error {
	if t.scope() == "" {
		return nil
	}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	var n int
	if err := t.tx.QueryRowContext(t.ctx, `SELECT CASE WHEN `+t.subjectScopeSQL(arg(r.Subject), arg)+` THEN 1 ELSE 0 END`, args...).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return t.outOfScope("record " + strconv.FormatInt(r.ID, 10) + ", whose subject is not of " + t.scope())
	}
	return nil
}
