package truce

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// PublicKey is a member's ed25519 verification key as it appears in the
// charter and in key statements.
type PublicKey struct {
	// ID is KeyID of Key; it names the key in DSSE signatures.
	ID string `json:"id"`
	// Key is the 32-byte ed25519 public key, standard base64.
	Key string `json:"public_key"`
}

// KeyID returns the id of an ed25519 public key: the lowercase hex of the
// first 16 bytes of its SHA-256. It is short enough to read and long enough
// that no two keys of a deployment share it.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:16])
}

// NewPublicKey returns the charter form of pub.
func NewPublicKey(pub ed25519.PublicKey) PublicKey {
	return PublicKey{ID: KeyID(pub), Key: base64.StdEncoding.EncodeToString(pub)}
}

// Decode returns the ed25519 key, or EINVALID if the key is malformed or its
// id does not match it.
func (k PublicKey) Decode() (ed25519.PublicKey, error) {
	raw, err := base64.StdEncoding.Strict().DecodeString(k.Key)
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return nil, Errorf(EINVALID, "Key %q: public_key must be %d bytes of standard base64.", k.ID, ed25519.PublicKeySize)
	}
	pub := ed25519.PublicKey(raw)
	if KeyID(pub) != k.ID {
		return nil, Errorf(EINVALID, "Key %q: id does not match the public key (want %q).", k.ID, KeyID(pub))
	}
	return pub, nil
}

// Signer is a member's private key, as kept in a key file.
type Signer struct {
	Member string
	Key    ed25519.PrivateKey
	// Log is the origin of the deployment the key was made for, if known;
	// commands that sign use it as the statement's log.
	Log string
}

// GenerateSigner returns a new key for member, reading randomness from rand.
func GenerateSigner(member string, rand io.Reader) (*Signer, error) {
	_, priv, err := ed25519.GenerateKey(rand)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	return &Signer{Member: member, Key: priv}, nil
}

// ID returns the signer's key id.
func (s *Signer) ID() string { return KeyID(s.Public()) }

// Public returns the signer's public key.
func (s *Signer) Public() ed25519.PublicKey { return s.Key.Public().(ed25519.PublicKey) }

// keyFile is the on-disk form of a Signer. The seed, not the expanded key, is
// stored so that a file cannot hold a private half that disagrees with its
// public half.
type keyFile struct {
	Type   string `json:"type"`
	Member string `json:"member"`
	KeyID  string `json:"key_id"`
	Log    string `json:"log,omitempty"`
	Seed   string `json:"seed"`
}

const keyFileType = "truce-ed25519-key-v1"

// MarshalSigner returns the key file form of s.
func MarshalSigner(s *Signer) []byte {
	b, _ := json.MarshalIndent(keyFile{
		Type:   keyFileType,
		Member: s.Member,
		KeyID:  s.ID(),
		Log:    s.Log,
		Seed:   base64.StdEncoding.EncodeToString(s.Key.Seed()),
	}, "", "  ")
	return append(b, '\n')
}

// ParseSigner reads a key file. Errors are EINVALID and say what is wrong.
func ParseSigner(data []byte) (*Signer, error) {
	var f keyFile
	if err := json.Unmarshal(data, &f); err != nil || f.Type != keyFileType {
		return nil, Errorf(EINVALID, "Not a Truce key file (want a JSON object with type %q).", keyFileType)
	}
	seed, err := base64.StdEncoding.Strict().DecodeString(f.Seed)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, Errorf(EINVALID, "Key file: seed must be %d bytes of standard base64.", ed25519.SeedSize)
	}
	if err := ValidateMemberID(f.Member); err != nil {
		return nil, err
	}
	if f.Log != "" {
		if err := ValidateOrigin(f.Log); err != nil {
			return nil, err
		}
	}
	s := &Signer{Member: f.Member, Key: ed25519.NewKeyFromSeed(seed), Log: f.Log}
	if f.KeyID != s.ID() {
		return nil, Errorf(EINVALID, "Key file: key_id %q does not match the key (want %q).", f.KeyID, s.ID())
	}
	return s, nil
}

// ReadSignerFile reads and parses the key file at path.
func ReadSignerFile(path string) (*Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, Errorf(EINVALID, "Cannot read key file: %v.", err)
	}
	s, err := ParseSigner(data)
	if err != nil {
		return nil, Errorf(EINVALID, "%s: %s", path, ErrorMessage(err))
	}
	return s, nil
}

func edSign(k ed25519.PrivateKey, msg []byte) []byte { return ed25519.Sign(k, msg) }
