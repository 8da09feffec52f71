// Package audit defines the audit log entry, the canonical encoding its hash
// is computed over, the chain verifier and signed checkpoints.
//
// Every entry's hash is SHA-256 over a canonical encoding of all its other
// fields, the previous entry's hash among them, so editing, deleting,
// inserting or reordering any entry breaks the chain at that entry. A
// checkpoint (the head's sequence number and hash, kept somewhere else)
// catches the one change the chain alone cannot: cutting off the tail.
package audit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/transparency-dev/merkle/compact"

	"github.com/custos-dev/custos/internal/errs"
)

// GenesisHash is the previous hash of the first entry.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// TimeFormat is how entry times are stored: UTC, nanoseconds, fixed width,
// so that text order is time order.
const TimeFormat = "2006-01-02T15:04:05.000000000Z"

// Entry is one audit log entry, with every field as it is stored: the hash
// covers exactly these strings, so a change to any stored byte shows.
type Entry struct {
	Seq int64
	// At is the UTC time in TimeFormat.
	At string
	// RealOperator is the OS login name of the process.
	RealOperator string
	// Operator is the effective operator: RealOperator, or the name given to --as.
	Operator string
	Host     string
	PID      int64
	// Command is the command path without "custos", e.g. "operator add".
	Command string
	// Args is the argument vector as a JSON array, secrets redacted.
	Args string
	// Outcome is ok, invalid, not_found, denied, conflict, integrity, busy,
	// interrupted or error.
	Outcome  string
	ExitCode int64
	// Error is the error message of a failed invocation.
	Error string
	// Objects is a JSON array of the objects touched, e.g. ["operator:alice"].
	Objects  string
	PrevHash string
	Hash     string
}

// EncodeList encodes args or objects for an entry.
func EncodeList(items []string) string {
	if len(items) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(items)
	return string(b)
}

// DecodeList decodes Args or Objects; a malformed list decodes as one item.
func DecodeList(s string) []string {
	var out []string
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return []string{s}
	}
	return out
}

// Time parses At.
func (e *Entry) Time() time.Time {
	t, _ := time.Parse(time.RFC3339Nano, e.At)
	return t
}

// FormatTime formats t as an entry time.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeFormat) }

// canonicalVersion names the encoding, so a future change of encoding can
// never be confused with this one.
const canonicalVersion = "custos-audit-v1"

// AppendCanonical appends the canonical encoding of every field but Hash:
// each field as its decimal byte length, ':', the bytes, ','. Length
// prefixes make the encoding unambiguous whatever the fields contain.
func (e *Entry) AppendCanonical(b []byte) []byte {
	field := func(s string) {
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
		b = append(b, ',')
	}
	num := func(n int64) {
		var tmp [20]byte
		field(string(strconv.AppendInt(tmp[:0], n, 10)))
	}
	field(canonicalVersion)
	num(e.Seq)
	field(e.At)
	field(e.RealOperator)
	field(e.Operator)
	field(e.Host)
	num(e.PID)
	field(e.Command)
	field(e.Args)
	field(e.Outcome)
	num(e.ExitCode)
	field(e.Error)
	field(e.Objects)
	field(e.PrevHash)
	return b
}

// ComputeHash returns the hex SHA-256 of the canonical encoding.
func (e *Entry) ComputeHash() string {
	var buf [512]byte
	sum := sha256.Sum256(e.AppendCanonical(buf[:0]))
	return hex.EncodeToString(sum[:])
}

// Seal sets PrevHash and Hash, making e the successor of the entry with
// sequence prevSeq and hash prevHash (0 and GenesisHash for the first).
func (e *Entry) Seal(prevSeq int64, prevHash string) {
	e.Seq = prevSeq + 1
	e.PrevHash = prevHash
	e.Hash = e.ComputeHash()
}

// Verifier checks entries one at a time, in sequence order.
//
// A long log can also be checked in segments, each by its own Verifier
// from NewSegment, possibly at the same time; Join then checks the seams
// between them in order and finds the same first break, with the same
// message, as one Verifier reading the whole log.
type Verifier struct {
	next int64
	// prev is the hash of the last entry checked (copied: the entry's
	// strings may point into memory reused for the next row).
	prev []byte
	// A segment takes its first entry's sequence number and previous hash
	// as given; Join checks them against the entry before.
	segment   bool
	started   bool
	firstSeq  int64
	firstPrev string
	buf       []byte
	// Count is the number of entries checked so far.
	Count int64

	// MaxSkew, when positive, is how far an entry's time may go back
	// from the latest time before it before the entry is listed in
	// Skews: entries are timed by the clock of the host that ran the
	// command, and a host with a wrong clock shows as times that go
	// backwards. The chain is intact either way.
	MaxSkew time.Duration
	// Skews lists such entries (the first maxSkews of them), SkewCount
	// counts them all.
	Skews     []Skew
	SkewCount int64
	latest    string
	// The earliest entry of a segment, which Join compares with the
	// latest time before the segment.
	earliest     string
	earliestSeq  int64
	earliestHost string

	// tree is the Merkle tree's compact range over the entries checked
	// (for a segment, from its first entry on), so that a full check also
	// yields the root the stored tree must have.
	tree *compact.Range
	// RootAt, when positive, asks for the root of the tree of the first
	// RootAt entries, kept in RootAtHash when the check passes that entry
	// (for one verifier reading a whole log, e.g. an export).
	RootAt     int64
	RootAtHash []byte
}

// Skew is an entry whose time is earlier than the latest time of the
// entries before it by Behind, more than the verifier's MaxSkew.
type Skew struct {
	Seq    int64
	Host   string
	Behind time.Duration
}

// maxSkews bounds the list of skewed entries a verifier keeps.
const maxSkews = 20

// NewVerifier starts at the genesis.
func NewVerifier() *Verifier {
	return &Verifier{next: 1, prev: []byte(GenesisHash), tree: rangeFactory.NewEmptyRange(0)}
}

// NewSegment starts a verifier for a run of entries whose predecessor is
// checked later, by Join.
func NewSegment() *Verifier { return &Verifier{segment: true} }

// Segment is NewSegment with v's settings (MaxSkew).
func (v *Verifier) Segment() *Verifier { return &Verifier{segment: true, MaxSkew: v.MaxSkew} }

// Check verifies that e follows the entries checked before it. The error
// names the first bad entry and what is wrong with it. Check keeps no
// reference to e or its strings.
func (v *Verifier) Check(e *Entry) error {
	if v.segment && !v.started {
		v.started = true
		v.firstSeq, v.firstPrev = e.Seq, string([]byte(e.PrevHash))
		v.next, v.prev = e.Seq, append(v.prev[:0], e.PrevHash...)
		if e.Seq >= 1 {
			v.tree = rangeFactory.NewEmptyRange(uint64(e.Seq - 1))
		}
	}
	if err := v.follows(e.Seq, e.PrevHash); err != nil {
		return err
	}
	// The buffer starts with RFC 6962's leaf prefix, so that the entry's
	// hash and its leaf hash are taken over the same bytes.
	v.buf = e.AppendCanonical(append(v.buf[:0], 0))
	sum := sha256.Sum256(v.buf[1:])
	var hx [2 * sha256.Size]byte
	hex.Encode(hx[:], sum[:])
	if string(hx[:]) != e.Hash {
		return Edited(e.Seq)
	}
	v.next++
	v.prev = append(v.prev[:0], e.Hash...)
	v.Count++
	if v.tree != nil {
		leaf := sha256.Sum256(v.buf)
		_ = v.tree.Append(leaf[:], nil)
		if v.RootAt > 0 && e.Seq == v.RootAt {
			v.RootAtHash = rootOf(v.tree)
		}
	}
	if v.MaxSkew > 0 {
		v.checkTime(e.Seq, e.At, e.Host)
	}
	return nil
}

// checkTime notes an entry whose time goes back more than MaxSkew. Times
// are fixed-width UTC text, so they compare as strings; only an entry that
// goes back is parsed.
func (v *Verifier) checkTime(seq int64, at, host string) {
	if v.earliest == "" || at < v.earliest {
		v.earliest, v.earliestSeq, v.earliestHost = strings.Clone(at), seq, strings.Clone(host)
	}
	switch {
	case at > v.latest:
		v.latest = strings.Clone(at)
	case at < v.latest:
		v.noteSkew(seq, at, v.latest, host)
	}
}

func (v *Verifier) noteSkew(seq int64, at, latest, host string) {
	t, err1 := time.Parse(time.RFC3339Nano, at)
	l, err2 := time.Parse(time.RFC3339Nano, latest)
	if err1 != nil || err2 != nil || l.Sub(t) <= v.MaxSkew {
		return
	}
	for _, s := range v.Skews {
		if s.Seq == seq {
			return
		}
	}
	v.SkewCount++
	if len(v.Skews) < maxSkews {
		v.Skews = append(v.Skews, Skew{Seq: seq, Host: strings.Clone(host), Behind: l.Sub(t)})
	}
}

// follows checks that an entry with sequence number seq and previous hash
// prev comes right after the last entry checked.
func (v *Verifier) follows(seq int64, prev string) error {
	switch {
	case seq > v.next:
		return errs.Integrityf("audit log broken at entry %d: entries %d to %d are missing", v.next, v.next, seq-1)
	case seq < v.next:
		return errs.Integrityf("audit log broken at entry %d: sequence number %d is out of order", v.next, seq)
	case prev != string(v.prev):
		return errs.Integrityf("audit log broken at entry %d: it does not follow entry %d (entries deleted, inserted or reordered)", seq, seq-1)
	}
	return nil
}

// Edited is the break of an entry whose stored contents do not match its
// hash.
func Edited(seq int64) error {
	return errs.Integrityf("audit log broken at entry %d: its contents do not match its hash (the entry was edited)", seq)
}

// Join continues v with the segment s, the next run of entries after those
// v has checked; sErr is the first break s found, if any. It checks the
// seam first, as Check would have checked s's first entry, so the break
// it returns is the one a single verifier would have found first. An
// empty segment joins as nothing.
func (v *Verifier) Join(s *Verifier, sErr error) error {
	if s.started {
		if err := v.follows(s.firstSeq, s.firstPrev); err != nil {
			return err
		}
	}
	if sErr != nil {
		return sErr
	}
	if s.Count > 0 {
		if v.tree != nil && s.tree != nil {
			if err := v.tree.AppendRange(s.tree, nil); err != nil {
				return errs.Integrityf("audit log broken at entry %d: %v", s.firstSeq, err)
			}
		} else {
			v.tree = nil
		}
		v.next = s.next
		v.prev = append(v.prev[:0], s.prev...)
		v.Count += s.Count
	}
	if v.MaxSkew > 0 && s.earliest != "" {
		for _, k := range s.Skews {
			if !slices.ContainsFunc(v.Skews, func(x Skew) bool { return x.Seq == k.Seq }) {
				if v.SkewCount++; len(v.Skews) < maxSkews {
					v.Skews = append(v.Skews, k)
				}
			}
		}
		v.SkewCount += s.SkewCount - int64(len(s.Skews))
		// Across the seam, the segment's earliest entry stands for it
		// (unless the segment named it already, measured from a later
		// time within it).
		if v.latest != "" && s.earliest < v.latest {
			v.noteSkew(s.earliestSeq, s.earliest, v.latest, s.earliestHost)
		}
		if s.latest > v.latest {
			v.latest = s.latest
		}
		if v.earliest == "" {
			v.earliest, v.earliestSeq, v.earliestHost = s.earliest, s.earliestSeq, s.earliestHost
		}
	}
	return nil
}

// Broken is the break of a chain whose last good entry is next-1, before
// the head.
func Broken(next, head int64) error {
	return errs.Integrityf("audit log broken at entry %d: the chain ends before the head (%d)", next, head)
}

// Root returns the Merkle root of the entries checked, which must start
// at the genesis; nil when they do not.
func (v *Verifier) Root() []byte {
	if v.tree == nil || v.tree.Begin() != 0 {
		return nil
	}
	return rootOf(v.tree)
}

// Head returns the sequence number and hash of the last entry checked.
func (v *Verifier) Head() (int64, string) { return v.next - 1, string(v.prev) }

// Checkpoint is the head of the log at a point in time, to be kept outside
// the store. When signed, Signature is the hex HMAC-SHA256 of its fields
// under the key in CUSTOS_AUDIT_KEY.
type Checkpoint struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
	Time string `json:"time"`
	// Org is the organisation's name (policy org.name), if set.
	Org       string `json:"org,omitempty"`
	Signature string `json:"signature,omitempty"`
}

func (c *Checkpoint) mac(key []byte) string {
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s\n%d\n%s\n%s\n%q\n", "custos-checkpoint-v1", c.Seq, c.Hash, c.Time, c.Org)
	return hex.EncodeToString(m.Sum(nil))
}

// Sign sets the signature.
func (c *Checkpoint) Sign(key []byte) { c.Signature = c.mac(key) }

// CheckSignature verifies the signature under key. With no key, an unsigned
// checkpoint passes and a signed one cannot be checked. With a key, the
// checkpoint must be signed with it: an attacker who rewrote the store could
// otherwise hand over a fresh unsigned checkpoint.
func (c *Checkpoint) CheckSignature(key []byte) error {
	switch {
	case len(key) == 0 && c.Signature != "":
		return errs.Invalidf("the checkpoint is signed: set CUSTOS_AUDIT_KEY to the key it was signed with")
	case len(key) == 0:
		return nil
	case c.Signature == "":
		return errs.Integrityf("the checkpoint is not signed, but CUSTOS_AUDIT_KEY is set: it may have been replaced")
	case !hmac.Equal([]byte(c.Signature), []byte(c.mac(key))):
		return errs.Integrityf("the checkpoint's signature does not match CUSTOS_AUDIT_KEY: it was altered or signed with another key")
	}
	return nil
}

// ParseCheckpoint reads a checkpoint file's contents.
func ParseCheckpoint(b []byte) (*Checkpoint, error) {
	var c Checkpoint
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, errs.Invalidf("not a custos checkpoint: %v", err)
	}
	if c.Seq < 0 || (c.Seq > 0 && len(c.Hash) != 64) || c.Time == "" {
		return nil, errs.Invalidf("not a custos checkpoint: seq, hash and time are required")
	}
	return &c, nil
}

// CheckAgainst verifies that the entry the checkpoint names is still in the
// log with the same hash. head is the log's last sequence number; hashAt
// returns the stored hash of an entry the verifier has already passed.
func (c *Checkpoint) CheckAgainst(head int64, hashAt string) error {
	if c.Seq > head {
		return errs.Integrityf("audit log truncated: the checkpoint names entry %d but the log ends at entry %d", c.Seq, head)
	}
	if c.Seq > 0 && hashAt != c.Hash {
		return errs.Integrityf("audit log broken at entry %d: it does not match the checkpoint (the log was rewritten)", c.Seq)
	}
	return nil
}

// Notes says what an entry's hashed fields show beyond its outcome, for
// people reading the log: "dry run" when its arguments asked for one (so it
// changed nothing, though it looks like the real run otherwise), and
// "proxy" when an approval was given through --as by someone other than
// the operator it names. Both are read from sealed fields, so they cannot
// be changed without breaking the chain.
func (e *Entry) Notes() []string {
	var notes []string
	for _, a := range DecodeList(e.Args) {
		v, ok := strings.CutPrefix(a, "--dry-run")
		if !ok {
			continue
		}
		if v == "" {
			notes = append(notes, "dry run")
			break
		}
		if v, ok = strings.CutPrefix(v, "="); ok {
			if b, err := strconv.ParseBool(v); err == nil && b {
				notes = append(notes, "dry run")
				break
			}
		}
	}
	if e.Outcome == "ok" && e.RealOperator != e.Operator && strings.HasSuffix(e.Command, " approve") {
		notes = append(notes, "proxy")
	}
	return notes
}
