package account

import (
	"net/mail"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/errs"
)

// Change is one field of an account (or a grant, a resource, an
// operator) before and after a change: what `account show` lists under
// Changes, so a corrected name or an extended end date keeps its history.
type Change struct {
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// NoDate is the value that clears an employee's end date (--until none).
const NoDate = "none"

// Edit is what `account update` changes; a nil field stays as it is.
type Edit struct {
	Until, Position, Email, Name *string
}

// Empty reports whether the edit names no field.
func (e Edit) Empty() bool {
	return e.Until == nil && e.Position == nil && e.Email == nil && e.Name == nil
}

// Apply edits a at now (today is its date, YYYY-MM-DD) and returns the
// account afterwards with the fields that changed, before and after, in a
// fixed order (name, position, email, until). The rules:
//   - a revoked or rejected account is final and is not edited (conflict);
//   - a name and a position are required free text; an email is a bare
//     address;
//   - an end date is a date, not before today; NoDate clears it, for an
//     employee only (every other type needs one);
//   - a field set to what it already is changes nothing, and an edit
//     that changes nothing returns no changes and no error.
func (e Edit) Apply(a Account, today string, now time.Time) (Account, []Change, error) {
	if a.State.Final() {
		return a, nil, errs.Conflictf("%s is %s; a final account is not edited", a.Username, a.State)
	}
	next := a
	var out []Change
	set := func(field string, dst *string, v string) {
		if *dst != v {
			out = append(out, Change{Field: field, Before: *dst, After: v})
			*dst = v
		}
	}
	if e.Name != nil {
		v := strings.TrimSpace(*e.Name)
		if err := Text("name", v, true); err != nil {
			return a, nil, errs.SetField(err, "name")
		}
		set("name", &next.Name, v)
	}
	if e.Position != nil {
		v := strings.TrimSpace(*e.Position)
		if err := Text("position", v, true); err != nil {
			return a, nil, errs.SetField(err, "position")
		}
		set("position", &next.Position, v)
	}
	if e.Email != nil {
		v := strings.TrimSpace(*e.Email)
		if addr, err := mail.ParseAddress(v); err != nil || addr.Address != v {
			return a, nil, errs.Invalidf("invalid email %q: give a bare address such as ana@example.org", v).WithField("email")
		}
		set("email", &next.Email, v)
	}
	if e.Until != nil {
		v := strings.TrimSpace(*e.Until)
		if strings.EqualFold(v, NoDate) {
			if a.Type != Employee {
				return a, nil, errs.Invalidf("a %s account needs an end date; it cannot be cleared", a.Type).WithField("until")
			}
			v = ""
		} else {
			d, err := ParseDate(v)
			if err != nil {
				return a, nil, errs.Invalidf("invalid end date: %v", err).WithField("until")
			}
			if d < today {
				return a, nil, errs.Invalidf("the end date %s is in the past", d).WithField("until")
			}
			v = d
		}
		set("until", &next.Until, v)
	}
	if len(out) > 0 {
		next.UpdatedAt = now
	}
	return next, out, nil
}

// ScheduleKind is what a scheduled change does on its date.
type ScheduleKind string

// The kinds of scheduled change.
const (
	// ScheduleLeave freezes or revokes a leaver's account on the date.
	ScheduleLeave ScheduleKind = "leave"
	// ScheduleTransfer moves an account to another department on the date.
	ScheduleTransfer ScheduleKind = "transfer"
)

// What a leaver's account becomes on the date.
const (
	ThenFreeze = "freeze"
	ThenRevoke = "revoke"
)

// ScheduleState is where a scheduled change is.
type ScheduleState string

// The states of a scheduled change.
const (
	Scheduled ScheduleState = "scheduled"
	Done      ScheduleState = "done"
	Cancelled ScheduleState = "cancelled"
)

// Schedule is a change of an account that waits for its date: HR's
// advance notice of a leaver, or an approved transfer.
type Schedule struct {
	ID       int64
	Username string
	Kind     ScheduleKind
	// On is the date (YYYY-MM-DD) from which the change holds: a leaver
	// has no access from that day on, a mover belongs to the new
	// department.
	On string
	// Then is freeze or revoke, for a leaver.
	Then string
	// Department and Position are a transfer's new ones.
	Department string
	Position   string
	// Keep are the resource:role grants a transfer keeps under policy
	// account.transfer_grants=revoke.
	Keep []string
	// RequestID is the approved request of a transfer.
	RequestID   string
	Reason      string
	ScheduledBy string
	ScheduledAt time.Time
	State       ScheduleState
	// Outcome says what was done on the date.
	Outcome string
}

// PlanLeave checks HR's notice that a leaves on the date on and returns
// the schedule; today is the current date. An account is scheduled to
// leave while it is approved, active or frozen (a requested one is
// rejected instead; a final one has nothing left to do). The date may be
// today (the next `account expire` carries it out) but not in the past.
func PlanLeave(a Account, on, then, reason, today string) (Schedule, error) {
	s := Schedule{Username: a.Username, Kind: ScheduleLeave, Then: then, Reason: strings.TrimSpace(reason), State: Scheduled}
	if s.Then == "" {
		s.Then = ThenFreeze
	}
	if s.Then != ThenFreeze && s.Then != ThenRevoke {
		return s, errs.Invalidf("invalid then %q: use freeze or revoke", then).WithField("then")
	}
	if err := Text("reason", s.Reason, true); err != nil {
		return s, errs.SetField(err, "reason")
	}
	d, err := ParseDate(strings.TrimSpace(on))
	if err != nil {
		return s, errs.Invalidf("invalid leaving date: %v", err).WithField("on")
	}
	if d < today {
		return s, errs.Invalidf("the leaving date %s is in the past", d).WithField("on").
			WithHint("for a leaver who has already gone, freeze or revoke the account now")
	}
	s.On = d
	switch a.State {
	case Approved, Active, Frozen:
	case Requested:
		return s, errs.Conflictf("%s is still requested; reject the request instead", a.Username)
	default:
		return s, errs.Conflictf("%s is %s; it has nothing left to leave", a.Username, a.State)
	}
	return s, nil
}

// PlanTransfer checks a transfer of a to department and position on the
// date on (today when empty) and returns the schedule. Only an active or
// frozen account is transferred; a transfer to where it already is
// (same department and position) is refused as a mistake.
func PlanTransfer(a Account, department, position, on, reason, today string) (Schedule, error) {
	s := Schedule{Username: a.Username, Kind: ScheduleTransfer, Department: strings.TrimSpace(department),
		Position: strings.TrimSpace(position), Reason: strings.TrimSpace(reason), State: Scheduled, On: today}
	for _, f := range []struct{ field, value string }{{"department", s.Department}, {"position", s.Position}, {"reason", s.Reason}} {
		if err := Text(f.field, f.value, true); err != nil {
			return s, errs.SetField(err, f.field)
		}
	}
	if on = strings.TrimSpace(on); on != "" {
		d, err := ParseDate(on)
		if err != nil {
			return s, errs.Invalidf("invalid transfer date: %v", err).WithField("on")
		}
		if d < today {
			return s, errs.Invalidf("the transfer date %s is in the past", d).WithField("on")
		}
		s.On = d
	}
	if a.State != Active && a.State != Frozen {
		return s, errs.Conflictf("%s is %s; only an active or frozen account is transferred", a.Username, a.State)
	}
	if a.Department == s.Department && a.Position == s.Position {
		return s, errs.Conflictf("%s is already %s in %s", a.Username, a.Position, a.Department)
	}
	return s, nil
}

// DueSchedules are the scheduled changes whose date has come by asOf
// (YYYY-MM-DD), in date order then id.
func DueSchedules(all []Schedule, asOf string) []Schedule {
	var out []Schedule
	for _, s := range all {
		if s.State == Scheduled && s.On <= asOf {
			out = append(out, s)
		}
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && (out[j].On < out[j-1].On || out[j].On == out[j-1].On && out[j].ID < out[j-1].ID); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// Leave carries out a leaver's schedule s on a at now: the account is
// frozen or revoked as s says. An account already frozen (for freeze) or
// revoked stays as it is and changed is false; one that is no longer live
// (rejected) is a conflict. The caller revokes the grants of a revoked
// account, as `account revoke` does.
func Leave(a Account, s Schedule, now time.Time) (Account, bool, error) {
	reason := "left on " + s.On + ": " + s.Reason
	if s.Then == ThenRevoke {
		return Apply(a, ActionRevoke, reason, now)
	}
	if a.State == Approved {
		// Never activated: nothing to freeze, so the leaver's account is
		// closed for good.
		return Apply(a, ActionRevoke, reason, now)
	}
	if a.State == Revoked {
		return a, false, nil
	}
	return Freeze(a, reason, "", now)
}

// Transfer moves a to the schedule's department and position at now and
// returns the account afterwards with what changed. Only a live account
// that was active or frozen is moved; the caller handles its grants.
func Transfer(a Account, s Schedule, now time.Time) (Account, []Change, error) {
	if a.State != Active && a.State != Frozen {
		return a, nil, errs.Conflictf("%s is %s; only an active or frozen account is transferred", a.Username, a.State)
	}
	next := a
	var out []Change
	if a.Department != s.Department {
		out = append(out, Change{Field: "department", Before: a.Department, After: s.Department})
		next.Department = s.Department
	}
	if a.Position != s.Position {
		out = append(out, Change{Field: "position", Before: a.Position, After: s.Position})
		next.Position = s.Position
	}
	if len(out) > 0 {
		next.UpdatedAt = now
	}
	return next, out, nil
}
