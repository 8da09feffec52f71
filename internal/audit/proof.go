package audit

import (
	"bytes"
	"encoding/base64"
	"encoding/json"

	"github.com/custos-dev/custos/internal/errs"
)

// EntryJSON is an entry as `audit export -o jsonl` and proofs write it:
// args and objects as JSON arrays.
type EntryJSON struct {
	Seq          int64           `json:"seq"`
	Time         string          `json:"time"`
	RealOperator string          `json:"real_operator"`
	Operator     string          `json:"operator"`
	Host         string          `json:"host"`
	PID          int64           `json:"pid"`
	Command      string          `json:"command"`
	Args         json.RawMessage `json:"args"`
	Outcome      string          `json:"outcome"`
	ExitCode     int64           `json:"exit_code"`
	Error        *string         `json:"error"`
	Objects      json.RawMessage `json:"objects"`
	PrevHash     string          `json:"prev_hash"`
	Hash         string          `json:"hash"`
}

// ToJSON is e as EntryJSON. No error is null, as in audit export; the
// hash reads it back as the empty string it was.
func (e *Entry) ToJSON() EntryJSON {
	var msg *string
	if e.Error != "" {
		m := e.Error
		msg = &m
	}
	return EntryJSON{Seq: e.Seq, Time: e.At, RealOperator: e.RealOperator, Operator: e.Operator, Host: e.Host,
		PID: e.PID, Command: e.Command, Args: rawList(e.Args), Outcome: e.Outcome, ExitCode: e.ExitCode,
		Error: msg, Objects: rawList(e.Objects), PrevHash: e.PrevHash, Hash: e.Hash}
}

// rawList passes a stored JSON array through; anything else (never
// written by custos) as a JSON string.
func rawList(s string) json.RawMessage {
	if json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	b, _ := json.Marshal(s)
	return b
}

// storedList is the stored text of an args or objects field: the array
// re-encoded as custos encodes it, or the string as it was.
func storedList(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		return "", err
	}
	return EncodeList(list), nil
}

// Entry is the entry e stands for, with every field as stored.
func (e EntryJSON) Entry() (*Entry, error) {
	args, err := storedList(e.Args)
	if err != nil {
		return nil, errs.Invalidf("entry %d: args is not a list of strings", e.Seq)
	}
	objects, err := storedList(e.Objects)
	if err != nil {
		return nil, errs.Invalidf("entry %d: objects is not a list of strings", e.Seq)
	}
	out := &Entry{Seq: e.Seq, At: e.Time, RealOperator: e.RealOperator, Operator: e.Operator, Host: e.Host,
		PID: e.PID, Command: e.Command, Args: args, Outcome: e.Outcome, ExitCode: e.ExitCode,
		Objects: objects, PrevHash: e.PrevHash, Hash: e.Hash}
	if e.Error != nil {
		out.Error = *e.Error
	}
	return out, nil
}

// DecodeEntry reads one line of an `audit export -o jsonl` file.
func DecodeEntry(line []byte) (*Entry, error) {
	var j EntryJSON
	if err := json.Unmarshal(line, &j); err != nil {
		return nil, errs.Invalidf("not an audit export line: %v", err)
	}
	return j.Entry()
}

// Proof is what `audit prove` writes and `audit check-proof` reads: one
// entry, its place in the log, and the RFC 6962 inclusion proof that it
// is in the tree a checkpoint signed.
type Proof struct {
	Entry EntryJSON `json:"entry"`
	// LeafIndex is the entry's index in the tree: its seq - 1.
	LeafIndex int64 `json:"leaf_index"`
	// TreeSize is the number of entries of the tree proved against.
	TreeSize int64 `json:"tree_size"`
	// RootHash is that tree's root, base64 as in checkpoints.
	RootHash string `json:"root_hash"`
	// Inclusion is the proof's hashes, base64, from the leaf up.
	Inclusion []string `json:"inclusion_proof"`
	// Checkpoint is the signed checkpoint proved against, when one was
	// given.
	Checkpoint *string `json:"checkpoint"`
}

// Check verifies p on its own: the entry's own hash, and the inclusion
// proof against the root it names. It returns the entry.
func (p *Proof) Check() (*Entry, error) {
	e, err := p.Entry.Entry()
	if err != nil {
		return nil, err
	}
	if e.ComputeHash() != e.Hash {
		return nil, Edited(e.Seq)
	}
	if e.Seq != p.LeafIndex+1 || p.LeafIndex < 0 || p.LeafIndex >= p.TreeSize {
		return nil, errs.Integrityf("the proof names entry %d at leaf %d of a tree of %d: they do not agree", e.Seq, p.LeafIndex, p.TreeSize)
	}
	root, err := base64.StdEncoding.DecodeString(p.RootHash)
	if err != nil || len(root) != 32 {
		return nil, errs.Invalidf("the proof's root_hash is not a base64 SHA-256 hash")
	}
	hashes, err := DecodeHashes(p.Inclusion)
	if err != nil {
		return nil, err
	}
	return e, VerifyInclusion(uint64(p.LeafIndex), uint64(p.TreeSize), e.LeafHash(), hashes, root)
}
