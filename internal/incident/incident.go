// Package incident holds the rules of security incidents: their types and
// severities, the one function that says which actions an incident's state
// allows, when an incident must be reported and to whom, and what closing
// one requires. Everything is a pure function of its inputs.
package incident

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/policy"
)

// Types of incident.
var Types = []string{"credential-leak", "unauthorized-access", "data-leak", "tampering", "malware", "lost-device", "other"}

// Severities, lowest first.
var Severities = []string{"low", "medium", "high", "critical"}

// Parties an incident may be notified to.
var Parties = []string{"regulator", "customers", "management"}

// DataLeak is the type whose closing requires disclosure.
const DataLeak = "data-leak"

// State is open or closed.
type State string

// The states.
const (
	Open   State = "open"
	Closed State = "closed"
)

// Action is something done to an incident.
type Action string

// The actions.
const (
	Note   Action = "note"
	Assign Action = "assign"
	Notify Action = "notify"
	Update Action = "update"
	Close  Action = "close"
)

// Actions lists every action.
var Actions = []Action{Note, Assign, Notify, Update, Close}

// Transition returns the state after action, or a conflict (exit 5): a
// closed incident is a record, and nothing changes it.
func Transition(s State, a Action) (State, error) {
	if s != Open {
		return s, errs.Conflictf("the incident is %s; a closed incident cannot be changed", s)
	}
	if a == Close {
		return Closed, nil
	}
	return Open, nil
}

// Incident is one incident.
type Incident struct {
	ID         string
	Type       string
	Severity   string
	Summary    string
	State      State
	DetectedAt time.Time
	OpenedAt   time.Time
	OpenedBy   string
	// Deadline is when it must have been reported.
	Deadline time.Time
	Assignee string
	// NoFreeze records that the opener chose not to freeze the accounts.
	NoFreeze   bool
	RootCause  string
	Resolution string
	Lessons    string
	ClosedAt   time.Time
	ClosedBy   string
}

// Notification is one report of the incident to a party.
type Notification struct {
	Party    string
	Ref      string
	At       time.Time
	Operator string
}

// Policy is the incident policy.
type Policy struct {
	// ReportWithin is the time from detection to the reporting deadline.
	ReportWithin time.Duration
	// AutoFreeze lists the types whose named accounts are frozen on opening.
	AutoFreeze []string
	// Disclosure lists the parties a data leak must be disclosed to before it closes.
	Disclosure []string
}

// Policy keys owned by incidents.
const (
	KeyReportHours = "incident.report_hours"
	KeyAutoFreeze  = "incident.auto_freeze_types"
	KeyDisclosure  = "incident.data_leak_disclosure"
)

func init() {
	policy.Register(policy.Key{Name: KeyReportHours, Default: "24",
		Doc:       "Hours from detection by which an incident must be reported (1 to 720).",
		Normalize: policy.Count("hours", 1, 720)})
	policy.Register(policy.Key{Name: KeyAutoFreeze, Default: "credential-leak,unauthorized-access",
		Doc:       "Incident types whose named accounts are frozen when the incident is opened (a comma list of types, or none).",
		Normalize: func(s string) (string, error) { return normList(s, Types, true) }})
	policy.Register(policy.Key{Name: KeyDisclosure, Default: "regulator,customers",
		Doc:       "Parties a data leak must be disclosed to (incident notify) before it can be closed.",
		Normalize: func(s string) (string, error) { return normList(s, Parties, false) }})
}

func normList(s string, allowed []string, noneOK bool) (string, error) {
	list, err := parseList(s, allowed)
	if err != nil {
		return "", err
	}
	if len(list) == 0 && !noneOK {
		return "", errs.Invalidf("at least one of %s is required", strings.Join(allowed, ", "))
	}
	if len(list) == 0 {
		return "none", nil
	}
	return strings.Join(list, ","), nil
}

func parseList(s string, allowed []string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(s, ",") {
		p = strings.ToLower(strings.TrimSpace(p))
		if p == "" || p == "none" {
			continue
		}
		if !slices.Contains(allowed, p) {
			return nil, errs.Invalidf("unknown value %q: use %s", p, strings.Join(allowed, ", "))
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out, nil
}

// ParsePolicy reads the policy values.
func ParsePolicy(hours, autoFreeze, disclosure string) (Policy, error) {
	h, err := strconv.Atoi(hours)
	if err != nil {
		return Policy{}, errs.Invalidf("invalid %s %q", KeyReportHours, hours)
	}
	af, err := parseList(autoFreeze, Types)
	if err != nil {
		return Policy{}, err
	}
	d, err := parseList(disclosure, Parties)
	if err != nil {
		return Policy{}, err
	}
	return Policy{ReportWithin: time.Duration(h) * time.Hour, AutoFreeze: af, Disclosure: d}, nil
}

// Freezes reports whether opening an incident of type t freezes its accounts.
func (p Policy) Freezes(t string) bool { return slices.Contains(p.AutoFreeze, t) }

// RequiredParties are the parties an incident of type t must be reported
// to: a data leak to the disclosure parties, every other incident to
// management.
func (p Policy) RequiredParties(t string) []string {
	if t == DataLeak {
		return p.Disclosure
	}
	return []string{"management"}
}

// Unreported returns the required parties not yet notified.
func (p Policy) Unreported(inc *Incident, ns []Notification) []string {
	var missing []string
	for _, party := range p.RequiredParties(inc.Type) {
		if !slices.ContainsFunc(ns, func(n Notification) bool { return n.Party == party }) {
			missing = append(missing, party)
		}
	}
	return missing
}

// Overdue reports whether an open incident has passed its reporting
// deadline without being reported to every required party.
func (p Policy) Overdue(inc *Incident, ns []Notification, now time.Time) bool {
	return inc.State == Open && now.After(inc.Deadline) && len(p.Unreported(inc, ns)) > 0
}

// CheckClose decides whether an incident may close: a root cause and a
// resolution are required (exit 2), and a data leak must have been
// disclosed to every disclosure party (exit 5).
func (p Policy) CheckClose(inc *Incident, ns []Notification, rootCause, resolution string) error {
	if strings.TrimSpace(rootCause) == "" {
		return errs.Invalidf("a root cause is required: where the incident came from").WithField("root-cause")
	}
	if strings.TrimSpace(resolution) == "" {
		return errs.Invalidf("a resolution is required: what was done about it").WithField("resolution")
	}
	if _, err := Transition(inc.State, Close); err != nil {
		return err
	}
	if inc.Type == DataLeak {
		if missing := p.Unreported(inc, ns); len(missing) > 0 {
			return errs.Conflictf("%s is a data leak and has not been disclosed to %s", inc.ID, strings.Join(missing, " and ")).
				WithHint("record each disclosure first: custos incident notify %s --party %s --ref REF", inc.ID, missing[0])
		}
	}
	return nil
}

// FormatID formats an incident ID: INC-2026-0001.
func FormatID(year, seq int) string { return fmt.Sprintf("INC-%04d-%04d", year, seq) }

// ValidID checks the shape of an incident ID given on the command line.
func ValidID(id string) error {
	var y, n int
	if _, err := fmt.Sscanf(id, "INC-%4d-%d", &y, &n); err != nil || FormatID(y, n) != id {
		return errs.Invalidf("%q is not an incident ID such as INC-2026-0001", id)
	}
	return nil
}
