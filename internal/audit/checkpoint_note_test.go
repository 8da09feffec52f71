package audit

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/testutil/golden"
)

// A checkpoint is the C2SP text, signed as a note; it opens with the
// log's verifier key only, and not with another key; a witness's
// cosignature keeps the log's.
func TestSignedCheckpoints(t *testing.T) {
	head := TreeHead{Origin: "custos.example.org/audit", Size: 1000, Root: bytes.Repeat([]byte{0xab}, 32)}
	golden.Check(t, "checkpoint.golden", head.Text())

	skey, vkey, err := GenerateKey("custos.example.org/audit")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := GenerateKey("has space"); errs.CodeOf(err) != errs.Invalid {
		t.Errorf("a key name with a space: %v", err)
	}
	if _, err := SignTreeHead(TreeHead{Origin: "other.example.org/log", Size: 1, Root: head.Root}, skey); errs.CodeOf(err) != errs.Invalid {
		t.Errorf("signing another origin: %v", err)
	}
	signed, err := SignTreeHead(head, skey)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := ParseVerifier(vkey)
	cp, err := OpenCheckpoint(signed, v)
	if err != nil || cp.Size != 1000 || !bytes.Equal(cp.Root, head.Root) || cp.Origin != head.Origin {
		t.Fatalf("%+v %v", cp, err)
	}
	_, evil, _ := GenerateKey("custos.example.org/audit")
	ev, _ := ParseVerifier(evil)
	if _, err := OpenCheckpoint(signed, ev); errs.CodeOf(err) != errs.Integrity || !strings.Contains(err.Error(), "not signed by") {
		t.Errorf("another key: %v", err)
	}
	altered := bytes.Replace(signed, []byte("\n1000\n"), []byte("\n1001\n"), 1)
	if _, err := OpenCheckpoint(altered, v); errs.CodeOf(err) != errs.Integrity {
		t.Errorf("altered: %v", err)
	}

	wskey, wvkey, _ := GenerateKey("witness.example.net")
	wv, _ := ParseVerifier(wvkey)
	if _, err := OpenCheckpoint(signed, v, wv); errs.CodeOf(err) != errs.Integrity || !strings.Contains(err.Error(), "not cosigned") {
		t.Errorf("witness required, none: %v", err)
	}
	cosigned, err := Cosign(cp, wskey)
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(cosigned, note.VerifierList(v, wv))
	if err != nil || len(n.Sigs) != 2 {
		t.Fatalf("cosigned note: %v %v", n, err)
	}
	if cp, err := OpenCheckpoint(cosigned, v, wv); err != nil || len(cp.Witnesses) != 1 {
		t.Errorf("cosigned: %+v %v", cp, err)
	}
	// A second witness keeps the first's signature, verified or not.
	w2skey, w2vkey, _ := GenerateKey("w2.example.net")
	w2v, _ := ParseVerifier(w2vkey)
	cp1, _ := OpenCheckpoint(cosigned, v)
	twice, _ := Cosign(cp1, w2skey)
	if _, err := OpenCheckpoint(twice, v, wv, w2v); err != nil {
		t.Errorf("two witnesses: %v", err)
	}
}
