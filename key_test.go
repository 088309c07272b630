package truce_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/truce-project/truce"
)

func TestKeyID(t *testing.T) {
	f := newFixture(t)
	pub := f.ukraine.Public()
	sum := sha256.Sum256(pub)
	if got, want := truce.KeyID(pub), hex.EncodeToString(sum[:16]); got != want || f.ukraine.ID() != want {
		t.Fatalf("KeyID = %s, Signer.ID = %s, want %s", got, f.ukraine.ID(), want)
	}
	pk := truce.NewPublicKey(pub)
	if pk.ID != f.ukraine.ID() || pk.Key != base64.StdEncoding.EncodeToString(pub) {
		t.Fatalf("NewPublicKey = %+v", pk)
	}
}

func TestGenerateSignerIsDeterministic(t *testing.T) {
	a, b := newFixture(t), newFixture(t)
	if a.ukraine.ID() != b.ukraine.ID() || a.stranger.ID() != b.stranger.ID() {
		t.Fatalf("the same seed gave different keys")
	}
	if a.ukraine.ID() == a.ukraine2.ID() {
		t.Fatalf("two keys of the stream are the same")
	}
	if _, err := truce.GenerateSigner("ukraine", bytes.NewReader(make([]byte, 10))); err == nil {
		t.Fatalf("GenerateSigner with 10 bytes of randomness succeeded")
	}
}

func TestSignerRoundTrip(t *testing.T) {
	f := newFixture(t)
	for _, s := range []*truce.Signer{f.ukraine, {Member: "us", Key: f.us.Key}} {
		t.Run(s.Member, func(t *testing.T) {
			data := truce.MarshalSigner(s)
			got, err := truce.ParseSigner(data)
			if err != nil {
				t.Fatalf("ParseSigner(%s): %v", data, err)
			}
			if got.Member != s.Member || got.Log != s.Log || !bytes.Equal(got.Key, s.Key) || got.ID() != s.ID() {
				t.Fatalf("ParseSigner = %+v, want %+v", got, s)
			}
			if !bytes.Equal(truce.MarshalSigner(got), data) {
				t.Fatalf("MarshalSigner is not stable")
			}
			// The file holds the seed, not the expanded private key.
			if bytes.Contains(data, []byte(base64.StdEncoding.EncodeToString(s.Key))) {
				t.Fatalf("key file holds the whole private key: %s", data)
			}
		})
	}
}

// keyFileWith returns the key file of s with field set to value.
func keyFileWith(t *testing.T, s *truce.Signer, field string, value any) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(truce.MarshalSigner(s), &m); err != nil {
		t.Fatal(err)
	}
	if value == nil {
		delete(m, field)
	} else {
		m[field] = value
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseSignerRefuses(t *testing.T) {
	f := newFixture(t)
	s := f.ukraine
	seed := s.Key.Seed()
	tampered := bytes.Clone(seed)
	tampered[0] ^= 1
	for _, tc := range []struct {
		name string
		data []byte
		msg  string
	}{
		{"empty", nil, "Not a Truce key file"},
		{"not JSON", []byte("-----BEGIN PRIVATE KEY-----"), "Not a Truce key file"},
		{"an array", []byte("[]"), "Not a Truce key file"},
		{"null", []byte("null"), "Not a Truce key file"},
		{"wrong type", keyFileWith(t, s, "type", "age-key"), "Not a Truce key file"},
		{"no type", keyFileWith(t, s, "type", nil), "Not a Truce key file"},
		{"tampered key_id", keyFileWith(t, s, "key_id", f.russia.ID()), "does not match the key"},
		{"uppercase key_id", keyFileWith(t, s, "key_id", strings.ToUpper(s.ID())), "does not match the key"},
		{"no key_id", keyFileWith(t, s, "key_id", nil), "does not match the key"},
		{"tampered seed", keyFileWith(t, s, "seed", base64.StdEncoding.EncodeToString(tampered)), "does not match the key"},
		{"another key's seed", keyFileWith(t, s, "seed", base64.StdEncoding.EncodeToString(f.russia.Key.Seed())), "does not match the key"},
		{"seed not base64", keyFileWith(t, s, "seed", "not base64"), "seed must be 32 bytes"},
		{"short seed", keyFileWith(t, s, "seed", base64.StdEncoding.EncodeToString(seed[:31])), "seed must be 32 bytes"},
		{"expanded private key as seed", keyFileWith(t, s, "seed", base64.StdEncoding.EncodeToString(s.Key)), "seed must be 32 bytes"},
		{"no seed", keyFileWith(t, s, "seed", nil), "seed must be 32 bytes"},
		{"bad member", keyFileWith(t, s, "member", "Ukraine"), "Member id"},
		{"no member", keyFileWith(t, s, "member", nil), "Member id"},
		{"bad log", keyFileWith(t, s, "log", "truce example"), "Log origin"},
		{"seed a number", keyFileWith(t, s, "seed", 42), "Not a Truce key file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := truce.ParseSigner(tc.data)
			if truce.ErrorCode(err) != truce.EINVALID || got != nil {
				t.Fatalf("ParseSigner(%s) = %v, %v; want EINVALID", tc.data, got, err)
			}
			checkMessage(t, err)
			if !strings.Contains(truce.ErrorMessage(err), tc.msg) {
				t.Errorf("ParseSigner = %q, want a message containing %q", truce.ErrorMessage(err), tc.msg)
			}
		})
	}
}

func TestReadSignerFile(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "ukraine.key"), filepath.Join(dir, "bad.key")
	if err := os.WriteFile(good, truce.MarshalSigner(f.ukraine), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, keyFileWith(t, f.ukraine, "key_id", f.russia.ID()), 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := truce.ReadSignerFile(good); err != nil || s.ID() != f.ukraine.ID() {
		t.Fatalf("ReadSignerFile = %v, %v", s, err)
	}
	for _, path := range []string{bad, filepath.Join(dir, "missing.key")} {
		_, err := truce.ReadSignerFile(path)
		if truce.ErrorCode(err) != truce.EINVALID {
			t.Errorf("ReadSignerFile(%s) = %v, want EINVALID", path, err)
		}
		if !strings.Contains(truce.ErrorMessage(err), filepath.Base(path)) {
			t.Errorf("ReadSignerFile(%s) = %q, want a message naming the file", path, truce.ErrorMessage(err))
		}
	}
}

// urlSafe returns a fixture key in the URL-safe alphabet, which differs
// from the standard one for it.
func urlSafe(t *testing.T, f *fixture) truce.PublicKey {
	for _, s := range []*truce.Signer{f.ukraine, f.russia, f.us, f.smm, f.osint, f.ukraine2, f.ukraine3, f.ukraine4, f.icrc, f.stranger} {
		pk := truce.NewPublicKey(s.Public())
		if u := base64.URLEncoding.EncodeToString(s.Public()); u != pk.Key {
			return truce.PublicKey{ID: pk.ID, Key: u}
		}
	}
	t.Fatal("no fixture key has '+' or '/' in its base64")
	return truce.PublicKey{}
}

func TestPublicKeyDecode(t *testing.T) {
	f := newFixture(t)
	pk := truce.NewPublicKey(f.ukraine.Public())
	pub, err := pk.Decode()
	if err != nil || !bytes.Equal(pub, f.ukraine.Public()) {
		t.Fatalf("Decode = %x, %v", pub, err)
	}
	raw := []byte(f.ukraine.Public())
	for _, tc := range []struct {
		name string
		key  truce.PublicKey
		msg  string
	}{
		{"id of another key", truce.PublicKey{ID: f.russia.ID(), Key: pk.Key}, "does not match"},
		{"key of another id", truce.PublicKey{ID: pk.ID, Key: truce.NewPublicKey(f.russia.Public()).Key}, "does not match"},
		{"no id", truce.PublicKey{Key: pk.Key}, "does not match"},
		{"not base64", truce.PublicKey{ID: pk.ID, Key: "not base64"}, "32 bytes of standard base64"},
		{"URL-safe base64", urlSafe(t, f), "32 bytes of standard base64"},
		{"unpadded base64", truce.PublicKey{ID: pk.ID, Key: base64.RawStdEncoding.EncodeToString(raw)}, "32 bytes of standard base64"},
		{"short key", truce.PublicKey{ID: pk.ID, Key: base64.StdEncoding.EncodeToString(raw[:31])}, "32 bytes of standard base64"},
		{"private key", truce.PublicKey{ID: pk.ID, Key: base64.StdEncoding.EncodeToString(f.ukraine.Key)}, "32 bytes of standard base64"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.key.Decode()
			if truce.ErrorCode(err) != truce.EINVALID {
				t.Fatalf("Decode = %v, want EINVALID", err)
			}
			checkMessage(t, err)
			if !strings.Contains(truce.ErrorMessage(err), tc.msg) {
				t.Errorf("Decode = %q, want a message containing %q", truce.ErrorMessage(err), tc.msg)
			}
		})
	}
	if len(raw) != ed25519.PublicKeySize {
		t.Fatalf("public key is %d bytes", len(raw))
	}
}
