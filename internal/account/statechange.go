package account

import "strings"

// StateChange is one change of an account's state, as an audit entry
// records it: the object state:USERNAME:FROM:TO among the entry's
// objects, inside the hash chain. From is "" when the change made the
// account (account request).
type StateChange struct {
	Username string
	From, To State
}

// statePrefix begins every state-change object.
const statePrefix = "state:"

// Object is the audit object of the change: state:USERNAME:FROM:TO.
// Usernames, states and the prefix hold no colon, so it parses back
// unambiguously.
func (c StateChange) Object() string {
	return statePrefix + c.Username + ":" + string(c.From) + ":" + string(c.To)
}

// StateObjectPrefix is the prefix of the state-change objects of one
// account, or of every account when username is "".
func StateObjectPrefix(username string) string {
	if username == "" {
		return statePrefix
	}
	return statePrefix + username + ":"
}

// ParseStateChange reads a state-change object; ok is false for any
// other object.
func ParseStateChange(object string) (c StateChange, ok bool) {
	rest, ok := strings.CutPrefix(object, statePrefix)
	if !ok {
		return c, false
	}
	parts := strings.Split(rest, ":")
	if len(parts) != 3 || parts[0] == "" || parts[2] == "" {
		return c, false
	}
	return StateChange{Username: parts[0], From: State(parts[1]), To: State(parts[2])}, true
}

// Then is the net change of c followed by next, a change of the same
// account: A→B then B→C is A→C. ok is false when the two cancel out
// (A→B then B→A): the account ends where it began.
func (c StateChange) Then(next StateChange) (net StateChange, ok bool) {
	net = StateChange{Username: c.Username, From: c.From, To: next.To}
	return net, net.From != net.To
}
