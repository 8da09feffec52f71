// Package account holds the rules of an account's life: its states and the
// one function that moves between them, what a request must contain, who
// may approve which stage, and the initial password. Everything here is a
// pure function of its inputs; the store applies it inside a transaction.
package account

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/custos-dev/custos/internal/errs"
)

// State is where an account is in its life.
type State string

// The states. Revoked and rejected are final.
const (
	Requested State = "requested"
	Approved  State = "approved"
	Active    State = "active"
	Frozen    State = "frozen"
	Revoked   State = "revoked"
	Rejected  State = "rejected"
)

// States lists every state in lifecycle order.
var States = []State{Requested, Approved, Active, Frozen, Revoked, Rejected}

// Final reports whether no action can leave s.
func (s State) Final() bool { return s == Revoked || s == Rejected }

// Action is something done to an account.
type Action string

// The actions.
const (
	ActionApproveStage Action = "approve" // one approval stage; the last one makes it approved
	ActionApproveLast  Action = "approve-last"
	ActionReject       Action = "reject"
	ActionActivate     Action = "activate"
	ActionReactivate   Action = "reactivate"
	ActionFreeze       Action = "freeze"
	ActionRevoke       Action = "revoke"
)

// Actions lists every action.
var Actions = []Action{ActionApproveStage, ActionApproveLast, ActionReject, ActionActivate, ActionReactivate, ActionFreeze, ActionRevoke}

// Transition returns the state after action, or a conflict (exit 5) naming
// why the current state does not allow it. Doing what is already done
// (freezing a frozen account, revoking a revoked one) returns the same
// state and no error: the store then changes nothing.
func Transition(s State, a Action) (State, error) {
	switch {
	case a == ActionApproveStage && s == Requested:
		return Requested, nil
	case a == ActionApproveLast && s == Requested:
		return Approved, nil
	case a == ActionReject && s == Requested:
		return Rejected, nil
	case a == ActionReject && s == Rejected:
		return Rejected, nil
	case a == ActionActivate && s == Approved:
		return Active, nil
	case a == ActionReactivate && s == Frozen:
		return Active, nil
	case a == ActionFreeze && (s == Active || s == Frozen):
		return Frozen, nil
	case a == ActionRevoke && (s == Approved || s == Active || s == Frozen || s == Revoked):
		return Revoked, nil
	}
	return s, errs.Conflictf("%s", refusal(s, a))
}

func refusal(s State, a Action) string {
	switch a {
	case ActionApproveStage, ActionApproveLast:
		return fmt.Sprintf("the account is %s; only a requested account can be approved", s)
	case ActionReject:
		return fmt.Sprintf("the account is %s; only a requested account can be rejected", s)
	case ActionActivate:
		if s == Frozen {
			return "the account is frozen; it is re-activated, with a reason"
		}
		if s == Active {
			return "the account is already active"
		}
		return fmt.Sprintf("the account is %s; only an approved account can be activated", s)
	case ActionReactivate:
		return fmt.Sprintf("the account is %s; only a frozen account can be re-activated", s)
	case ActionFreeze:
		return fmt.Sprintf("the account is %s; only an active account can be frozen", s)
	case ActionRevoke:
		if s == Requested {
			return "the account is still requested; reject the request instead"
		}
		return fmt.Sprintf("the account is %s and cannot be revoked", s)
	}
	return fmt.Sprintf("the account is %s", s)
}

// Type is the kind of person the account is for.
type Type string

// The types; every type but employee needs an end date.
const (
	Employee   Type = "employee"
	Contractor Type = "contractor"
	Intern     Type = "intern"
	Temporary  Type = "temporary"
)

// Types lists every type.
var Types = []string{string(Employee), string(Contractor), string(Intern), string(Temporary)}

// Level is a clearance or classification, lowest first.
type Level string

// The levels.
const (
	Public       Level = "public"
	Internal     Level = "internal"
	Confidential Level = "confidential"
	Restricted   Level = "restricted"
)

// Levels lists the levels from lowest to highest.
var Levels = []string{string(Public), string(Internal), string(Confidential), string(Restricted)}

// Rank orders levels: public 0 … restricted 3, unknown -1.
func (l Level) Rank() int {
	for i, s := range Levels {
		if s == string(l) {
			return i
		}
	}
	return -1
}

// DateFormat is how end dates are stored and shown.
const DateFormat = "2006-01-02"

// Account is one account.
type Account struct {
	Username   string
	Name       string
	EmployeeID string
	Department string
	Position   string
	Email      string
	Type       Type
	// Until is the last day of the account (YYYY-MM-DD), or "" for none.
	Until     string
	Clearance Level
	State     State
	// Reason is the requester's reason.
	Reason             string
	MustChangePassword bool
	AgreementRef       string
	RequestedBy        string
	// RequestedByReal is the real operator behind RequestedBy (they differ
	// when the request was made with --as); "" in stores older than the
	// separation-of-duties rule that needs it.
	RequestedByReal string
	RequestedAt     time.Time
	UpdatedAt       time.Time
	// StateReason is the reason given for the last rejection, freeze,
	// re-activation or revocation.
	StateReason string
	// Incident is the incident a freeze was made under, if any.
	Incident string
	// InactiveSince is the day a directory reconciliation found no login
	// for account.inactive_days (YYYY-MM-DD), or "": the next access
	// review flags the account's grants inactive-account.
	InactiveSince string
}

// Approval is one approval stage given.
type Approval struct {
	Username string `json:"username"`
	Stage    string `json:"stage"`
	Operator string `json:"operator"`
	// RealOperator is who ran the approval; it differs from Operator when
	// it was given with --as.
	RealOperator string    `json:"real_operator"`
	At           time.Time `json:"at"`
	Reason       string    `json:"reason"`
	// Proxy marks an approval given through --as by someone else.
	Proxy bool `json:"proxy"`
}

// Party is who gave the approval, for CheckDuties.
func (ap Approval) Party() Party { return Party{Operator: ap.Operator, Real: ap.RealOperator} }

// RequesterParty is who requested the account, for CheckDuties.
func (a *Account) RequesterParty() Party {
	return Party{Operator: a.RequestedBy, Real: a.RequestedByReal}
}

// Request is what `account request` asks for.
type Request struct {
	Username, Name, EmployeeID, Department, Position, Reason, Email string
	Type                                                            string
	Until                                                           string
	Clearance                                                       string
}

// Validate checks a request against the naming rule and returns the
// account it describes. today is the requester's current date (YYYY-MM-DD).
func (r Request) Validate(naming *Naming, today string) (*Account, error) {
	a := &Account{
		Username:   strings.TrimSpace(r.Username),
		Name:       strings.TrimSpace(r.Name),
		EmployeeID: strings.TrimSpace(r.EmployeeID),
		Department: strings.TrimSpace(r.Department),
		Position:   strings.TrimSpace(r.Position),
		Reason:     strings.TrimSpace(r.Reason),
		Email:      strings.TrimSpace(r.Email),
		Type:       Type(strings.ToLower(strings.TrimSpace(r.Type))),
		Until:      strings.TrimSpace(r.Until),
		Clearance:  Level(strings.ToLower(strings.TrimSpace(r.Clearance))),
		State:      Requested,
	}
	if a.Type == "" {
		a.Type = Employee
	}
	if a.Clearance == "" {
		a.Clearance = Internal
	}
	if err := naming.Check(a.Username); err != nil {
		return nil, err
	}
	// Fields are named as the request's CSV columns are, which are also
	// the flags of `account request` without their dashes.
	for _, f := range []struct{ field, name, value string }{
		{"name", "name", a.Name}, {"employee-id", "employee ID", a.EmployeeID}, {"department", "department", a.Department},
		{"position", "position", a.Position}, {"reason", "reason", a.Reason},
	} {
		if err := Text(f.name, f.value, true); err != nil {
			return nil, errs.SetField(err, f.field)
		}
	}
	if !validEmployeeID(a.EmployeeID) {
		return nil, errs.Invalidf("invalid employee ID %q: use 1–64 letters, digits, '.', '_', '/' or '-'", a.EmployeeID).WithField("employee-id")
	}
	if a.Email != "" {
		if addr, err := mail.ParseAddress(a.Email); err != nil || addr.Address != a.Email {
			return nil, errs.Invalidf("invalid email %q: give a bare address such as ana@example.org", a.Email).WithField("email")
		}
	}
	switch a.Type {
	case Employee, Contractor, Intern, Temporary:
	default:
		return nil, errs.Invalidf("invalid account type %q: use employee, contractor, intern or temporary", r.Type).WithField("type")
	}
	if a.Clearance.Rank() < 0 {
		return nil, errs.Invalidf("invalid clearance %q: use public, internal, confidential or restricted", r.Clearance).WithField("clearance")
	}
	if a.Until == "" && a.Type != Employee {
		return nil, errs.Invalidf("a %s account needs an end date, its last day (YYYY-MM-DD)", a.Type).WithField("until")
	}
	if a.Until != "" {
		d, err := ParseDate(a.Until)
		if err != nil {
			return nil, errs.Invalidf("invalid end date: %v", err).WithField("until")
		}
		if a.Until = d; a.Until < today {
			return nil, errs.Invalidf("the end date %s is in the past", a.Until).WithField("until")
		}
	}
	return a, nil
}

// ParseDate accepts YYYY-MM-DD or an RFC 3339 time and returns the date.
func ParseDate(s string) (string, error) {
	if t, err := time.Parse(DateFormat, s); err == nil {
		return t.Format(DateFormat), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.Format(DateFormat), nil
	}
	return "", fmt.Errorf("%q is not a date: use YYYY-MM-DD", s)
}

// Text checks a free-text input: required when asked, at most 200
// characters, valid UTF-8, no control characters. Any script is welcome.
// name is how messages call it: a field name in the domain, a flag in the
// CLI.
func Text(name, v string, required bool) error {
	switch {
	case required && v == "":
		return errs.Invalidf("%s is required", name)
	case !utf8.ValidString(v):
		return errs.Invalidf("%s is not valid UTF-8", name)
	case utf8.RuneCountInString(v) > 200:
		return errs.Invalidf("%s is longer than 200 characters", name)
	case strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || (r >= 0x7f && r <= 0x9f) }):
		return errs.Invalidf("%s contains control characters: %q", name, v)
	}
	return nil
}

func validEmployeeID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' || c == '/') {
			return false
		}
	}
	return true
}
