package truce_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/truce-project/truce"
)

// checkCoded fails the test unless err is a *truce.Error with a code
// other than EINTERNAL and a readable message: whatever a parser refuses,
// it must say why, as a user may see it.
func checkCoded(t *testing.T, what string, err error) {
	t.Helper()
	var e *truce.Error
	switch {
	case !errors.As(err, &e):
		t.Fatalf("%s: error %#v is not a *truce.Error", what, err)
	case e.Code == "" || e.Code == truce.EINTERNAL:
		t.Fatalf("%s: error %v has code %q", what, err, e.Code)
	case e.Message == "" || !utf8.ValidString(e.Message):
		t.Fatalf("%s: error %v has message %q", what, err, e.Message)
	}
}

// fuzzAuthority returns the authority of the test log after its charter,
// and the seeds that the sequence gives: every envelope and every payload.
func fuzzAuthority(f *testing.F) (*fixture, *truce.Authority, [][]byte) {
	fx := newFixture(f)
	a := truce.NewAuthority(origin)
	var seeds [][]byte
	for i, s := range sequence(f, fx) {
		st := parse(f, s.raw)
		if s.code == "" && st.Payload.Kind == truce.KindCharter && !a.Chartered() {
			if err := a.Check(st); err != nil {
				f.Fatal(err)
			}
			a.Apply(st, uint64(i))
		}
		seeds = append(seeds, s.raw, st.Envelope.Payload)
	}
	return fx, a, seeds
}

// FuzzParseStatement parses arbitrary bytes as an envelope, and as the
// payload of a validly signed one, and checks what it accepts against an
// authority before and after the charter.
func FuzzParseStatement(f *testing.F) {
	fx, chartered, seeds := fuzzAuthority(f)
	for _, s := range seeds {
		f.Add(s)
	}
	good := revokePayload(fx)
	for _, s := range []string{
		"", "{}", "null", `{"payloadType":` + nested(40) + `}`,
		good, strings.Replace(good, "2025-03-18T12:00:00Z", "0000-01-01T00:30:00+01:00", 1),
		strings.Replace(good, `"key.revoke"`, `"report"`, 1),
	} {
		f.Add([]byte(s))
	}
	id := strings.Repeat("ab", 32)
	for kind, body := range map[truce.Kind]any{
		truce.KindResponse:      truce.Response{Incident: id, Stance: truce.StanceCounterClaim, Actor: "ru", Text: "They did.", Evidence: []truce.Evidence{{SHA256: id, MediaType: "image/png"}}},
		truce.KindDetermination: truce.Determination{Incident: id, Finding: truce.FindingBreach, Party: "ru", Clauses: []string{"E1"}, Publish: true, Text: "Reasons."},
		truce.KindBulletin:      truce.Bulletin{Title: "T", Text: "x", To: []string{"ua"}, Window: &truce.Span{From: t0}, AckRequested: true},
		truce.KindBulletinAck:   truce.BulletinAck{Bulletin: id},
	} {
		st, err := truce.Sign(fx.us, origin, kind, t0, body)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(st.Raw)
	}
	members, keys := chartered.Members(), chartered.Keys()
	f.Fuzz(func(t *testing.T, data []byte) {
		checkStatement(t, fx, members, keys, data)
		if len(data) < truce.MaxEntrySize/2 {
			checkStatement(t, fx, members, keys, envelopeOf(fx.us, string(data)))
		}
	})
}

func checkStatement(t *testing.T, fx *fixture, members []truce.MemberState, keys []truce.Key, data []byte) {
	st, err := truce.ParseStatement(data)
	if err != nil {
		checkCoded(t, "ParseStatement", err)
		if st != nil {
			t.Fatalf("ParseStatement returned a statement and %v", err)
		}
		return
	}
	if st.ID != truce.StatementID(st.Raw) || len(st.Raw) > truce.MaxEntrySize {
		t.Fatalf("ParseStatement: id %s of %d canonical bytes", st.ID, len(st.Raw))
	}
	again, err := truce.ParseStatement(st.Raw)
	if err != nil {
		t.Fatalf("the canonical form %s does not parse: %v", st.Raw, err)
	}
	if again.ID != st.ID || !bytes.Equal(again.Raw, st.Raw) {
		t.Fatalf("the canonical form is not stable:\n%s\n%s", st.Raw, again.Raw)
	}
	// Whatever parses can be recorded and served.
	if _, err := json.Marshal(truce.NewRecord(st, 1, nil)); err != nil {
		t.Fatalf("the record of %s does not marshal: %v", st.Raw, err)
	}
	// Whatever parses can be checked, and what passes can be applied.
	for _, chartered := range []bool{false, true} {
		a := truce.NewAuthority(origin)
		if chartered {
			var err error
			if a, err = truce.RestoreAuthority(origin, "", members, keys); err != nil {
				t.Fatal(err)
			}
		}
		if err := a.Check(st); err != nil {
			checkCoded(t, "Check", err)
			continue
		}
		a.Apply(st, 1)
	}
}

func FuzzDecodeEnvelope(f *testing.F) {
	_, _, seeds := fuzzAuthority(f)
	for _, s := range seeds {
		f.Add(s)
	}
	f.Add([]byte(`{"payloadType":"application/vnd.truce.statement.v1+json","payload":"","signatures":[{"keyid":"","sig":""}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := truce.DecodeEnvelope(data)
		if err != nil {
			checkCoded(t, "DecodeEnvelope", err)
			return
		}
		if env.PayloadType != truce.PayloadType || len(env.Signatures) == 0 || len(env.Signatures) > 16 {
			t.Fatalf("DecodeEnvelope accepted %q with %d signatures", env.PayloadType, len(env.Signatures))
		}
		seen := map[string]bool{}
		for _, s := range env.Signatures {
			if len(s.Sig) != 64 || len(s.KeyID) != 32 || seen[s.KeyID] {
				t.Fatalf("DecodeEnvelope accepted signature %q %x", s.KeyID, s.Sig)
			}
			seen[s.KeyID] = true
		}
		c := env.Canonical()
		again, err := truce.DecodeEnvelope(c)
		if err != nil {
			t.Fatalf("the canonical form %s does not decode: %v", c, err)
		}
		if !bytes.Equal(again.Canonical(), c) || !bytes.Equal(again.Payload, env.Payload) {
			t.Fatalf("the canonical form is not stable:\n%s\n%s", c, again.Canonical())
		}
	})
}

func FuzzParseSigner(f *testing.F) {
	fx := newFixture(f)
	f.Add(truce.MarshalSigner(fx.ukraine))
	f.Add(truce.MarshalSigner(&truce.Signer{Member: "us", Key: fx.us.Key}))
	f.Add([]byte(`{"type":"truce-ed25519-key-v1","member":"x","key_id":"","seed":""}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := truce.ParseSigner(data)
		if err != nil {
			checkCoded(t, "ParseSigner", err)
			if truce.ErrorCode(err) != truce.EINVALID {
				t.Fatalf("ParseSigner = %v, want EINVALID", err)
			}
			return
		}
		if err := truce.ValidateMemberID(s.Member); err != nil {
			t.Fatalf("ParseSigner accepted member %q", s.Member)
		}
		again, err := truce.ParseSigner(truce.MarshalSigner(s))
		if err != nil {
			t.Fatalf("a marshalled signer does not parse: %v", err)
		}
		if again.Member != s.Member || again.Log != s.Log || !bytes.Equal(again.Key, s.Key) || again.ID() != s.ID() {
			t.Fatalf("round trip: %+v, want %+v", again, s)
		}
	})
}
