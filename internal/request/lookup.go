package request

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/operator"
	"github.com/custos-dev/custos/internal/policy"
)

// KindLookup is a request to look up records about a person (their
// communication records, say): approved by the viewer's department
// manager and IT, and an officer too when the look-up is for someone
// outside the organisation.
const KindLookup = "lookup"

// KeyLookupDays is how long an approved look-up may be shown.
const KeyLookupDays = "records.lookup_days"

func init() {
	policy.Register(policy.Key{Name: KeyLookupDays, Default: "7",
		Doc:       "Days after its approval during which a record look-up may be shown with records lookup show (1 to 90; default 7).",
		Normalize: policy.Count("days", 1, 90)})
}

// Lookup is the payload of a look-up: the records in scope (a subject, a
// list of records, or a class over a period), why, and who will see them.
type Lookup struct {
	Subject string  `json:"subject,omitempty"`
	Records []int64 `json:"records,omitempty"`
	Class   string  `json:"class,omitempty"`
	From    string  `json:"from,omitempty"`
	To      string  `json:"to,omitempty"`
	Purpose string  `json:"purpose"`
	// Viewer is the operator who will see the records: the requester, or
	// the member of staff a manager asked for.
	Viewer    string `json:"viewer"`
	External  bool   `json:"external,omitempty"`
	Authority string `json:"authority,omitempty"`
}

// Payload is the look-up's canonical JSON.
func (l Lookup) Payload() string { b, _ := json.Marshal(l); return string(b) }

// ParseLookup reads a look-up's payload back.
func ParseLookup(payload string) (Lookup, error) {
	var l Lookup
	err := json.Unmarshal([]byte(payload), &l)
	return l, err
}

// Period is the look-up's period, for a class scope.
func (l Lookup) Period() (from, to time.Time) {
	from, _ = time.Parse(time.RFC3339, l.From)
	to, _ = time.Parse(time.RFC3339, l.To)
	return from, to
}

// Validate checks a look-up as asked: exactly one scope, a period in
// order for a class, a purpose, and a legal basis exactly when external.
func (l Lookup) Validate() error {
	scopes := 0
	for _, set := range []bool{l.Subject != "", len(l.Records) > 0, l.Class != ""} {
		if set {
			scopes++
		}
	}
	switch {
	case scopes == 0:
		return errs.Invalidf("a look-up needs its scope: --subject S, --record ID… or --class C --from DATE --to DATE")
	case scopes > 1:
		return errs.Invalidf("a look-up has one scope: --subject, --record or --class, not several")
	case l.Class != "" && (l.From == "" || l.To == ""):
		return errs.Invalidf("a look-up of a class needs its period: --from DATE --to DATE")
	case l.Class == "" && (l.From != "" || l.To != ""):
		return errs.Invalidf("--from and --to bound a look-up of a --class")
	case strings.TrimSpace(l.Purpose) == "":
		return errs.Invalidf("a look-up needs its purpose: --purpose TEXT").WithField("purpose")
	case l.External && strings.TrimSpace(l.Authority) == "":
		return errs.Invalidf("an external look-up needs its legal basis: --authority TEXT").WithField("authority")
	case !l.External && l.Authority != "":
		return errs.Invalidf("--authority is the legal basis of an --external look-up")
	}
	for _, f := range []struct{ name, v string }{{"--subject", l.Subject}, {"--purpose", l.Purpose}, {"--authority", l.Authority}} {
		if strings.ContainsFunc(f.v, unicode.IsControl) || !utf8.ValidString(f.v) {
			return errs.Invalidf("%s must be printable text on one line", f.name)
		}
	}
	if l.Class != "" {
		from, to := l.Period()
		if !from.Before(to) {
			return errs.Invalidf("--from %s is not before --to %s", l.From, l.To)
		}
	}
	for _, id := range l.Records {
		if id <= 0 {
			return errs.Invalidf("record id %d is not a record id", id)
		}
	}
	return nil
}

// LookupStages are the stages a look-up needs: the viewer's department
// manager, then IT, then an officer when it is external.
func LookupStages(external bool) []string {
	s := []string{StageDepartment, StageIT}
	if external {
		s = append(s, StageOfficer)
	}
	return s
}

// LookupEligible is who may give each stage of a look-up whose viewer is
// in department dept: never the viewer (by name or in person, real being
// the one at the keyboard); admins any; a manager of that department (or
// with none) the department stage; IT the it stage; an officer the officer
// stage.
func LookupEligible(op *operator.Operator, real, viewer, dept string) func(stage string) error {
	return func(stage string) error {
		if op.Name == viewer || real == viewer {
			return errs.Deniedf("%s is who the look-up is for and cannot approve it: separation of duties", viewer)
		}
		if op.Has(operator.Admin) {
			return nil
		}
		switch stage {
		case StageDepartment:
			if op.Has(operator.Manager) && (op.Department == "" || operator.SameDepartment(op.Department, dept)) {
				return nil
			}
			return errs.Deniedf("%s may not give the department stage of a look-up for %s, of %s: it needs a manager of that department or an admin", op.Name, viewer, orNone(dept))
		case StageIT:
			if op.Has(operator.IT) {
				return nil
			}
			return errs.Deniedf("%s may not give the it stage: it needs the role it or admin", op.Name)
		case StageOfficer:
			if op.Has(operator.Officer) {
				return nil
			}
			return errs.Deniedf("%s may not give the officer stage: it needs the role officer or admin", op.Name)
		}
		return errs.Deniedf("%s may not give the %s stage", op.Name, stage)
	}
}

func orNone(dept string) string {
	if dept == "" {
		return "no department"
	}
	return dept
}

// CheckAskFor decides whether op may ask for a look-up that viewer will
// see: anyone for themself; a manager for a member of their department
// (or any, with no department); an admin for anyone.
func CheckAskFor(op *operator.Operator, viewer *operator.Operator) error {
	if viewer.Name == op.Name || op.Has(operator.Admin) {
		return nil
	}
	if op.Has(operator.Manager) && (op.Department == "" || operator.SameDepartment(op.Department, viewer.Department)) {
		return nil
	}
	return errs.Deniedf("%s may not ask for a look-up for %s: --for is for a manager of %s's department", op.Name, viewer.Name, viewer.Name)
}

// ApprovedAt is when a request's last stage was given.
func (r *Request) ApprovedAt() time.Time {
	var at time.Time
	for _, a := range r.Approvals {
		if a.PayloadSHA256 == r.SHA256 && a.At.After(at) {
			at = a.At
		}
	}
	return at
}

// CheckLookupShow decides whether viewer (with real, the person at the
// keyboard) may see the records of the look-up r at now: r must be an
// approved look-up for exactly that person, shown before the end of the
// window its approval fixed (r.ExpiresAt).
func CheckLookupShow(r *Request, viewer, real string, now time.Time) (Lookup, time.Time, error) {
	if err := CheckApply(r, KindLookup, now); err != nil {
		return Lookup{}, time.Time{}, err
	}
	l, err := ParseLookup(r.Payload)
	if err != nil {
		return l, time.Time{}, errs.Integrityf("the look-up %s cannot be read: %v", r.ID, err)
	}
	if viewer != l.Viewer || real != l.Viewer {
		who := viewer
		if real != viewer {
			who = real + " as " + viewer
		}
		return l, time.Time{}, errs.Deniedf("%s was approved for %s to see, not %s", r.ID, l.Viewer, who)
	}
	// The window was fixed at the approval (records.lookup_days then), and
	// kept as the approved request's expiry.
	until := r.ExpiresAt
	if !now.Before(until) {
		return l, until, errs.Deniedf("the look-up %s could be shown until %s (policy %s after its approval); ask again", r.ID, until.UTC().Format(time.RFC3339), KeyLookupDays)
	}
	return l, until, nil
}

// describe is a look-up in words: its scope and viewer.
func (l Lookup) describe() string {
	var scope string
	switch {
	case l.Subject != "":
		scope = "records of subject " + l.Subject
	case len(l.Records) > 0:
		s := make([]string, len(l.Records))
		for i, id := range l.Records {
			s[i] = fmt.Sprint(id)
		}
		scope = "records " + strings.Join(s, ", ")
	default:
		scope = fmt.Sprintf("%s records from %s to %s", l.Class, l.From, l.To)
	}
	s := "look up " + scope + " for " + l.Viewer
	if l.External {
		s += " (external: " + l.Authority + ")"
	}
	return s
}

// Canonical is the look-up with its record ids sorted and without
// repeats, so that one look-up has one payload however it was typed.
func (l Lookup) Canonical() Lookup {
	l.Records = slices.Clone(l.Records)
	slices.Sort(l.Records)
	l.Records = slices.Compact(l.Records)
	return l
}
