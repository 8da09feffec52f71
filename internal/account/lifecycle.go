package account

import (
	"time"

	"github.com/custos-dev/custos/internal/errs"
)

// Apply moves a through action at now and returns the account as it is
// afterwards, with reason as its state reason, and whether anything
// changed. Doing what is already done (freezing a frozen account, revoking
// a revoked one, rejecting a rejected request) changes nothing: the
// account comes back as it was and changed is false. A state that does not
// allow action is a conflict naming the account.
func Apply(a Account, action Action, reason string, now time.Time) (Account, bool, error) {
	next, err := Transition(a.State, action)
	if err != nil {
		return a, false, errs.Conflictf("%s: %v", a.Username, err)
	}
	if next == a.State {
		return a, false, nil
	}
	a.State, a.UpdatedAt, a.StateReason = next, now, reason
	return a, true, nil
}

// Activate makes an approved account active, or re-activates a frozen
// one, at now; it returns the account afterwards and which of the two it
// did.
//   - Activation needs the reference of the usage agreement the user
//     signed; re-activation needs a reason, and keeps the agreement it had
//     unless a new reference is given.
//   - Either way the user must change the initial password at first login.
//   - Re-activation clears the incident the account was frozen under; the
//     caller must first check that no open incident still names it.
//   - Any other state is a conflict: an active account is not activated
//     twice.
func Activate(a Account, agreementRef, reason string, now time.Time) (Account, Action, error) {
	action := ActionActivate
	switch a.State {
	case Frozen:
		if reason == "" {
			return a, "", errs.Invalidf("%s is frozen; re-activating it needs a reason", a.Username).WithField("reason")
		}
		action = ActionReactivate
		if agreementRef != "" {
			a.AgreementRef = agreementRef
		}
		a.Incident = ""
	case Approved:
		if agreementRef == "" {
			return a, "", errs.Invalidf("activating %s needs an agreement reference: the reference of the usage agreement the user signed", a.Username).WithField("agreement-ref")
		}
		a.AgreementRef = agreementRef
	}
	next, _, err := Apply(a, action, reason, now)
	if err != nil {
		return a, "", err
	}
	next.MustChangePassword = true
	return next, action, nil
}

// Freeze suspends an active account at now, under incident when one is
// given; freezing a frozen account changes nothing, not even the incident
// it was frozen under.
func Freeze(a Account, reason, incident string, now time.Time) (Account, bool, error) {
	next, changed, err := Apply(a, ActionFreeze, reason, now)
	if changed {
		next.Incident = incident
	}
	return next, changed, err
}

// Expire freezes an active account whose last day (Until) has passed; the
// caller selects the accounts that are due.
func Expire(a Account, now time.Time) (Account, bool, error) {
	return Apply(a, ActionFreeze, "expired: last day was "+a.Until, now)
}

// Restore re-activates at now an account frozen by incident id when the
// incident is closed with restore: the user must change the password, and
// the account no longer carries the incident. The caller checks that no
// other open incident names it.
func Restore(a Account, id string, now time.Time) (Account, error) {
	next, _, err := Apply(a, ActionReactivate, "restored after incident "+id, now)
	if err != nil {
		return a, err
	}
	next.MustChangePassword, next.Incident = true, ""
	return next, nil
}

// PendingStages are the approval stages, in policy order, that no
// approval in given has supplied yet.
func PendingStages(stages []string, given []Approval) []string {
	var out []string
	for _, s := range stages {
		done := false
		for _, g := range given {
			done = done || g.Stage == s
		}
		if !done {
			out = append(out, s)
		}
	}
	return out
}
