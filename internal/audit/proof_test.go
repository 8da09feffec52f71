package audit

import (
	"encoding/json"
	"testing"

	"github.com/custos-dev/custos/internal/errs"
)

// A proof round-trips through JSON; an edited entry, a wrong leaf or a
// wrong root do not verify.
func TestProofCheck(t *testing.T) {
	var es []*Entry
	prev, prevHash := int64(0), GenesisHash
	for i := range 9 {
		e := &Entry{At: "2026-11-30T10:00:00.000000000Z", RealOperator: "ana", Operator: "ana", Host: "h", PID: int64(i),
			Command: "operator add", Args: EncodeList([]string{"operator", "add", "<b&o>"}), Outcome: "ok", Objects: EncodeList([]string{"operator:bo"})}
		e.Seal(prev, prevHash)
		prev, prevHash = e.Seq, e.Hash
		es = append(es, e)
	}
	m := newMemTree()
	for _, e := range es {
		m.append(t, e.LeafHash())
	}
	root, _ := RootAt(9, m.read)
	hashes, _ := InclusionProof(4, 9, m.read)
	p := Proof{Entry: es[4].ToJSON(), LeafIndex: 4, TreeSize: 9, RootHash: EncodeHashes([][]byte{root})[0], Inclusion: EncodeHashes(hashes)}
	b, _ := json.Marshal(p)
	var back Proof
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if e, err := back.Check(); err != nil || e.Hash != es[4].Hash {
		t.Fatalf("%v %v", e, err)
	}
	edited := back
	edited.Entry.Host = "x"
	if _, err := edited.Check(); errs.CodeOf(err) != errs.Integrity {
		t.Errorf("edited entry: %v", err)
	}
	moved := back
	moved.LeafIndex = 3
	if _, err := moved.Check(); errs.CodeOf(err) != errs.Integrity {
		t.Errorf("wrong leaf: %v", err)
	}
	other := back
	r8, _ := RootAt(8, m.read)
	other.RootHash = EncodeHashes([][]byte{r8})[0]
	if _, err := other.Check(); errs.CodeOf(err) != errs.Integrity {
		t.Errorf("wrong root: %v", err)
	}
}

// A missing error is null in a proof, as in audit export, and an entry
// with or without one reads back as the entry that was hashed.
func TestEntryJSONError(t *testing.T) {
	for _, msg := range []string{"", "store is busy"} {
		e := &Entry{At: "2026-11-30T10:00:00.000000000Z", Operator: "ana", Command: "audit verify",
			Args: EncodeList(nil), Outcome: "ok", Objects: EncodeList(nil), Error: msg}
		e.Seal(0, GenesisHash)
		b, _ := json.Marshal(e.ToJSON())
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		if want := any(msg); msg == "" && m["error"] != nil || msg != "" && m["error"] != want {
			t.Errorf("error %q is written as %#v", msg, m["error"])
		}
		var back EntryJSON
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		got, err := back.Entry()
		if err != nil || got.ComputeHash() != e.Hash {
			t.Errorf("error %q does not read back as the hashed entry: %v", msg, err)
		}
	}
}
