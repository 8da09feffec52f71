package request

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/policy"
)

// The kinds of request that decide what records are destroyed or kept for
// good: a purge plan (the clean-up plan senior management approves before
// it runs) and a retention lock. Both need the officer stage.
const (
	KindPurge         = "purge"
	KindRetentionLock = "retention-lock"
)

// KeyPurgeApproval says whether a purge needs an approved plan.
const KeyPurgeApproval = "records.purge_approval"

func init() {
	policy.Register(policy.Key{Name: KeyPurgeApproval, Default: "required",
		Doc: "Whether a purge needs a plan approved by an officer or admin other than its requester (records purge --plan, then --apply): required (default) or none (records purge deletes at once).",
		Normalize: func(s string) (string, error) {
			switch v := strings.ToLower(strings.TrimSpace(s)); v {
			case "required", "none":
				return v, nil
			}
			return "", errs.Invalidf("%q is not required or none", s)
		}})
}

// PlanClass is one class of a purge plan: how many records, and the
// creation times of the oldest and the newest.
type PlanClass struct {
	Class  string    `json:"class"`
	Count  int64     `json:"count"`
	Oldest time.Time `json:"oldest"`
	Newest time.Time `json:"newest"`
}

// PurgePlan is the payload of a purge plan: its scope and the exact set of
// record ids it would purge, by the order-independent SHA-256 of the set
// (records.IDSet.Hash), so that an approval names the very records
// approved.
type PurgePlan struct {
	Class     string      `json:"class,omitempty"`
	AsOf      time.Time   `json:"as_of"`
	SetSHA256 string      `json:"set_sha256"`
	Count     int64       `json:"count"`
	Classes   []PlanClass `json:"classes"`
	// DeleteFiles: the purge destroys the records' files too (records
	// purge --plan --delete-files), which the officer approves with it.
	DeleteFiles bool   `json:"delete_files"`
	Reason      string `json:"reason"`
}

// Payload is the plan's canonical JSON.
func (p PurgePlan) Payload() string { b, _ := json.Marshal(p); return string(b) }

// ParsePurgePlan reads a plan's payload back.
func ParsePurgePlan(payload string) (PurgePlan, error) {
	var p PurgePlan
	err := json.Unmarshal([]byte(payload), &p)
	return p, err
}

// RetentionLock is the payload of a retention lock: the period that
// becomes a minimum nobody can shorten again.
type RetentionLock struct {
	Class  string `json:"class"`
	Retain string `json:"retain"`
	Reason string `json:"reason"`
}

// Payload is the lock's canonical JSON.
func (c RetentionLock) Payload() string { b, _ := json.Marshal(c); return string(b) }

// AppliedLater reports whether a kind is carried out by a later command
// once approved (a purge plan by records purge --apply, a look-up by
// records lookup show) rather than in the transaction of its last
// approval.
func AppliedLater(kind string) bool { return kind == KindPurge || kind == KindLookup }

// CheckApply decides whether an approved request may be carried out now by
// the command that carries out its kind: it must be of that kind and
// approved, its payload must still have the hash its approvals name, and
// every stage must be approved for that hash. A request changed after its
// approval is never carried out. A state that does not allow it is exit 5.
func CheckApply(r *Request, kind string, now time.Time) error {
	if r.Kind != kind {
		return errs.Invalidf("%s is a %s request, not a %s", r.ID, r.Kind, kind)
	}
	switch r.StateAt(now) {
	case Approved:
	case Pending:
		return errs.Conflictf("%s is not approved yet: it still needs %s", r.ID, strings.Join(r.PendingStages(), ", ")).
			WithHint("custos request show %s", r.ID)
	case Expired:
		return errs.Conflictf("%s expired on %s without its approvals; ask again", r.ID, r.ExpiresAt.UTC().Format("2006-01-02"))
	case Applied:
		return errs.Conflictf("%s was already carried out: %s", r.ID, r.Outcome)
	default:
		return errs.Conflictf("%s is %s, not approved", r.ID, r.State)
	}
	if got := Hash(r.Payload); got != r.SHA256 {
		return errs.Integrityf("the change of %s does not have the SHA-256 it was requested with (%s, now %s); it is not carried out", r.ID, short(r.SHA256), short(got))
	}
	if p := r.PendingStages(); len(p) > 0 {
		return errs.Integrityf("%s is marked approved but its %s stage has no approval of its change; it is not carried out", r.ID, strings.Join(p, ", "))
	}
	return nil
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// SetDifference is how a purge plan's set and the records due now differ:
// Held are in the plan but held since (skipped, not a refusal); Extra are
// due now but not in the plan (restored, added, or a rule changed);
// Missing are in the plan but no longer due for another reason (gone, a
// schedule lengthened), with that reason.
type SetDifference struct {
	Held    []int64
	Extra   []int64
	Missing map[int64]string
}

// CheckPlanSet refuses a plan whose set changed other than by holds,
// naming the first few differences.
func CheckPlanSet(id string, d SetDifference) error {
	if len(d.Extra) == 0 && len(d.Missing) == 0 {
		return nil
	}
	var parts []string
	if n := len(d.Extra); n > 0 {
		parts = append(parts, fmt.Sprintf("%d record(s) due now are not in the plan (%s)", n, ids(d.Extra)))
	}
	if n := len(d.Missing); n > 0 {
		keys := make([]int64, 0, n)
		for k := range d.Missing {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		first := keys[0]
		parts = append(parts, fmt.Sprintf("%d record(s) of the plan are no longer due (%s; record %d: %s)", n, ids(keys), first, d.Missing[first]))
	}
	return errs.Conflictf("the records of %s changed since it was approved: %s; nothing was purged", id, strings.Join(parts, "; ")).
		WithHint("make a new plan: custos records purge --plan --reason TEXT")
}

func ids(v []int64) string {
	slices.Sort(v)
	var b strings.Builder
	for i, id := range v {
		if i == 5 {
			fmt.Fprintf(&b, ", …")
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%d", id)
	}
	return b.String()
}
