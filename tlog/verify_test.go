package tlog

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"testing"

	"github.com/truce-project/truce"
	"golang.org/x/mod/sumdb/note"
)

// signedNote signs text with signers, failing the test on error.
func signedNote(t *testing.T, text string, signers ...note.Signer) []byte {
	t.Helper()
	b, err := note.Sign(&note.Note{Text: text}, signers...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerifyCheckpoint(t *testing.T) {
	const origin = "example.org/verify"
	s, v := testKey(t, origin)
	other, _ := testKey(t, origin)
	witness, _ := testKey(t, "witness.example.org")
	elsewhere, elsewhereV := testKey(t, "example.org/elsewhere")
	hash := sha256.Sum256([]byte("root"))
	text := fmt.Sprintf("%s\n42\n%s\n", origin, base64.StdEncoding.EncodeToString(hash[:]))
	good := signedNote(t, text, s)
	tampered := bytes.Replace(bytes.Clone(good), []byte("\n42\n"), []byte("\n43\n"), 1)

	for _, tc := range []struct {
		name string
		note []byte
		v    note.Verifier
		code string
	}{
		{"good", good, v, ""},
		{"cosigned", signedNote(t, text, s, witness), v, ""},
		{"other key", signedNote(t, text, other), v, truce.EUNAUTHORIZED},
		{"tampered", tampered, v, truce.EUNAUTHORIZED},
		{"not a note", []byte("hello\n"), v, truce.EINVALID},
		{"not a checkpoint", signedNote(t, "hello\n", s), v, truce.EINVALID},
		{"other origin", signedNote(t, text, elsewhere), elsewhereV, truce.EINVALID},
		{"short hash", signedNote(t, origin+"\n1\nAAAA\n", s), v, truce.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cp, err := VerifyCheckpoint(tc.note, tc.v)
			if got := truce.ErrorCode(err); got != tc.code {
				t.Fatalf("VerifyCheckpoint = %v, want code %q", err, tc.code)
			}
			if err != nil {
				return
			}
			if cp.Size != 42 || !bytes.Equal(cp.Hash, hash[:]) || !bytes.Equal(cp.Note, tc.note) {
				t.Errorf("VerifyCheckpoint = %d %x %q", cp.Size, cp.Hash, cp.Note)
			}
		})
	}
}

func TestVerifierKey(t *testing.T) {
	// Enough keys that some base64 keys contain '+' and '/'.
	for i := range 50 {
		skey, vkey, err := GenerateKey(fmt.Sprintf("example.org/log%d", i))
		if err != nil {
			t.Fatal(err)
		}
		got, err := VerifierKey(skey)
		if err != nil {
			t.Fatal(err)
		}
		if got != vkey {
			t.Fatalf("VerifierKey(%q) = %q, want %q", skey, got, vkey)
		}
	}
	for _, bad := range []string{"", "PRIVATE+KEY+x", "PRIVATE+KEY+x+00000000+!!", "x+00000000+AQ=="} {
		if _, err := NewSigner(bad); truce.ErrorCode(err) != truce.EINVALID {
			t.Errorf("NewSigner(%q) = %v, want EINVALID", bad, err)
		}
		if _, err := NewVerifier(bad); truce.ErrorCode(err) != truce.EINVALID {
			t.Errorf("NewVerifier(%q) = %v, want EINVALID", bad, err)
		}
	}
}

func TestVerifyProofArguments(t *testing.T) {
	cp := truce.Checkpoint{Size: 3, Hash: make([]byte, 32)}
	if err := VerifyInclusion([]byte("x"), 3, cp, nil); truce.ErrorCode(err) != truce.EINVALID {
		t.Errorf("VerifyInclusion beyond the tree = %v, want EINVALID", err)
	}
	if err := VerifyConsistency(truce.Checkpoint{Size: 4}, cp, nil); truce.ErrorCode(err) != truce.EINVALID {
		t.Errorf("VerifyConsistency backwards = %v, want EINVALID", err)
	}
}
