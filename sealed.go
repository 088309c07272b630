package truce

import (
	"bytes"
	"context"
	"encoding/hex"
	"sync"
)

// A statement that only members may read enters the public log as a
// commitment, not as its envelope: the log leaf is the exact JSON
//
//	{"sealed":"<statement id>","kind":"<kind>"}
//
// with the statement id in 64 lowercase hex digits (the SHA-256 of the
// canonical envelope) and the kind as the payload names it, no whitespace,
// fields in that order. The id hides the statement: the envelope holds an
// ed25519 signature that only its signer can compute, so nobody else can
// confirm a guess of the payload by hashing it. Members fetch the envelope
// by id and check that it hashes to the id and names the committed kind.
// The service keeps the envelopes of sealed statements in a [Vault].
//
// Which kinds are sealed is [PublicKind]'s answer. A commitment starts with
// {"sealed": and an envelope with {"payloadType":, so no leaf is both.

// commitmentPrefix, commitmentMiddle and commitmentSuffix frame a
// commitment's id and kind.
const (
	commitmentPrefix = `{"sealed":"`
	commitmentMiddle = `","kind":"`
	commitmentSuffix = `"}`
)

// maxKindLength bounds the kind a commitment names.
const maxKindLength = 64

// Sealed reports whether statements of kind enter the log as commitments.
func Sealed(k Kind) bool { return !PublicKind(k) }

// Commitment returns the log leaf that commits to the statement with the
// given id and kind.
func Commitment(kind Kind, id string) []byte {
	b := make([]byte, 0, len(commitmentPrefix)+len(id)+len(commitmentMiddle)+len(kind)+len(commitmentSuffix))
	b = append(b, commitmentPrefix...)
	b = append(b, id...)
	b = append(b, commitmentMiddle...)
	b = append(b, kind...)
	return append(b, commitmentSuffix...)
}

// Leaf returns the log leaf of st: its canonical envelope if its kind is
// public, and otherwise the commitment to it.
func Leaf(st *Statement) []byte {
	if PublicKind(st.Payload.Kind) {
		return st.Raw
	}
	return Commitment(st.Payload.Kind, st.ID)
}

// ParseCommitment returns the kind and statement id that a log leaf
// commits to, and false if the leaf is not exactly a commitment: the
// fields in order, no whitespace, a statement id of 64 lowercase hex
// digits, and a kind of lowercase letters and dots. So Commitment(kind,
// id) gives back the leaf byte for byte.
func ParseCommitment(leaf []byte) (Kind, string, bool) {
	rest, ok := bytes.CutPrefix(leaf, []byte(commitmentPrefix))
	if !ok || len(rest) < 64 {
		return "", "", false
	}
	id := string(rest[:64])
	if !validStatementID(id) {
		return "", "", false
	}
	rest, ok = bytes.CutPrefix(rest[64:], []byte(commitmentMiddle))
	if !ok {
		return "", "", false
	}
	kind, ok := bytes.CutSuffix(rest, []byte(commitmentSuffix))
	if !ok || !validKindName(kind) {
		return "", "", false
	}
	return Kind(kind), id, true
}

// LeafOf reports whether leaf is the log leaf of the statement with the
// given id: its canonical envelope, or a commitment to it.
func LeafOf(leaf []byte, id string) bool {
	if _, cid, ok := ParseCommitment(leaf); ok {
		return cid == id
	}
	return StatementID(leaf) == id
}

func validStatementID(id string) bool {
	if len(id) != 64 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil && id == hexLower(id)
}

// validKindName reports whether k looks like a kind: lowercase letters in
// dot-separated words. The kinds this version knows are not required, so
// that a commitment to a kind of a later version still parses as one.
func validKindName(k []byte) bool {
	if len(k) == 0 || len(k) > maxKindLength || k[0] == '.' || k[len(k)-1] == '.' {
		return false
	}
	for i, c := range k {
		if c == '.' && k[i-1] == '.' {
			return false
		}
		if c != '.' && (c < 'a' || c > 'z') {
			return false
		}
	}
	return true
}

// Vault keeps the envelopes of sealed statements, which the public log
// holds only as commitments. It is not a projection: a rebuild replays the
// log and reads the envelopes back from it, so it must never be dropped
// with the projection. Implementations: sqlite (the deployment's
// vault.db), MemoryVault, and a remote one that fetches from a server.
type Vault interface {
	// Put stores canonical envelopes, keyed by their statement id. When it
	// returns nil, every one of them survives a crash. Storing an envelope
	// again changes nothing. Returns EFORBIDDEN for a read-only vault.
	Put(ctx context.Context, envelopes ...[]byte) error

	// Get returns the canonical envelope of the statement with the given
	// id, or ENOTFOUND. Callers check that it hashes to id.
	Get(ctx context.Context, id string) ([]byte, error)
}

// MemoryVault is a Vault in memory, for tests and for a service without a
// deployment directory: a restart loses what it holds.
type MemoryVault struct {
	mu sync.RWMutex
	m  map[string][]byte
}

// NewMemoryVault returns an empty MemoryVault.
func NewMemoryVault() *MemoryVault { return &MemoryVault{m: map[string][]byte{}} }

// Put implements Vault.
func (v *MemoryVault) Put(_ context.Context, envelopes ...[]byte) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, env := range envelopes {
		v.m[StatementID(env)] = bytes.Clone(env)
	}
	return nil
}

// Get implements Vault.
func (v *MemoryVault) Get(_ context.Context, id string) ([]byte, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	env, ok := v.m[id]
	if !ok {
		return nil, Errorf(ENOTFOUND, "The vault holds no statement %s.", id)
	}
	return env, nil
}
