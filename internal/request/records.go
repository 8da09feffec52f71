package request

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/operator"
	"github.com/custos-dev/custos/internal/policy"
)

// The kinds of request that change what records are kept: shortening a
// retention schedule, and releasing a legal hold. Both let records be
// purged sooner, so an officer (or an admin) other than the one who asks
// approves them; lengthening a schedule and placing a hold keep records
// longer and apply at once.
const (
	KindRetention   = "retention"
	KindHoldRelease = "hold-release"
	// StageOfficer is given by an officer or an admin.
	StageOfficer = "officer"
)

// KeyChangeApproval says whether retention shortening and hold releases
// need an officer's approval.
const KeyChangeApproval = "records.change_approval"

func init() {
	policy.Register(policy.Key{Name: KeyChangeApproval, Default: "required",
		Doc: "Whether shortening a retention schedule and releasing a legal hold need an officer's or admin's approval as a request: required (default) or none (they apply at once).",
		Normalize: func(s string) (string, error) {
			switch v := strings.ToLower(strings.TrimSpace(s)); v {
			case "required", "none":
				return v, nil
			}
			return "", errs.Invalidf("%q is not required or none", s)
		}})
}

// Kinds are every kind of request, for --kind.
var Kinds = []string{KindAccess, KindRetention, KindHoldRelease, KindRetentionLock, KindPurge, KindLookup, KindClearance, KindTransfer, KindClassification}

// RetentionChange is the payload of a retention request: the schedule
// asked for, and the one it replaces.
type RetentionChange struct {
	Class       string `json:"class"`
	Retain      string `json:"retain"`
	Was         string `json:"was"`
	Description string `json:"description,omitempty"`
}

// Payload is the change's canonical JSON.
func (c RetentionChange) Payload() string { b, _ := json.Marshal(c); return string(b) }

// HoldRelease is the payload of a hold-release request.
type HoldRelease struct {
	Hold   string `json:"hold"`
	Reason string `json:"reason"`
}

// Payload is the change's canonical JSON.
func (c HoldRelease) Payload() string { b, _ := json.Marshal(c); return string(b) }

// OfficerEligible: the officer stage is for officers and admins.
func OfficerEligible(op *operator.Operator) func(stage string) error {
	return func(stage string) error {
		if stage == StageOfficer && op.HasAny(operator.Officer, operator.Admin) {
			return nil
		}
		return errs.Deniedf("%s may not give the %s stage: it needs the role officer or admin", op.Name, stage)
	}
}

// Describe is a request's change in words, for listings.
func Describe(kind, payload string) string {
	switch kind {
	case KindAccess:
		if c, err := ParseAccessChange(payload); err == nil {
			s := c.Role + " on " + c.Resource + " for " + c.Username
			if c.Until != "" {
				s += " until " + c.Until
			}
			return s
		}
	case KindRetention:
		var c RetentionChange
		if json.Unmarshal([]byte(payload), &c) == nil {
			return "keep " + c.Class + " for " + c.Retain + " instead of " + c.Was
		}
	case KindHoldRelease:
		var c HoldRelease
		if json.Unmarshal([]byte(payload), &c) == nil {
			return "release hold " + c.Hold
		}
	case KindRetentionLock:
		var c RetentionLock
		if json.Unmarshal([]byte(payload), &c) == nil {
			return "lock the retention of " + c.Class + " at " + c.Retain + " at least"
		}
	case KindPurge:
		if p, err := ParsePurgePlan(payload); err == nil {
			scope := "every scheduled class"
			if p.Class != "" {
				scope = p.Class
			}
			files := ""
			if p.DeleteFiles {
				files = " and destroy their files"
			}
			return fmt.Sprintf("purge %d record(s) of %s due as of %s%s (set %s)", p.Count, scope, p.AsOf.UTC().Format("2006-01-02"), files, short(p.SetSHA256))
		}
	case KindLookup:
		if l, err := ParseLookup(payload); err == nil {
			return l.describe()
		}
	}
	if s, ok := describeAccount(kind, payload); ok {
		return s
	}
	return payload
}
