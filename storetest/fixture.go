package storetest

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/truce-project/truce"
)

// origin is the log the fixture's statements are signed for.
const origin = "truce.example/storetest"

// fixtureSize is how many records the fixture holds: enough for the large
// batch applied on top of a small one.
const fixtureSize = 5200

// largeBatch is the size of the batches that test atomicity at scale.
const largeBatch = 5000

// fixture is a deterministic set of real statements: signed with
// [truce.Sign] by keys that [truce.GenerateSigner] derives from a fixed
// seed, so that every run, and every store, sees the same bytes.
type fixture struct {
	records []truce.Record // at indexes 0, 1, ...
	members []truce.MemberState
	keys    []truce.Key
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	rng := rand.NewChaCha8([32]byte{'t', 'r', 'u', 'c', 'e'})
	f := &fixture{}
	// The ids are chosen so that byte order ("a-c" < "ab"), which stores
	// must keep, differs from a natural-language collation's, which
	// ignores the hyphen.
	members := []struct {
		id   string
		role truce.Role
	}{
		{"ukraine", truce.RoleParty}, {"russia", truce.RoleParty}, {"usa", truce.RoleMediator},
		{"ab", truce.RoleMonitor}, {"a-c", truce.RoleSource},
	}
	var signers []*truce.Signer
	for i, m := range members {
		s, err := truce.GenerateSigner(m.id, rng)
		if err != nil {
			t.Fatal(err)
		}
		signers = append(signers, s)
		f.members = append(f.members, truce.MemberState{ID: m.id, Role: m.role, Name: strings.ToUpper(m.id), Since: uint64(i)})
		f.keys = append(f.keys, truce.Key{ID: s.ID(), Member: m.id, PublicKey: encodeKey(s), AddedAt: uint64(i)})
	}
	for i := range fixtureSize {
		f.records = append(f.records, makeRecord(t, signers, i))
	}
	return f
}

func encodeKey(s *truce.Signer) string { return base64.StdEncoding.EncodeToString(s.Public()) }

// makeRecord returns record i: a key.revoke statement, which carries free
// text and so comes to some 600 bytes, signed by one of signers, with a
// time whose nanoseconds vary; every seventh is rejected.
func makeRecord(t *testing.T, signers []*truce.Signer, i int) truce.Record {
	t.Helper()
	s := signers[i%len(signers)]
	body := truce.KeyRevoke{
		Member: s.Member,
		KeyID:  signers[(i+1)%len(signers)].ID(),
		Reason: fmt.Sprintf("Fixture statement %d: the key was kept on a laptop that the liaison office reported lost at the checkpoint.", i),
	}
	at := time.Date(2025, 3, 18, 12, 0, 0, 0, time.UTC).Add(time.Duration(i) * (time.Second + 123456789))
	st, err := truce.Sign(s, origin, truce.KindKeyRevoke, at, body)
	if err != nil {
		t.Fatal(err)
	}
	var verdict error
	if i%7 == 3 {
		verdict = truce.Errorf(truce.EFORBIDDEN, "Fixture statement %d is rejected.", i)
	}
	r := truce.NewRecord(st, uint64(i), verdict)
	// Every fifth is in the log as a commitment.
	r.Sealed = i%5 == 2
	return r
}

// recs returns copies of the records at indexes from to from+n-1.
func (f *fixture) recs(from, n int) []truce.Record {
	return slices.Clone(f.records[from : from+n])
}

// at returns a copy of record i placed at log index index.
func (f *fixture) at(i int, index uint64) truce.Record {
	r := f.records[i]
	r.Index = index
	return r
}

// revoked returns key i as revoked at log index at.
func (f *fixture) revoked(i int, at uint64) truce.Key {
	k := f.keys[i]
	k.RevokedAt = &at
	return k
}
