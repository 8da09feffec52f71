// Package request is the one request-and-approval engine of custos: a
// change that needs approval is recorded as a request holding the exact
// change (a canonical payload and its SHA-256), who asked and why, and the
// stages the organisation's policy requires; approvals name the payload
// they approve, and the change is applied, every rule checked again, in
// the transaction of the last approval. The rules here are pure: the store
// keeps requests, and each kind's package says who may give which stage
// and what applying means.
package request

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/policy"
)

// KeyExpireDays is how long a request may wait for its approvals.
const KeyExpireDays = "request.expire_days"

func init() {
	policy.Register(policy.Key{Name: KeyExpireDays, Default: "14",
		Doc:       "Days a request may stay pending before it expires and must be asked again (1 to 365; default 14).",
		Normalize: policy.Count("days", 1, 365)})
}

// State is where a request is in its life.
type State string

// The states of a request: pending → approved → applied, or rejected,
// withdrawn, expired. A request whose last approval could not be applied
// stays approved, with the reason in Outcome.
const (
	Pending   State = "pending"
	Approved  State = "approved"
	Applied   State = "applied"
	Rejected  State = "rejected"
	Withdrawn State = "withdrawn"
	Expired   State = "expired"
)

// Approval is one stage given to a request.
type Approval struct {
	Stage  string
	By     account.Party
	At     time.Time
	Reason string
	// PayloadSHA256 is the hash of the change approved: an approval of
	// another change never counts.
	PayloadSHA256 string
	Proxy         bool
}

// Request is one change awaiting, or past, approval.
type Request struct {
	ID        string
	Kind      string
	Payload   string
	SHA256    string
	Requester account.Party
	Reason    string
	Stages    []string
	Approvals []Approval
	State     State
	CreatedAt time.Time
	ExpiresAt time.Time
	// ClosedAt is when the request left pending: approved, rejected,
	// withdrawn, or applied.
	ClosedAt time.Time
	// Outcome says what became of an applied, rejected or failed request.
	Outcome string
}

// Hash is the SHA-256 of a canonical payload, in hex.
func Hash(payload string) string {
	sum := sha256.Sum256([]byte(payload))
	return hex.EncodeToString(sum[:])
}

// FormatID is a request's id: REQ-2026-0001.
func FormatID(year int, seq int64) string { return fmt.Sprintf("REQ-%d-%04d", year, seq) }

// StateAt is the request's state at now: a pending request past its
// expiry is expired, whether or not that was recorded yet.
func (r *Request) StateAt(now time.Time) State {
	if r.State == Pending && !r.ExpiresAt.IsZero() && now.After(r.ExpiresAt) {
		return Expired
	}
	return r.State
}

// PendingStages are the stages still to give, in policy order. An
// approval counts only for the payload it approved.
func (r *Request) PendingStages() []string {
	var out []string
	for _, s := range r.Stages {
		if !slices.ContainsFunc(r.Approvals, func(a Approval) bool { return a.Stage == s && a.PayloadSHA256 == r.SHA256 }) {
			out = append(out, s)
		}
	}
	return out
}

// Decision is what CheckApprove allows.
type Decision struct {
	Stage string
	// Last: this approval completes the stages, and the change is applied.
	Last  bool
	Proxy bool
}

// CheckApprove decides whether by may give stage ("" to infer it: the one
// pending stage by is eligible for) to r at now. eligible says whether by
// may give a stage at all (the kind's rule: a department's manager, a
// resource's owner). The rules, in order: the request must be pending and
// not expired; the requester never approves, and one person gives at most
// one stage (account.CheckDuties, which counts the real operator too
// unless approval.proxy is allow); the stage must be one it still needs;
// then the kind's eligibility.
func CheckApprove(r *Request, by account.Party, stage string, eligible func(stage string) error, rule account.Proxy, now time.Time) (Decision, error) {
	var d Decision
	switch st := r.StateAt(now); st {
	case Pending:
	case Expired:
		return d, errs.Conflictf("%s expired on %s without its approvals; ask again", r.ID, r.ExpiresAt.UTC().Format("2006-01-02"))
	default:
		return d, errs.Conflictf("%s is %s, not pending", r.ID, st)
	}
	var given []account.StageGiven
	for _, a := range r.Approvals {
		if a.PayloadSHA256 == r.SHA256 {
			given = append(given, account.StageGiven{Stage: a.Stage, By: a.By})
		}
	}
	proxy, err := account.CheckDuties(rule, r.Requester, given, by, r.ID)
	if err != nil {
		return d, err
	}
	pending := r.PendingStages()
	if stage == "" {
		var can []string
		var why error
		for _, s := range pending {
			if err := eligible(s); err == nil {
				can = append(can, s)
			} else if why == nil {
				why = err
			}
		}
		switch {
		case len(can) == 1:
			stage = can[0]
		case len(can) > 1:
			return d, errs.Invalidf("%s may give more than one stage of %s (%s): name one with --stage", by, r.ID, strings.Join(can, ", ")).WithField("stage")
		case why != nil:
			return d, why
		default:
			return d, errs.Conflictf("%s has no stage left to give", r.ID)
		}
	}
	if !slices.Contains(r.Stages, stage) {
		return d, errs.Invalidf("%s needs the stages %s, not %s", r.ID, strings.Join(r.Stages, ", "), stage).WithField("stage")
	}
	if !slices.Contains(pending, stage) {
		return d, errs.Conflictf("the %s stage of %s was already given", stage, r.ID)
	}
	if err := eligible(stage); err != nil {
		return d, err
	}
	return Decision{Stage: stage, Last: len(pending) == 1, Proxy: proxy}, nil
}

// CheckClose decides whether by may reject (withdraw false) or withdraw
// r at now: a pending request is rejected by anyone eligible for one of
// its pending stages, and withdrawn by its requester or an admin, as is
// an approved purge plan or look-up not yet carried out, or an approved
// change that could not be applied.
func CheckClose(r *Request, by account.Party, withdraw, admin bool, eligible func(stage string) error, now time.Time) error {
	st := r.StateAt(now)
	if withdraw && st == Approved && (AppliedLater(r.Kind) || strings.HasPrefix(r.Outcome, "not applied")) {
		// An approved plan or look-up not yet carried out may still be
		// withdrawn, like a pending one: a plan whose records changed, a
		// look-up no longer needed.
		st = Pending
	}
	if st != Pending {
		return errs.Conflictf("%s is %s, not pending", r.ID, st)
	}
	if withdraw {
		if by.Operator == r.Requester.Operator || admin {
			return nil
		}
		return errs.Deniedf("only %s, who asked, or an admin may withdraw %s", r.Requester.Operator, r.ID)
	}
	for _, s := range r.PendingStages() {
		if eligible(s) == nil {
			return nil
		}
	}
	return errs.Deniedf("%s may give none of the stages %s still needs (%s), so may not reject it", by, r.ID, strings.Join(r.PendingStages(), ", "))
}
