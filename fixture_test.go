package truce_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/truce-project/truce"
)

// origin is the log origin of the test deployment.
const origin = "truce.example/energy-moratorium"

// t0 is when the test deployment starts: the day the moratorium was agreed.
var t0 = time.Date(2025, 3, 18, 12, 0, 0, 0, time.UTC)

// fixture holds the keys of a deployment modelled on the March 2025
// moratorium: two parties, the mediator, a monitor and a source, and the
// further keys that the test sequence registers or that nobody registers.
type fixture struct {
	ukraine, russia, us, smm, osint *truce.Signer // root keys, in the charter
	ukraine2, ukraine3, ukraine4    *truce.Signer // added with key.add
	icrc                            *truce.Signer // a monitor the amendment adds
	stranger                        *truce.Signer // never registered
}

// newFixture returns the same keys on every run: they come from a ChaCha8
// stream with a fixed seed.
func newFixture(t testing.TB) *fixture {
	t.Helper()
	rng := rand.NewChaCha8([32]byte{'t', 'r', 'u', 'c', 'e'})
	gen := func(member string) *truce.Signer {
		s, err := truce.GenerateSigner(member, rng)
		if err != nil {
			t.Fatal(err)
		}
		s.Log = origin
		return s
	}
	return &fixture{
		ukraine: gen("ukraine"), russia: gen("russia"), us: gen("us"), smm: gen("smm"), osint: gen("osint"),
		ukraine2: gen("ukraine"), ukraine3: gen("ukraine"), ukraine4: gen("ukraine"),
		icrc:     gen("icrc"),
		stranger: gen("stranger"),
	}
}

func member(id string, role truce.Role, name string, keys ...*truce.Signer) truce.Member {
	m := truce.Member{ID: id, Role: role, Name: name}
	for _, k := range keys {
		m.Keys = append(m.Keys, truce.NewPublicKey(k.Public()))
	}
	return m
}

// charter is the deployment's first charter.
func (f *fixture) charter() *truce.Charter {
	return &truce.Charter{
		Name: "Moratorium on strikes against energy infrastructure, March 2025",
		Members: []truce.Member{
			member("ukraine", truce.RoleParty, "Ukraine", f.ukraine),
			member("russia", truce.RoleParty, "Russian Federation", f.russia),
			member("us", truce.RoleMediator, "United States technical team", f.us),
			member("smm", truce.RoleMonitor, "Monitoring mission", f.smm),
			member("osint", truce.RoleSource, "Open-source investigators", f.osint),
		},
	}
}

// as returns a signer with s's key that claims to be member.
func as(s *truce.Signer, member string) *truce.Signer {
	return &truce.Signer{Member: member, Key: s.Key, Log: s.Log}
}

// payload returns the payload s would sign for kind and body at time at.
func payload(t testing.TB, s *truce.Signer, kind truce.Kind, at time.Time, body any) truce.Payload {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return truce.Payload{Kind: kind, Log: origin, Signer: s.Member, Time: at, Body: b}
}

// signPayload signs p with s and the cosigners and returns the canonical
// envelope.
func signPayload(t testing.TB, s *truce.Signer, p truce.Payload, cosigners ...*truce.Signer) []byte {
	t.Helper()
	st, err := truce.SignPayload(s, p, cosigners...)
	if err != nil {
		t.Fatalf("SignPayload(%s by %s): %v", p.Kind, p.Signer, err)
	}
	return st.Raw
}

// sign signs a statement of kind for the test deployment.
func sign(t testing.TB, s *truce.Signer, kind truce.Kind, at time.Time, body any, cosigners ...*truce.Signer) []byte {
	t.Helper()
	return signPayload(t, s, payload(t, s, kind, at, body), cosigners...)
}

// decode returns the envelope of raw, failing the test if it is malformed.
func decode(t testing.TB, raw []byte) *truce.Envelope {
	t.Helper()
	env, err := truce.DecodeEnvelope(raw)
	if err != nil {
		t.Fatalf("DecodeEnvelope(%s): %v", raw, err)
	}
	return env
}

// flipSig returns raw with one bit of its first signature flipped.
func flipSig(t testing.TB, raw []byte) []byte {
	t.Helper()
	env := decode(t, raw)
	env.Signatures[0].Sig[10] ^= 0x01
	return env.Canonical()
}

// alterPayload returns raw with each old string replaced by the new one
// that follows it in its payload, keeping its signatures.
func alterPayload(t testing.TB, raw []byte, oldnew ...string) []byte {
	t.Helper()
	env := decode(t, raw)
	for i := 0; i+1 < len(oldnew); i += 2 {
		old, new := []byte(oldnew[i]), []byte(oldnew[i+1])
		if !bytes.Contains(env.Payload, old) {
			t.Fatalf("payload %s does not contain %q", env.Payload, old)
		}
		env.Payload = bytes.Replace(env.Payload, old, new, 1)
	}
	return env.Canonical()
}

// parse parses raw, failing the test if it is not a well-formed statement.
func parse(t testing.TB, raw []byte) *truce.Statement {
	t.Helper()
	st, err := truce.ParseStatement(raw)
	if err != nil {
		t.Fatalf("ParseStatement(%s): %v", raw, err)
	}
	return st
}

// checkMessage reports an error unless err's message is one a user can
// read: a sentence, without formatting verbs gone wrong or Go internals.
func checkMessage(t testing.TB, err error) {
	t.Helper()
	msg := truce.ErrorMessage(err)
	first, _ := utf8.DecodeRuneInString(msg)
	switch {
	case msg == "" || msg == "Internal error.":
		t.Errorf("message of %v is %q", err, msg)
	case !unicode.IsUpper(first):
		t.Errorf("message %q does not start with a capital letter", msg)
	case !strings.HasSuffix(msg, ".") && !strings.HasSuffix(msg, ".\"") && !strings.HasSuffix(msg, ")"):
		t.Errorf("message %q does not end a sentence", msg)
	case strings.Contains(msg, "%!"), strings.Contains(msg, "truce error"),
		strings.Contains(msg, "<nil>"), strings.Contains(msg, ".."):
		t.Errorf("message %q is garbled", msg)
	}
}
