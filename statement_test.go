package truce_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/truce-project/truce"
)

// revokePayload is a well-formed key.revoke payload; the decoding tests
// break it one way at a time.
func revokePayload(f *fixture) string {
	return `{"kind":"key.revoke","log":"` + origin + `","signer":"us","time":"2025-03-18T12:00:00Z",` +
		`"body":{"member":"ukraine","key_id":"` + f.ukraine.ID() + `","reason":"Reported stolen."}}`
}

// envelopeOf returns the canonical envelope of payload, validly signed by
// s: what a careless or hostile client could sign and submit.
func envelopeOf(s *truce.Signer, payload string) []byte {
	env := &truce.Envelope{PayloadType: truce.PayloadType, Payload: []byte(payload)}
	env.Signatures = []truce.Signature{{KeyID: s.ID(), Sig: ed25519.Sign(s.Key, truce.PAE(truce.PayloadType, []byte(payload)))}}
	return env.Canonical()
}

// envelopeJSON writes an envelope by hand from its string fields, with
// one signature.
func envelopeJSON(payloadType, payload, keyID, sig string) []byte {
	return fmt.Appendf(nil, `{"payloadType":%q,"payload":%q,"signatures":[{"keyid":%q,"sig":%q}]}`, payloadType, payload, keyID, sig)
}

// nested returns n arrays nested in one another.
func nested(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }

func TestParseStatementRefuses(t *testing.T) {
	f := newFixture(t)
	good := revokePayload(f)
	goodEnv := envelopeOf(f.us, good)
	env := decode(t, goodEnv)
	p64 := base64.StdEncoding.EncodeToString(env.Payload)
	s64 := base64.StdEncoding.EncodeToString(env.Signatures[0].Sig)
	id := env.Signatures[0].KeyID
	sig := `{"keyid":"` + id + `","sig":"` + s64 + `"}`
	// withPayload returns goodEnv's payload with old replaced by new, in an
	// envelope signed for it.
	withPayload := func(old, new string) []byte {
		t.Helper()
		if !strings.Contains(good, old) {
			t.Fatalf("payload %s does not contain %q", good, old)
		}
		return envelopeOf(f.us, strings.Replace(good, old, new, 1))
	}
	sigs := func(n int) []byte {
		list := strings.TrimSuffix(strings.Repeat(sig+",", n), ",")
		return fmt.Appendf(nil, `{"payloadType":%q,"payload":%q,"signatures":[%s]}`, truce.PayloadType, p64, list)
	}
	unpadded := base64.RawStdEncoding.EncodeToString(env.Payload)
	if unpadded == p64 {
		t.Fatalf("the test payload's base64 needs padding")
	}
	noParty := &truce.Charter{Name: "Mediators only", Members: []truce.Member{member("us", truce.RoleMediator, "United States", f.us)}}

	for _, tc := range []struct {
		name string
		data []byte
		code string
		msg  string
	}{
		// The envelope.
		{"empty", nil, truce.EINVALID, "Unexpected end of JSON"},
		{"malformed JSON", []byte(`{"payloadType":`), truce.EINVALID, "Envelope"},
		{"not JSON", []byte(`payloadType=x`), truce.EINVALID, "Malformed JSON"},
		{"an array", []byte(`[]`), truce.EINVALID, "must be an object"},
		{"null", []byte(`null`), truce.EINVALID, "payloadType and payload are required"},
		{"unknown field", bytes.Replace(goodEnv, []byte(`{"payloadType"`), []byte(`{"extra":1,"payloadType"`), 1), truce.EINVALID, "unknown field"},
		{"unknown field in a signature", bytes.Replace(goodEnv, []byte(`"keyid"`), []byte(`"extra":"","keyid"`), 1), truce.EINVALID, "unknown field"},
		{"trailing object", append(bytes.Clone(goodEnv), "{}"...), truce.EINVALID, "after the JSON value"},
		{"trailing garbage", append(bytes.Clone(goodEnv), " x"...), truce.EINVALID, "after the JSON value"},
		{"two envelopes", append(bytes.Clone(goodEnv), goodEnv...), truce.EINVALID, "after the JSON value"},
		{"invalid UTF-8 in envelope", bytes.Replace(goodEnv, []byte(id), []byte(id[:31]+"\xff"), 1), truce.EINVALID, "not valid UTF-8"},
		{"invalid UTF-8 outside strings", append([]byte("\xfe"), goodEnv...), truce.EINVALID, "not valid UTF-8"},
		{"nested too deep", []byte(`{"payloadType":` + nested(1000) + `}`), truce.EINVALID, "nests deeper than"},
		{"too large", envelopeJSON(truce.PayloadType, strings.Repeat("A", truce.MaxEntrySize), id, s64), truce.ETOOLARGE, "at most 65535"},
		{"wrong payloadType", envelopeJSON("application/vnd.in-toto+json", p64, id, s64), truce.EINVALID, "payloadType must be"},
		{"payload twice", bytes.Replace(goodEnv, []byte(`"payload":`), []byte(`"payload":"e30=","payload":`), 1), truce.EINVALID, `Key "payload" appears twice`},
		{"keyid twice", bytes.Replace(goodEnv, []byte(`"keyid":`), []byte(`"keyid":"00000000000000000000000000000000","KeyID":`), 1), truce.EINVALID, `Key "KeyID" appears twice`},
		{"payloadType not a string", []byte(`{"payloadType":1,"payload":"` + p64 + `","signatures":[` + sig + `]}`), truce.EINVALID, "must be a string"},
		{"no payloadType", []byte(`{"payload":"` + p64 + `","signatures":[` + sig + `]}`), truce.EINVALID, "payloadType and payload are required"},
		{"no payload", []byte(`{"payloadType":"` + truce.PayloadType + `","signatures":[` + sig + `]}`), truce.EINVALID, "payloadType and payload are required"},
		{"no signatures", sigs(0), truce.EUNAUTHORIZED, "no signature"},
		{"signatures missing", []byte(`{"payloadType":"` + truce.PayloadType + `","payload":"` + p64 + `"}`), truce.EUNAUTHORIZED, "no signature"},
		{"too many signatures", sigs(17), truce.EINVALID, "at most 16"},
		{"the same signature twice", sigs(2), truce.EINVALID, "same key"},
		{"payload not base64", envelopeJSON(truce.PayloadType, "not base64!", id, s64), truce.EINVALID, "payload is not base64"},
		{"payload unpadded base64", envelopeJSON(truce.PayloadType, unpadded, id, s64), truce.EINVALID, "payload is not base64"},
		{"payload base64 with a space", envelopeJSON(truce.PayloadType, p64[:20]+" "+p64[20:], id, s64), truce.EINVALID, "payload is not base64"},
		{"signature not base64", envelopeJSON(truce.PayloadType, p64, id, "%%%"), truce.EUNAUTHORIZED, "ed25519 signature"},
		{"short signature", envelopeJSON(truce.PayloadType, p64, id, s64[:40]), truce.EUNAUTHORIZED, "ed25519 signature"},
		{"empty signature", envelopeJSON(truce.PayloadType, p64, id, ""), truce.EUNAUTHORIZED, "ed25519 signature"},
		{"uppercase key id", envelopeJSON(truce.PayloadType, p64, strings.ToUpper(id), s64), truce.EINVALID, "not a Truce key id"},
		{"short key id", envelopeJSON(truce.PayloadType, p64, id[:30], s64), truce.EINVALID, "not a Truce key id"},
		{"key id not hex", envelopeJSON(truce.PayloadType, p64, "zz"+id[2:], s64), truce.EINVALID, "not a Truce key id"},

		// The payload.
		{"invalid UTF-8 in payload", withPayload("Reported stolen.", "Reported \xffstolen."), truce.EINVALID, "Payload is not valid UTF-8"},
		{"payload not JSON", envelopeOf(f.us, "kind=key.revoke"), truce.EINVALID, "Payload: Malformed JSON"},
		{"payload empty", envelopeOf(f.us, ""), truce.EINVALID, "Payload: Unexpected end of JSON"},
		{"payload an array", envelopeOf(f.us, `[`+good+`]`), truce.EINVALID, "must be an object"},
		{"payload a string", envelopeOf(f.us, `"key.revoke"`), truce.EINVALID, "must be an object"},
		{"payload null", envelopeOf(f.us, `null`), truce.EINVALID, "unknown kind"},
		{"payload with trailing data", envelopeOf(f.us, good+`{}`), truce.EINVALID, "after the JSON value"},
		{"payload unknown field", withPayload(`"kind"`, `"extra":true,"kind"`), truce.EINVALID, "unknown field"},
		{"signer twice", withPayload(`"signer":"us"`, `"signer":"ukraine","signer":"us"`), truce.EINVALID, `Key "signer" appears twice`},
		{"signer twice in other cases", withPayload(`"signer":"us"`, `"signer":"ukraine","Signer":"us"`), truce.EINVALID, `Key "Signer" appears twice`},
		{"kind twice, once escaped", withPayload(`"kind"`, `"kind":"charter","\u006bind"`), truce.EINVALID, `Key "kind" appears twice`},
		{"kind twice, once with a Kelvin sign", withPayload(`"kind"`, `"kind":"charter","\u212aind"`), truce.EINVALID, `appears twice`},
		{"body key twice", withPayload(`"reason"`, `"REASON":"Lost.","reason"`), truce.EINVALID, `Key "reason" appears twice`},
		{"payload nested too deep", withPayload(`"body":{`, `"x":`+nested(40)+`,"body":{`), truce.EINVALID, "nests deeper than"},
		{"body nested too deep", withPayload(`"reason"`, `"x":`+nested(1000)+`,"reason"`), truce.EINVALID, "nests deeper than"},
		{"body an array", withPayload(`"body":{"member":"ukraine",`, `"body":["member","ukraine",`), truce.EINVALID, "Malformed JSON"},
		{"body not an object", envelopeOf(f.us, good[:strings.Index(good, `"body"`)]+`"body":[1]}`), truce.EINVALID, "body must be a JSON object"},
		{"body a string", envelopeOf(f.us, good[:strings.Index(good, `"body"`)]+`"body":"{}"}`), truce.EINVALID, "body must be a JSON object"},
		{"body null", envelopeOf(f.us, good[:strings.Index(good, `"body"`)]+`"body":null}`), truce.EINVALID, "body must be a JSON object"},
		{"body missing", envelopeOf(f.us, good[:strings.Index(good, `,"body"`)]+`}`), truce.EINVALID, "body must be a JSON object"},
		{"body unknown field", withPayload(`"reason"`, `"extra":1,"reason"`), truce.EINVALID, "unknown field"},
		{"body field of the wrong type", withPayload(`"Reported stolen."`, `42`), truce.EINVALID, "must be a string"},
		{"body breaks a rule", withPayload(`"Reported stolen."`, `""`), truce.EINVALID, "reason is required"},
		{"body control character", withPayload(`Reported stolen.`, `Reported\u0007stolen.`), truce.EINVALID, "control character"},
		{"body malformed key id", withPayload(f.ukraine.ID(), "not-a-key-id"), truce.EINVALID, "not a Truce key id"},
		{"charter without a party", envelopeOf(f.us, string(mustMarshal(t, payload(t, f.us, truce.KindCharter, t0, noParty)))), truce.EINVALID, "at least one party"},
		{"unknown kind", withPayload(`"key.revoke"`, `"gossip"`), truce.EINVALID, `unknown kind "gossip"`},
		{"empty kind", withPayload(`"key.revoke"`, `""`), truce.EINVALID, "unknown kind"},
		{"body of another kind", withPayload(`"key.revoke"`, `"response"`), truce.EINVALID, `Payload body (response)`},
		{"missing time", withPayload(`"time":"2025-03-18T12:00:00Z",`, ``), truce.EINVALID, "time is required"},
		{"null time", withPayload(`"2025-03-18T12:00:00Z"`, `null`), truce.EINVALID, "time is required"},
		{"time not RFC 3339", withPayload(`2025-03-18T12:00:00Z`, `18 March 2025`), truce.EINVALID, `Time "18 March 2025" is not an RFC 3339 time`},
		{"time a number", withPayload(`"2025-03-18T12:00:00Z"`, `1742299200`), truce.EINVALID, "Payload"},
		{"time after year 9999 in UTC", withPayload(`2025-03-18T12:00:00Z`, `9999-12-31T23:30:00-01:00`), truce.EINVALID, "year"},
		{"time before year 0 in UTC", withPayload(`2025-03-18T12:00:00Z`, `0000-01-01T00:30:00+01:00`), truce.EINVALID, "year"},
		{"bad member id", withPayload(`"signer":"us"`, `"signer":"United States"`), truce.EINVALID, "Member id"},
		{"uppercase member id", withPayload(`"signer":"us"`, `"signer":"US"`), truce.EINVALID, "Member id"},
		{"missing signer", withPayload(`"signer":"us",`, ``), truce.EINVALID, "signer"},
		{"missing log", withPayload(`"log":"`+origin+`",`, ``), truce.EINVALID, "Log origin"},
		{"log with a space", withPayload(origin, "truce example"), truce.EINVALID, "Log origin"},
		{"log with a plus", withPayload(origin, "truce.example+1"), truce.EINVALID, "Log origin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := truce.ParseStatement(tc.data)
			if got := truce.ErrorCode(err); got != tc.code {
				t.Fatalf("ParseStatement = %v, want code %q", err, tc.code)
			}
			if st != nil {
				t.Errorf("ParseStatement returned a statement with an error")
			}
			checkMessage(t, err)
			if !strings.Contains(truce.ErrorMessage(err), tc.msg) {
				t.Errorf("ParseStatement = %q, want a message containing %q", truce.ErrorMessage(err), tc.msg)
			}
			// DecodeEnvelope refuses whatever is wrong with the envelope
			// with the same error, and accepts the rest.
			_, envErr := truce.DecodeEnvelope(tc.data)
			if envErr != nil && truce.ErrorMessage(envErr) != truce.ErrorMessage(err) {
				t.Errorf("DecodeEnvelope = %v, ParseStatement = %v", envErr, err)
			}
		})
	}
}

func mustMarshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestParseStatementCanonical checks that a statement's id is the SHA-256
// of its canonical envelope, and that every accepted way of writing one
// envelope has the same canonical form and id.
func TestParseStatementCanonical(t *testing.T) {
	f := newFixture(t)
	// A reason whose payload's standard base64 uses both '+' and '/', so
	// that the URL-safe form differs from it.
	// ASCII gives '+' and '/' only from '~' or '>' and '?' or DEL, in the
	// third byte of a group of three: hence a run of three of each.
	raw := sign(t, f.us, truce.KindKeyRevoke, t0, truce.KeyRevoke{Member: "ukraine", KeyID: f.ukraine.ID(), Reason: "Stolen??? ~~~"})
	if p64 := base64.StdEncoding.EncodeToString(decode(t, raw).Payload); !strings.Contains(p64, "+") || !strings.Contains(p64, "/") {
		t.Fatalf("the payload's base64 %s lacks '+' or '/'", p64)
	}
	st := parse(t, raw)
	sum := sha256.Sum256(raw)
	if !bytes.Equal(st.Raw, raw) {
		t.Fatalf("Raw of a canonical envelope = %s, want %s", st.Raw, raw)
	}
	if st.ID != hex.EncodeToString(sum[:]) || truce.StatementID(raw) != st.ID {
		t.Fatalf("ID = %s, want the SHA-256 of the envelope, %x", st.ID, sum)
	}
	if again := parse(t, st.Raw); !bytes.Equal(again.Raw, st.Raw) || again.ID != st.ID {
		t.Fatalf("parsing the canonical form again gives %s", again.Raw)
	}

	env := st.Envelope
	p64 := base64.StdEncoding.EncodeToString(env.Payload)
	s64 := base64.StdEncoding.EncodeToString(env.Signatures[0].Sig)
	u64 := base64.URLEncoding.EncodeToString(env.Payload)
	us64 := base64.URLEncoding.EncodeToString(env.Signatures[0].Sig)
	id := env.Signatures[0].KeyID
	for _, tc := range []struct {
		name string
		data string
	}{
		{"canonical", string(raw)},
		{"URL-safe base64", string(envelopeJSON(truce.PayloadType, u64, id, us64))},
		{"URL-safe payload, standard signature", string(envelopeJSON(truce.PayloadType, u64, id, s64))},
		{"fields in another order", `{"signatures":[{"sig":"` + s64 + `","keyid":"` + id + `"}],"payload":"` + p64 + `","payloadType":"` + truce.PayloadType + `"}`},
		{"whitespace", " {\n  \"payloadType\": \"" + truce.PayloadType + "\",\n  \"payload\": \"" + p64 + "\",\n  \"signatures\": [ { \"keyid\": \"" + id + "\", \"sig\": \"" + s64 + "\" } ]\n}\n"},
		{"escaped characters", `{"payloadType":"application\/vnd.truce.statement.v1+json","payload":"` + p64 + `","signatures":[{"keyid":"` + fmt.Sprintf(`\u%04x`, id[0]) + id[1:] + `","sig":"` + s64 + `"}]}`},
		{"base64 with line breaks", `{"payloadType":"` + truce.PayloadType + `","payload":"` + p64[:8] + `\r\n` + p64[8:] + `","signatures":[{"keyid":"` + id + `","sig":"` + s64[:4] + `\n` + s64[4:] + `"}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := parse(t, []byte(tc.data))
			if !bytes.Equal(got.Raw, raw) || got.ID != st.ID {
				t.Fatalf("Raw = %s\nwant  %s", got.Raw, raw)
			}
			if again := parse(t, got.Raw); !bytes.Equal(again.Raw, got.Raw) {
				t.Fatalf("canonical form is not stable: %s", again.Raw)
			}
			if !got.Verify(f.us.ID(), f.us.Public()) {
				t.Fatalf("the signature no longer verifies")
			}
		})
	}
}

// TestParseStatementKeepsPayloadBytes checks that the payload, which the
// signature covers, is kept as signed, even when it is not compact.
func TestParseStatementKeepsPayloadBytes(t *testing.T) {
	f := newFixture(t)
	p := strings.ReplaceAll(revokePayload(f), `,"`, ",\n  \"")
	st := parse(t, envelopeOf(f.us, p))
	if string(st.Envelope.Payload) != p {
		t.Fatalf("payload = %s, want %s", st.Envelope.Payload, p)
	}
	if !st.Verify(f.us.ID(), f.us.Public()) {
		t.Fatalf("signature does not verify")
	}
	if st.Verify(f.ukraine.ID(), f.ukraine.Public()) {
		t.Fatalf("a signature by another key verifies")
	}
	b, ok := st.Body.(*truce.KeyRevoke)
	if !ok || b.Member != "ukraine" || b.KeyID != f.ukraine.ID() || b.Reason != "Reported stolen." {
		t.Fatalf("Body = %#v", st.Body)
	}
	if st.Payload.Kind != truce.KindKeyRevoke || st.Payload.Signer != "us" || st.Payload.Log != origin || !st.Payload.Time.Equal(t0) {
		t.Fatalf("Payload = %+v", st.Payload)
	}
}

func TestSign(t *testing.T) {
	f := newFixture(t)
	kyiv := time.FixedZone("EET", 2*60*60)
	st, err := truce.Sign(f.ukraine, origin, truce.KindKeyAdd, time.Date(2025, 3, 18, 14, 0, 0, 0, kyiv), truce.KeyAdd{Key: truce.NewPublicKey(f.ukraine2.Public())})
	if err != nil {
		t.Fatal(err)
	}
	if st.Payload.Time != t0 || !bytes.Contains(st.Envelope.Payload, []byte(`"time":"2025-03-18T12:00:00Z"`)) {
		t.Errorf("Sign kept time %v in %s, want it in UTC", st.Payload.Time, st.Envelope.Payload)
	}
	if st.Payload.Signer != "ukraine" || st.Envelope.Signatures[0].KeyID != f.ukraine.ID() || !st.Verify(f.ukraine.ID(), f.ukraine.Public()) {
		t.Errorf("Sign = %+v", st.Payload)
	}
	if b, ok := st.Body.(*truce.KeyAdd); !ok || b.Key.ID != f.ukraine2.ID() {
		t.Errorf("Body = %#v", st.Body)
	}
	// Sign refuses what ParseStatement would refuse.
	for _, tc := range []struct {
		name string
		kind truce.Kind
		log  string
		at   time.Time
		body any
		code string
	}{
		{"unknown kind", "gossip", origin, t0, truce.KeyAdd{}, truce.EINVALID},
		{"bad body", truce.KindKeyAdd, origin, t0, truce.KeyAdd{Key: truce.PublicKey{ID: "x", Key: "y"}}, truce.EINVALID},
		{"body not an object", truce.KindKeyAdd, origin, t0, []int{1}, truce.EINVALID},
		{"body not JSON", truce.KindKeyAdd, origin, t0, func() {}, truce.EINVALID},
		{"no time", truce.KindKeyAdd, origin, time.Time{}, truce.KeyAdd{Key: truce.NewPublicKey(f.ukraine2.Public())}, truce.EINVALID},
		{"time out of range", truce.KindKeyAdd, origin, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), truce.KeyAdd{Key: truce.NewPublicKey(f.ukraine2.Public())}, truce.EINVALID},
		{"bad log", truce.KindKeyAdd, "", t0, truce.KeyAdd{Key: truce.NewPublicKey(f.ukraine2.Public())}, truce.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := truce.Sign(f.ukraine, tc.log, tc.kind, tc.at, tc.body)
			if truce.ErrorCode(err) != tc.code {
				t.Fatalf("Sign = %v, want %q", err, tc.code)
			}
		})
	}
}
