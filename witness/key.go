package witness

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"

	fnote "github.com/transparency-dev/formats/note"
	"github.com/truce-project/truce"
	"golang.org/x/mod/sumdb/note"
)

// GenerateKey returns a new witness key pair named name: skey, the secret
// key in the signed-note format ("PRIVATE+KEY+NAME+HASH+KEY", an Ed25519
// key), for the witness's key file; and vkey, its cosignature/v1 verifier
// key, for the charter and for anyone who checks cosignatures.
func GenerateKey(name string) (skey, vkey string, err error) {
	skey, plain, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		return "", "", truce.Errorf(truce.EINVALID, "Cannot make a witness key named %q: %v.", name, err)
	}
	vkey, err = fnote.VKeyToCosignatureV1(plain)
	if err != nil {
		return "", "", fmt.Errorf("witness key: %w", err)
	}
	return skey, vkey, nil
}

// NewSigner returns the cosignature/v1 signer of the secret key skey and
// its verifier key. Returns EINVALID if skey is malformed.
func NewSigner(skey string) (note.Signer, string, error) {
	s, err := fnote.NewSignerForCosignatureV1(strings.TrimSpace(skey))
	if err != nil {
		return nil, "", truce.Errorf(truce.EINVALID, "The witness key is malformed (%v): want one line PRIVATE+KEY+NAME+HASH+KEY, as \"truce witness key\" writes.", err)
	}
	pub, err := publicOf(strings.TrimSpace(skey))
	if err != nil {
		return nil, "", err
	}
	return s, pub, nil
}

// publicOf derives the cosignature/v1 verifier key from skey,
// "PRIVATE+KEY+NAME+HASH+BASE64(0x01 || seed)".
func publicOf(skey string) (string, error) {
	rest, _ := strings.CutPrefix(skey, "PRIVATE+KEY+")
	fields := strings.SplitN(rest, "+", 3)
	bad := truce.Errorf(truce.EINVALID, "The witness key is malformed: want one line PRIVATE+KEY+NAME+HASH+KEY, an Ed25519 key.")
	if len(fields) != 3 {
		return "", bad
	}
	key, err := base64.StdEncoding.DecodeString(fields[2])
	if err != nil || len(key) != 1+ed25519.SeedSize || key[0] != 1 {
		return "", bad
	}
	pub := ed25519.NewKeyFromSeed(key[1:]).Public().(ed25519.PublicKey)
	plain, err := note.NewEd25519VerifierKey(fields[0], pub)
	if err != nil {
		return "", bad
	}
	return fnote.VKeyToCosignatureV1(plain)
}

// NewVerifier returns the verifier of a witness's cosignature/v1 key.
func NewVerifier(vkey string) (note.Verifier, error) {
	v, err := fnote.NewVerifierForCosignatureV1(vkey)
	if err != nil {
		return nil, truce.Errorf(truce.EINVALID, "The witness verifier key %q is malformed: %v.", vkey, err)
	}
	return v, nil
}

// ReadKeyFile reads a witness's secret key file.
func ReadKeyFile(path string) (note.Signer, string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, "", truce.Errorf(truce.EINVALID, "No witness key file %s; make one with \"truce witness key --name NAME --out %s\".", path, path)
	}
	if err != nil {
		return nil, "", truce.Errorf(truce.EINVALID, "Cannot read the witness key file: %v.", err)
	}
	return NewSigner(string(data))
}
