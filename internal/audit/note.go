package audit

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"

	"github.com/custos-dev/custos/internal/errs"
)

// A signed checkpoint is a C2SP tlog-checkpoint — the origin line, the
// tree size and the base64 root hash — signed as a note
// (golang.org/x/mod/sumdb/note, Ed25519). Checking one needs the
// verifier key only; whoever holds it can check, no one can forge.
// Witnesses add their own note signatures to the same text.

// TreeHead is a checkpoint's body: the log's name, its size in entries
// and the Merkle root of those entries.
type TreeHead struct {
	Origin string
	Size   int64
	Root   []byte
}

// Text is the checkpoint body as C2SP tlog-checkpoint writes it.
func (h TreeHead) Text() []byte {
	return log.Checkpoint{Origin: h.Origin, Size: uint64(h.Size), Hash: h.Root}.Marshal()
}

// GenerateKey makes an Ed25519 note key pair named name: the signer key
// (secret) and the verifier key (to publish).
func GenerateKey(name string) (skey, vkey string, err error) {
	if name == "" || strings.ContainsAny(name, " \t\n+") {
		return "", "", errs.Invalidf("a key name must be non-empty, without spaces or '+', e.g. custos.example.org/audit").WithField("name")
	}
	return note.GenerateKey(rand.Reader, name)
}

// SignTreeHead signs h with the signer key skey.
func SignTreeHead(h TreeHead, skey string) ([]byte, error) {
	s, err := note.NewSigner(strings.TrimSpace(skey))
	if err != nil {
		return nil, errs.Invalidf("the signing key is not a note signer key (custos audit keygen makes one): %v", err)
	}
	if s.Name() != h.Origin {
		return nil, errs.Invalidf("the signing key is named %q but the log's origin (policy audit.origin) is %q", s.Name(), h.Origin).
			WithHint("make a key with custos audit keygen --name %s", h.Origin)
	}
	return note.Sign(&note.Note{Text: string(h.Text())}, s)
}

// IsNote reports whether a checkpoint file holds a signed note (a text,
// a blank line, signature lines starting with an em dash) rather than an
// older JSON checkpoint.
func IsNote(b []byte) bool {
	return !bytes.HasPrefix(bytes.TrimSpace(b), []byte("{")) && bytes.Contains(b, []byte("\n\n\u2014 "))
}

// ParseVerifier reads a verifier key.
func ParseVerifier(vkey string) (note.Verifier, error) {
	v, err := note.NewVerifier(strings.TrimSpace(vkey))
	if err != nil {
		return nil, errs.Invalidf("not a verifier key (custos audit keygen prints one): %v", err)
	}
	return v, nil
}

// SignedCheckpoint is a verified checkpoint note.
type SignedCheckpoint struct {
	TreeHead
	// Note is the note, its signatures verified; Raw its text as read.
	Note *note.Note
	Raw  []byte
	// Witnesses are the names of the witnesses whose cosignatures were
	// checked.
	Witnesses []string
}

// OpenCheckpoint checks a checkpoint note's signature by the log's key
// and, for each witness key given, that witness's cosignature, and
// parses its body. A missing or bad signature is an integrity failure
// (exit 6): the checkpoint cannot be trusted.
func OpenCheckpoint(b []byte, logKey note.Verifier, witnesses ...note.Verifier) (*SignedCheckpoint, error) {
	if !IsNote(b) {
		if bytes.HasPrefix(bytes.TrimSpace(b), []byte("{")) {
			return nil, errs.Invalidf("this is an older JSON checkpoint, not a signed note: check it with audit verify --checkpoint, without --vkey")
		}
		return nil, errs.Invalidf("not a checkpoint: a signed checkpoint is a note (custos audit checkpoint with CUSTOS_AUDIT_SIGNING_KEY writes one)")
	}
	all := append([]note.Verifier{logKey}, witnesses...)
	n, err := note.Open(b, note.VerifierList(all...))
	if err != nil {
		var unverified *note.UnverifiedNoteError
		var bad *note.InvalidSignatureError
		switch {
		case errors.As(err, &unverified):
			return nil, errs.Integrityf("the checkpoint is not signed by %s: it was signed with another key, or replaced", logKey.Name())
		case errors.As(err, &bad):
			return nil, errs.Integrityf("the checkpoint's signature by %s does not verify: the checkpoint was altered", bad.Name)
		case err.Error() == "malformed note":
			return nil, errs.Invalidf("not a checkpoint note: %v", err)
		}
		return nil, errs.Integrityf("the checkpoint cannot be verified: %v", err)
	}
	signed := map[string]bool{}
	for _, s := range n.Sigs {
		signed[fmt.Sprintf("%s+%08x", s.Name, s.Hash)] = true
	}
	cp := &SignedCheckpoint{Note: n, Raw: b}
	for i, v := range all {
		if !signed[fmt.Sprintf("%s+%08x", v.Name(), v.KeyHash())] {
			if i == 0 {
				return nil, errs.Integrityf("the checkpoint is not signed by %s: it was signed with another key, or replaced", v.Name())
			}
			return nil, errs.Integrityf("the checkpoint is not cosigned by the witness %s", v.Name())
		}
		if i > 0 {
			cp.Witnesses = append(cp.Witnesses, v.Name())
		}
	}
	var body log.Checkpoint
	if _, err := body.Unmarshal([]byte(n.Text)); err != nil {
		return nil, errs.Invalidf("not a tlog checkpoint: %v", err)
	}
	if len(body.Hash) != 32 || body.Size > 1<<62 {
		return nil, errs.Invalidf("not a tlog checkpoint: the root hash must be SHA-256")
	}
	cp.TreeHead = TreeHead{Origin: body.Origin, Size: int64(body.Size), Root: body.Hash}
	return cp, nil
}

// Cosign adds the signature of signer key skey to a verified checkpoint,
// keeping every signature already on it (verified or not).
func Cosign(cp *SignedCheckpoint, skey string) ([]byte, error) {
	s, err := note.NewSigner(strings.TrimSpace(skey))
	if err != nil {
		return nil, errs.Invalidf("the witness key is not a note signer key (custos audit keygen makes one): %v", err)
	}
	n := &note.Note{Text: cp.Note.Text}
	for _, sig := range append(append([]note.Signature{}, cp.Note.Sigs...), cp.Note.UnverifiedSigs...) {
		if sig.Name == s.Name() && sig.Hash == s.KeyHash() {
			continue
		}
		n.Sigs = append(n.Sigs, sig)
	}
	return note.Sign(n, s)
}
