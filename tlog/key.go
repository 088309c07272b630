package tlog

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/truce-project/truce"
	"golang.org/x/mod/sumdb/note"
)

// algEd25519 is the signed-note algorithm byte that prefixes Ed25519 keys.
const algEd25519 = 1

// GenerateKey returns a new Ed25519 key pair for a log whose origin is
// origin, in the signed-note key formats: skey
// ("PRIVATE+KEY+<origin>+<hash>+<key>") is secret and goes to [NewSigner];
// vkey ("<origin>+<hash>+<key>") is public and goes to [NewVerifier] and to
// anyone who checks the log.
func GenerateKey(origin string) (skey, vkey string, err error) {
	skey, vkey, err = note.GenerateKey(rand.Reader, origin)
	if err != nil {
		return "", "", fmt.Errorf("tlog: generate key for origin %q: %w", origin, err)
	}
	return skey, vkey, nil
}

// NewSigner returns the checkpoint signer for the secret key skey. The signer
// also knows its verifier, so a [Config] with this signer needs no Verifier.
// Returns EINVALID if skey is malformed or not an Ed25519 key.
func NewSigner(skey string) (note.Signer, error) {
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, truce.Errorf(truce.EINVALID, "The log signing key is malformed: %v.", err)
	}
	vkey, err := VerifierKey(skey)
	if err != nil {
		return nil, err
	}
	v, err := NewVerifier(vkey)
	if err != nil {
		return nil, err
	}
	return &keySigner{Signer: s, verifier: v}, nil
}

// NewVerifier returns the checkpoint verifier for the public key vkey.
// Returns EINVALID if vkey is malformed.
func NewVerifier(vkey string) (note.Verifier, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, truce.Errorf(truce.EINVALID, "The log verifier key is malformed: %v.", err)
	}
	return v, nil
}

// VerifierKey derives the public verifier key from the secret key skey, so
// that a deployment keeps one secret file rather than a pair that can drift
// apart. Returns EINVALID if skey is malformed or not an Ed25519 key.
func VerifierKey(skey string) (string, error) {
	name, seed, err := parseSignerKey(skey)
	if err != nil {
		return "", truce.Errorf(truce.EINVALID, "The log signing key is malformed: %v.", err)
	}
	pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(name, pub)
	if err != nil {
		return "", truce.Errorf(truce.EINVALID, "The log signing key is malformed: %v.", err)
	}
	return vkey, nil
}

// parseSignerKey splits "PRIVATE+KEY+<name>+<hash>+<key>" and returns the
// name and the Ed25519 seed. Names and hashes cannot contain '+', but the
// base64 key can, so only the first two '+' separate fields.
func parseSignerKey(skey string) (name string, seed []byte, err error) {
	rest, ok := strings.CutPrefix(skey, "PRIVATE+KEY+")
	fields := strings.SplitN(rest, "+", 3)
	if !ok || len(fields) != 3 {
		return "", nil, fmt.Errorf("want PRIVATE+KEY+<name>+<hash>+<key>")
	}
	key, err := base64.StdEncoding.DecodeString(fields[2])
	if err != nil {
		return "", nil, fmt.Errorf("key is not base64: %w", err)
	}
	if len(key) != 1+ed25519.SeedSize || key[0] != algEd25519 {
		return "", nil, fmt.Errorf("not an Ed25519 key")
	}
	return fields[0], key[1:], nil
}

// keySigner is a note.Signer that carries its own verifier, so that Open can
// check the log's checkpoints without a second key in the configuration.
type keySigner struct {
	note.Signer
	verifier note.Verifier
}
