// Package records holds the rules of record retention: schedules per class,
// legal holds, and the one decision a purge rests on, keep or purge with a
// reason, made for each record from its class's schedule, the holds and an
// as-of time. Everything here is a pure function of its inputs.
package records

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/when"
)

// Record is one catalogue entry.
type Record struct {
	ID        int64
	Class     string
	CreatedAt time.Time
	Subject   string
	// Location is a file path or URI, or "".
	Location string
	Size     int64
	// SHA256 is the hex digest of the content, or "".
	SHA256  string
	AddedAt time.Time
	AddedBy string
}

// Schedule is how long records of a class are kept.
type Schedule struct {
	Class       string
	Retain      when.Duration
	Description string
	SetAt       time.Time
	SetBy       string
	// LockedAt is when the schedule was locked (zero: not locked), at
	// LockedRetain, its minimum from then on; LockedBy the request (or,
	// with records.change_approval none, the operator) that locked it.
	LockedAt     time.Time
	LockedRetain when.Duration
	LockedBy     string
}

// Shortens reports whether keeping records for d instead of s's period
// lets some of them go sooner.
func (s Schedule) Shortens(d when.Duration) bool { return d.ShorterThan(s.Retain) }

// CheckRetain refuses, for everyone, a period shorter than a locked
// schedule's minimum from any day. A period lengthened since the lock
// may be shortened again down to that minimum.
func (s Schedule) CheckRetain(d when.Duration) error {
	if !s.LockedAt.IsZero() && d.ShorterThan(s.LockedRetain) {
		return errs.Deniedf("the retention of %s is locked at %s at least since %s (%s): it can be lengthened, never shortened below that",
			s.Class, s.LockedRetain, s.LockedAt.UTC().Format("2006-01-02"), s.LockedBy)
	}
	return nil
}

// The kinds of legal hold.
const (
	HoldClass   = "class"
	HoldSubject = "subject"
	HoldRecords = "records"
	HoldRange   = "range"
)

// Hold is a legal hold: while active, the records it covers are never
// purged, whatever their age.
type Hold struct {
	Name   string
	Reason string
	Kind   string
	// Class or Subject for those kinds.
	Value string
	// Records for HoldRecords.
	Records []int64
	// From and To bound creation times for HoldRange (To exclusive).
	From, To      time.Time
	CreatedAt     time.Time
	CreatedBy     string
	ReleasedAt    time.Time
	ReleasedBy    string
	ReleaseReason string
}

// Active reports whether the hold is still in force.
func (h *Hold) Active() bool { return h.ReleasedAt.IsZero() }

// Covers reports whether the hold covers the record.
func (h *Hold) Covers(r *Record) bool {
	switch h.Kind {
	case HoldClass:
		return r.Class == h.Value
	case HoldSubject:
		return r.Subject != "" && r.Subject == h.Value
	case HoldRecords:
		return slices.Contains(h.Records, r.ID)
	case HoldRange:
		return !r.CreatedAt.Before(h.From) && r.CreatedAt.Before(h.To)
	}
	return false
}

// Describe says what the hold covers, for people.
func (h *Hold) Describe() string {
	switch h.Kind {
	case HoldRecords:
		ids := make([]string, len(h.Records))
		for i, id := range h.Records {
			ids[i] = fmt.Sprint(id)
		}
		return "records " + strings.Join(ids, ",")
	case HoldRange:
		return "created " + h.From.UTC().Format(time.RFC3339) + " to " + h.To.UTC().Format(time.RFC3339)
	}
	return h.Kind + " " + h.Value
}

// Decision is keep or purge, with the reason.
type Decision struct {
	Purge  bool
	Reason string
}

// Decide is the retention decision for one record as of a time: a record
// under an active hold is kept; a record of a class without a schedule is
// kept; a record is purged once its class's retention has passed since its
// creation.
func Decide(r *Record, schedules map[string]Schedule, holds []Hold, asOf time.Time) Decision {
	if h := HeldBy(r, holds); h != "" {
		return Decision{Reason: "held by " + h}
	}
	s, ok := schedules[r.Class]
	if !ok {
		return Decision{Reason: "class " + r.Class + " has no retention schedule"}
	}
	due := s.Retain.After(r.CreatedAt)
	if asOf.Before(due) {
		return Decision{Reason: "retained until " + due.UTC().Format(time.RFC3339) + " (" + r.Class + " " + s.Retain.String() + ")"}
	}
	return Decision{Purge: true, Reason: "past retention since " + due.UTC().Format(time.RFC3339) + " (" + r.Class + " " + s.Retain.String() + ")"}
}

// HeldBy names the first active hold that covers r, or "".
func HeldBy(r *Record, holds []Hold) string {
	for i := range holds {
		if h := &holds[i]; h.Active() && h.Covers(r) {
			return h.Name
		}
	}
	return ""
}

// Window bounds the records of the class that are past retention as of
// asOf: every record created before lo is; none created at or after hi is;
// between them Decide must be asked record by record. Adding calendar
// months clamps to the month's end (29, 30 and 31 January + 1 month are all
// 28 February, keeping their time of day), so "due" is not a simple cut in
// creation time; it is one outside a window of a few days, which lets the
// store select the bulk through an index and decide only the edge in Go.
func (s Schedule) Window(asOf time.Time) (lo, hi time.Time) {
	mid := s.Retain.Before(asOf)
	return mid.Add(-windowSlack), mid.Add(windowSlack)
}

// windowSlack exceeds the most that month-end clamping can shift a date (3
// days, 31 January to 28 February), with room to spare.
const windowSlack = 5 * 24 * time.Hour

// ValidClass checks a class name: lower-case letters, digits, '.', '_', '-'.
func ValidClass(c string) error {
	if c == "" || len(c) > 64 {
		return errs.Invalidf("invalid class %q: use 1–64 lower-case letters, digits, '.', '_' or '-'", c)
	}
	for i, ch := range []byte(c) {
		if !(ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || i > 0 && (ch == '.' || ch == '_' || ch == '-')) {
			return errs.Invalidf("invalid class %q: use 1–64 lower-case letters, digits, '.', '_' or '-'", c)
		}
	}
	return nil
}

// Validate checks a record's fields as intake and restore take them: a
// valid class, a creation time, subject and location as text without
// control characters, a size that is not negative, a SHA-256 of 64 hex
// digits (normalised to lower case) or none.
func Validate(r *Record) error {
	if err := ValidClass(r.Class); err != nil {
		return err
	}
	for _, t := range []struct{ name, v string }{{"subject", r.Subject}, {"location", r.Location}} {
		switch {
		case !utf8.ValidString(t.v):
			return errs.Invalidf("%s is not valid UTF-8", t.name)
		case utf8.RuneCountInString(t.v) > 4096:
			return errs.Invalidf("%s is longer than 4096 characters", t.name)
		case strings.ContainsFunc(t.v, func(r rune) bool { return r < 0x20 || (r >= 0x7f && r <= 0x9f) }):
			return errs.Invalidf("%s contains control characters: %q", t.name, t.v)
		}
	}
	if r.Size < 0 {
		return errs.Invalidf("size %d is negative", r.Size)
	}
	if r.SHA256 != "" {
		if b, err := hex.DecodeString(r.SHA256); err != nil || len(b) != 32 {
			return errs.Invalidf("sha256 %q is not 64 hex digits", r.SHA256)
		}
		r.SHA256 = strings.ToLower(r.SHA256)
	}
	if r.CreatedAt.IsZero() {
		return errs.Invalidf("created is required")
	}
	return nil
}
