package truce_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/truce-project/truce"
)

// step is one log entry of the test sequence and the verdict the
// authority must reach on it at its position.
type step struct {
	name string
	raw  []byte
	code string // "" for accepted
	msg  string // a part of the error's message
}

// sequence returns a realistic log: attempts to start it wrongly, the
// charter, key rotation, attempts to speak beyond a key's authority, and a
// charter amendment that removes the source and adds a second monitor. The
// step's position in the slice is its log index; rejected statements keep
// their index, as in the projector.
func sequence(t testing.TB, f *fixture) []step {
	t.Helper()
	n := 0
	at := func() time.Time { n++; return t0.Add(time.Duration(n) * time.Minute) }
	addKey := func(k *truce.Signer) truce.KeyAdd { return truce.KeyAdd{Key: truce.NewPublicKey(k.Public())} }
	revoke := func(k *truce.Signer, reason string) truce.KeyRevoke {
		return truce.KeyRevoke{Member: k.Member, KeyID: k.ID(), Reason: reason}
	}
	charter := f.charter()
	elsewhere := payload(t, f.us, truce.KindCharter, at(), charter)
	elsewhere.Log = "truce.example/other-deployment"
	addUkraine2 := sign(t, f.ukraine, truce.KindKeyAdd, at(), addKey(f.ukraine2), f.ukraine2)
	toOtherLog := payload(t, f.ukraine, truce.KindKeyAdd, at(), addKey(f.ukraine2))
	toOtherLog.Log = "truce.example/other-deployment"

	// The amendment drops the source, adds a second monitor and lists
	// Ukraine's current key in place of its revoked root key.
	amended := f.charter()
	amended.Name = "Moratorium on strikes against energy infrastructure, amended"
	amended.Members = []truce.Member{
		member("ukraine", truce.RoleParty, "Ukraine", f.ukraine2),
		amended.Members[1], amended.Members[2], amended.Members[3],
		member("icrc", truce.RoleMonitor, "Humanitarian observers", f.icrc),
	}
	relistsRevoked := f.charter()
	relistsRevoked.Members = relistsRevoked.Members[:4]
	stealsKey := *amended
	stealsKey.Members = append(amended.Members[:4:4], member("icrc", truce.RoleMonitor, "Humanitarian observers", f.osint))

	firstCharter := sign(t, f.us, truce.KindCharter, at(), charter, f.ukraine, f.russia)
	amended.Replaces = truce.StatementID(firstCharter)
	relistsRevoked.Replaces = amended.Replaces
	stealsKey.Replaces = amended.Replaces
	return []step{
		// Before the charter.
		{"first statement not a charter", sign(t, f.ukraine, truce.KindKeyAdd, at(), addKey(f.ukraine2), f.ukraine2), truce.EINVALID, "first statement must be a charter"},
		{"charter for another log", signPayload(t, f.us, elsewhere), truce.EINVALID, "is for log"},
		{"charter signed by a non-member", sign(t, f.stranger, truce.KindCharter, at(), charter), truce.EFORBIDDEN, "must be one of its members"},
		{"charter signed with a key not in it", sign(t, as(f.stranger, "us"), truce.KindCharter, at(), charter), truce.EUNAUTHORIZED, "not listed in the charter"},
		{"charter signed with another member's key", sign(t, as(f.ukraine, "us"), truce.KindCharter, at(), charter), truce.EFORBIDDEN, `belongs to "ukraine"`},
		{"charter cosigned by a stranger", sign(t, f.us, truce.KindCharter, at(), charter, f.stranger), truce.EUNAUTHORIZED, "not listed in the charter"},
		{"charter with a forged signature", flipSig(t, firstCharter), truce.EUNAUTHORIZED, "does not verify"},
		{"charter altered after signing", alterPayload(t, firstCharter, "March 2025", "April 2025"), truce.EUNAUTHORIZED, "does not verify"},
		{"charter", firstCharter, "", ""},
		{"second copy of the charter by the mediator alone", sign(t, f.us, truce.KindCharter, at(), charter), truce.ECONFLICT, "must name the charter in force"},

		// Signatures and keys.
		{"forged signature", flipSig(t, addUkraine2), truce.EUNAUTHORIZED, "does not verify"},
		{"payload altered after signing", alterPayload(t, addUkraine2, f.ukraine2.ID(), f.ukraine3.ID(), pubB64(f.ukraine2), pubB64(f.ukraine3)), truce.EUNAUTHORIZED, "does not verify"},
		{"signer altered after signing", alterPayload(t, addUkraine2, `"signer":"ukraine"`, `"signer":"russia"`), truce.EFORBIDDEN, `belongs to "ukraine"; it cannot sign for "russia"`},
		{"time altered after signing", alterPayload(t, addUkraine2, "12:", "13:"), truce.EUNAUTHORIZED, "does not verify"},
		{"unknown key", sign(t, f.stranger, truce.KindKeyAdd, at(), addKey(f.ukraine4), f.ukraine4), truce.EUNAUTHORIZED, "not registered"},
		{"unknown key claiming a member", sign(t, as(f.stranger, "ukraine"), truce.KindKeyAdd, at(), addKey(f.ukraine4), f.ukraine4), truce.EUNAUTHORIZED, "not registered"},
		{"key signs for another member", sign(t, as(f.russia, "ukraine"), truce.KindKeyAdd, at(), addKey(f.ukraine4), f.ukraine4), truce.EFORBIDDEN, `belongs to "russia"; it cannot sign for "ukraine"`},
		{"statement for another log", signPayload(t, f.ukraine, toOtherLog), truce.EINVALID, "truce.example/other-deployment"},
		{"three signatures on a key.add", sign(t, f.osint, truce.KindKeyAdd, at(), addKey(f.stranger), f.stranger, f.smm), truce.EINVALID, "carries 2 signature(s), not 3"},
		{"key.add without the new key's signature", sign(t, f.ukraine, truce.KindKeyAdd, at(), addKey(f.ukraine2)), truce.EINVALID, "carries 2 signature(s), not 1"},
		{"key.add signed by another key than the one it adds", sign(t, f.ukraine, truce.KindKeyAdd, at(), addKey(f.ukraine2), f.ukraine3), truce.EUNAUTHORIZED, "second signature must be by the key it adds"},

		// Key rotation.
		{"key.add", addUkraine2, "", ""},
		{"the same key.add again", sign(t, f.ukraine, truce.KindKeyAdd, at(), addKey(f.ukraine2), f.ukraine2), truce.ECONFLICT, "already registered"},
		{"new key signs", sign(t, f.ukraine2, truce.KindKeyAdd, at(), addKey(f.ukraine3), f.ukraine3), "", ""},
		{"key.add of another member's key", sign(t, f.russia, truce.KindKeyAdd, at(), addKey(f.ukraine2), f.ukraine2), truce.ECONFLICT, `already registered to "ukraine"`},
		{"key.add of a charter key", sign(t, f.ukraine2, truce.KindKeyAdd, at(), addKey(f.ukraine), f.ukraine), truce.ECONFLICT, "already registered"},
		{"key.revoke of another member's key by a party", sign(t, f.russia, truce.KindKeyRevoke, at(), revoke(f.ukraine3, "Not theirs.")), truce.EFORBIDDEN, "or the mediator may revoke"},
		{"key.revoke by a source", sign(t, f.osint, truce.KindKeyRevoke, at(), revoke(f.ukraine3, "Not theirs.")), truce.EFORBIDDEN, "or the mediator may revoke"},
		{"key.revoke by self", sign(t, f.ukraine2, truce.KindKeyRevoke, at(), revoke(f.ukraine3, "Laptop lost.")), "", ""},
		{"revoked key cannot sign", sign(t, f.ukraine3, truce.KindKeyAdd, at(), addKey(f.ukraine4), f.ukraine4), truce.EUNAUTHORIZED, "was revoked at log index"},
		{"key.revoke of a revoked key", sign(t, f.ukraine, truce.KindKeyRevoke, at(), revoke(f.ukraine3, "Again.")), truce.ECONFLICT, "already revoked"},
		{"key.revoke of an unknown key", sign(t, f.ukraine, truce.KindKeyRevoke, at(), revoke(as(f.stranger, "ukraine"), "Never ours.")), truce.ENOTFOUND, "has no key"},
		{"key.revoke naming the wrong member", sign(t, f.us, truce.KindKeyRevoke, at(), revoke(as(f.russia, "ukraine"), "Mixed up.")), truce.ENOTFOUND, "has no key"},
		{"key.revoke by the mediator", sign(t, f.us, truce.KindKeyRevoke, at(), revoke(f.ukraine, "Reported stolen.")), "", ""},
		{"revoked root key cannot sign", sign(t, f.ukraine, truce.KindKeyAdd, at(), addKey(f.ukraine4), f.ukraine4), truce.EUNAUTHORIZED, "was revoked at log index"},
		{"revoking the last active key", sign(t, f.ukraine2, truce.KindKeyRevoke, at(), revoke(f.ukraine2, "Rotating.")), truce.ECONFLICT, "last active key"},
		{"mediator revoking the last active key", sign(t, f.us, truce.KindKeyRevoke, at(), revoke(f.ukraine2, "Rotating.")), truce.ECONFLICT, "last active key"},

		// Charter amendment.
		{"amendment signed by only one party", sign(t, f.us, truce.KindCharter, at(), amended, f.ukraine2), truce.EFORBIDDEN, `"russia" has not signed`},
		{"amendment signed by the other party only", sign(t, f.russia, truce.KindCharter, at(), amended), truce.EFORBIDDEN, `"ukraine" has not signed`},
		{"amendment signed with a revoked key", sign(t, f.us, truce.KindCharter, at(), amended, f.ukraine, f.russia), truce.EUNAUTHORIZED, "was revoked"},
		{"amendment cosigned by an unknown key", sign(t, f.us, truce.KindCharter, at(), amended, f.ukraine2, f.russia, f.stranger), truce.EUNAUTHORIZED, "not registered"},
		{"amendment with a forged cosignature", forgeCosignature(t, sign(t, f.us, truce.KindCharter, at(), amended, f.ukraine2, f.russia)), truce.EUNAUTHORIZED, "does not verify"},
		{"amendment relisting a revoked key", sign(t, f.us, truce.KindCharter, at(), relistsRevoked, f.ukraine2, f.russia), truce.ECONFLICT, "cannot be listed again"},
		{"amendment giving a key to another member", sign(t, f.us, truce.KindCharter, at(), &stealsKey, f.ukraine2, f.russia), truce.ECONFLICT, `registered to "osint", not "icrc"`},
		{"amendment signed by every party", sign(t, f.us, truce.KindCharter, at(), amended, f.ukraine2, f.russia), "", ""},
		{"removed member cannot sign", sign(t, f.osint, truce.KindKeyAdd, at(), addKey(f.stranger), f.stranger), truce.EFORBIDDEN, `"osint" is not in the charter in force`},
		{"removed member's key cannot be revoked by it", sign(t, f.osint, truce.KindKeyRevoke, at(), revoke(f.osint, "Leaving.")), truce.EFORBIDDEN, "not in the charter in force"},
		{"added member signs", sign(t, f.icrc, truce.KindKeyAdd, at(), addKey(f.stranger), f.stranger), "", ""},
		{"old charter replayed", sign(t, f.us, truce.KindCharter, at(), charter, f.ukraine, f.russia), truce.ECONFLICT, "must name the charter in force"},
		{"amendment naming a superseded charter", sign(t, f.us, truce.KindCharter, at(), amended, f.ukraine2, f.russia), truce.ECONFLICT, "must name the charter in force"},
	}
}

func pubB64(s *truce.Signer) string { return truce.NewPublicKey(s.Public()).Key }

// forgeCosignature flips a bit of raw's last signature.
func forgeCosignature(t testing.TB, raw []byte) []byte {
	t.Helper()
	env := decode(t, raw)
	env.Signatures[len(env.Signatures)-1].Sig[0] ^= 0x80
	return env.Canonical()
}

func TestAuthorityCheck(t *testing.T) {
	f := newFixture(t)
	steps := sequence(t, f)
	at := func(name string) uint64 {
		for i, s := range steps {
			if s.name == name {
				return uint64(i)
			}
		}
		t.Fatalf("no step %q", name)
		return 0
	}
	a := truce.NewAuthority(origin)
	for index, s := range steps {
		ok := t.Run(s.name, func(t *testing.T) {
			st := parse(t, s.raw)
			err := a.Check(st)
			if got := truce.ErrorCode(err); got != s.code {
				t.Fatalf("Check = %v, want code %q", err, s.code)
			}
			if err != nil {
				checkMessage(t, err)
				if !strings.Contains(truce.ErrorMessage(err), s.msg) {
					t.Errorf("Check = %q, want a message containing %q", truce.ErrorMessage(err), s.msg)
				}
				return
			}
			ch := a.Apply(st, uint64(index))
			checkChange(t, a, ch)
		})
		if !ok {
			t.FailNow() // later steps depend on this one
		}
	}

	// Where the sequence leaves the authority.
	// The amendment that removes the source revokes its key with it.
	wantRevoked := map[string]uint64{f.ukraine.ID(): at("key.revoke by the mediator"), f.ukraine3.ID(): at("key.revoke by self"),
		f.osint.ID(): at("amendment signed by every party")}
	for _, k := range a.Keys() {
		index, revoked := wantRevoked[k.ID]
		switch {
		case revoked && (k.RevokedAt == nil || *k.RevokedAt != index):
			t.Errorf("key %s of %s: revoked at %v, want %d", k.ID, k.Member, k.RevokedAt, index)
		case !revoked && k.RevokedAt != nil:
			t.Errorf("key %s of %s: revoked at %d, want active", k.ID, k.Member, *k.RevokedAt)
		}
	}
	if k := a.Key(f.stranger.ID()); k == nil || k.Member != "icrc" || k.AddedAt != at("added member signs") {
		t.Errorf("Key(stranger) = %+v, want icrc's key added by the step \"added member signs\"", k)
	}
	for id, removed := range map[string]bool{"ukraine": false, "russia": false, "us": false, "smm": false, "osint": true, "icrc": false} {
		if m := a.Member(id); m == nil || m.Removed != removed {
			t.Errorf("Member(%q) = %+v, want removed=%v", id, m, removed)
		}
	}
	if m := a.Member("icrc"); m == nil || m.Since != at("amendment signed by every party") || m.Role != truce.RoleMonitor {
		t.Errorf("Member(icrc) = %+v, want a monitor since the amendment", m)
	}
}

// checkChange reports an error unless everything ch lists is as a now
// holds it, as a store that persists ch must find it.
func checkChange(t *testing.T, a *truce.Authority, ch truce.Change) {
	t.Helper()
	for _, k := range ch.Keys {
		if got := a.Key(k.ID); got == nil || !reflect.DeepEqual(*got, k) {
			t.Errorf("change lists key %+v; the authority holds %+v", k, got)
		}
	}
	for _, m := range ch.Members {
		if got := a.Member(m.ID); got == nil || *got != m {
			t.Errorf("change lists member %+v; the authority holds %+v", m, got)
		}
	}
}

// TestAuthorityCheckBeforeApply checks that Check alone changes nothing:
// a statement checked but not applied leaves no trace.
func TestAuthorityCheckBeforeApply(t *testing.T) {
	f := newFixture(t)
	a := truce.NewAuthority(origin)
	charter := parse(t, sign(t, f.us, truce.KindCharter, t0, f.charter()))
	for range 2 {
		if err := a.Check(charter); err != nil {
			t.Fatalf("Check(charter) = %v", err)
		}
	}
	if a.Chartered() || len(a.Members()) != 0 || len(a.Keys()) != 0 {
		t.Fatalf("Check changed the authority: %v %v", a.Members(), a.Keys())
	}
	a.Apply(charter, 0)
	if !a.Chartered() || len(a.Members()) != 5 || len(a.Keys()) != 5 {
		t.Fatalf("after the charter: %v %v", a.Members(), a.Keys())
	}
	for _, k := range a.Keys() {
		if !bytes.Equal(a.PublicKey(k.ID), mustDecode(t, k)) {
			t.Errorf("PublicKey(%s) does not match the key's public_key", k.ID)
		}
	}
	if a.PublicKey(f.stranger.ID()) != nil || a.Key(f.stranger.ID()) != nil || a.Member("stranger") != nil {
		t.Errorf("the authority knows the stranger")
	}
	if a.Origin() != origin {
		t.Errorf("Origin() = %q", a.Origin())
	}
}

func mustDecode(t *testing.T, k truce.Key) []byte {
	t.Helper()
	pub, err := truce.PublicKey{ID: k.ID, Key: k.PublicKey}.Decode()
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

// persist returns an authority restored from what a store would hold of
// a: its members and keys, through JSON.
func persist(t *testing.T, a *truce.Authority) *truce.Authority {
	t.Helper()
	var members []truce.MemberState
	var keys []truce.Key
	roundTrip(t, a.Members(), &members)
	roundTrip(t, a.Keys(), &keys)
	r, err := truce.RestoreAuthority(a.Origin(), a.Charter(), members, keys)
	if err != nil {
		t.Fatalf("RestoreAuthority: %v", err)
	}
	return r
}

func roundTrip(t *testing.T, v, out any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatal(err)
	}
}

// TestRestoreAuthority persists the authority after every step of the
// sequence, restores it, and checks that the restored authority reaches
// the same verdict as the original on every later step and ends in the
// same state.
func TestRestoreAuthority(t *testing.T) {
	f := newFixture(t)
	steps := sequence(t, f)
	a := truce.NewAuthority(origin)
	for split := range len(steps) + 1 {
		r := persist(t, a)
		if !reflect.DeepEqual(r.Members(), a.Members()) || !reflect.DeepEqual(r.Keys(), a.Keys()) {
			t.Fatalf("after %d steps: restored %v %v, want %v %v", split, r.Members(), r.Keys(), a.Members(), a.Keys())
		}
		if r.Chartered() != a.Chartered() {
			t.Fatalf("after %d steps: restored Chartered() = %v", split, r.Chartered())
		}
		// The original continues on a copy of its own state, so that both
		// sides replay the rest from the same position.
		orig := persist(t, a)
		for index := split; index < len(steps); index++ {
			s := steps[index]
			// Each side parses its own copy: a statement remembers the
			// signatures it has verified.
			st1, st2 := parse(t, s.raw), parse(t, s.raw)
			err1, err2 := orig.Check(st1), r.Check(st2)
			if truce.ErrorCode(err1) != truce.ErrorCode(err2) || truce.ErrorMessage(err1) != truce.ErrorMessage(err2) {
				t.Fatalf("restored after %d steps, step %d %q: Check = %v, original says %v", split, index, s.name, err2, err1)
			}
			if err1 == nil {
				ch1, ch2 := orig.Apply(st1, uint64(index)), r.Apply(st2, uint64(index))
				if !reflect.DeepEqual(ch1, ch2) {
					t.Fatalf("restored after %d steps, step %d %q: Apply = %+v, original %+v", split, index, s.name, ch2, ch1)
				}
			}
		}
		if !reflect.DeepEqual(r.Members(), orig.Members()) || !reflect.DeepEqual(r.Keys(), orig.Keys()) {
			t.Fatalf("restored after %d steps: final state differs", split)
		}
		if split < len(steps) {
			if st := parse(t, steps[split].raw); a.Check(st) == nil {
				a.Apply(st, uint64(split))
			}
		}
	}
}

func TestRestoreAuthorityRefusesMalformedKeys(t *testing.T) {
	f := newFixture(t)
	good := truce.NewPublicKey(f.ukraine.Public())
	other := truce.NewPublicKey(f.russia.Public())
	members := []truce.MemberState{{ID: "ukraine", Role: truce.RoleParty, Name: "Ukraine"}}
	for _, tc := range []struct {
		name string
		key  truce.Key
	}{
		{"id of another key", truce.Key{ID: other.ID, Member: "ukraine", PublicKey: good.Key}},
		{"not base64", truce.Key{ID: good.ID, Member: "ukraine", PublicKey: "not base64!"}},
		{"short key", truce.Key{ID: good.ID, Member: "ukraine", PublicKey: good.Key[:20]}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := truce.RestoreAuthority(origin, "", members, []truce.Key{tc.key})
			if truce.ErrorCode(err) != truce.EINVALID {
				t.Fatalf("RestoreAuthority = %v, want EINVALID", err)
			}
			checkMessage(t, err)
		})
	}
}

// TestAuthorityClone clones the authority after every step of the
// sequence: each clone keeps the members, keys and charter of its moment
// while the original applies the rest, and checks tokens as the original
// did then.
func TestAuthorityClone(t *testing.T) {
	f := newFixture(t)
	steps := sequence(t, f)
	a := truce.NewAuthority(origin)
	type snapshot struct {
		clone   *truce.Authority
		members []truce.MemberState
		keys    []truce.Key
		charter string
	}
	var snaps []snapshot
	for index, s := range steps {
		snaps = append(snaps, snapshot{a.Clone(), a.Members(), a.Keys(), a.Charter()})
		if st := parse(t, s.raw); a.Check(st) == nil {
			a.Apply(st, uint64(index))
		}
	}
	for i, s := range snaps {
		if !reflect.DeepEqual(s.clone.Members(), s.members) || !reflect.DeepEqual(s.clone.Keys(), s.keys) || s.clone.Charter() != s.charter {
			t.Errorf("clone after %d steps changed with the original: %v %v", i, s.clone.Members(), s.clone.Keys())
		}
	}
	// The first charter's key of Ukraine, revoked later in the sequence,
	// still proves a token to the clone made before the revocation.
	tok, err := truce.NewToken(f.ukraine, origin, t0, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.CheckToken(tok, t0); truce.ErrorCode(err) != truce.EUNAUTHORIZED {
		t.Fatalf("the original takes the revoked key's token: %v", err)
	}
	held := false
	for _, s := range snaps {
		if _, err := s.clone.CheckToken(tok, t0); err == nil {
			held = true
		}
	}
	if !held {
		t.Error("no clone takes the token of a key that was live when it was made")
	}
}
