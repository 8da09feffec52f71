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

// MergeStateChange adds the change c to the changes one transaction made
// so far, as objects: a second change of the same account becomes their
// net change (A→B then B→C is A→C; A→B then B→A is none), so an entry
// never holds two changes of one account whose order it cannot tell.
func MergeStateChange(objects []string, c StateChange) []string {
	for i, o := range objects {
		prev, ok := ParseStateChange(o)
		if !ok || prev.Username != c.Username {
			continue
		}
		if prev.From == c.To {
			return append(objects[:i:i], objects[i+1:]...)
		}
		objects[i] = StateChange{Username: c.Username, From: prev.From, To: c.To}.Object()
		return objects
	}
	if c.From == c.To {
		return objects
	}
	return append(objects, c.Object())
}
