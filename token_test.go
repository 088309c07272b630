package truce_test

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/truce-project/truce"
)

func TestTokens(t *testing.T) {
	m := newMoratorium(t)
	now := t0.Add(time.Hour)
	tok := func(s *truce.Signer, log string, at time.Time, ttl time.Duration) string {
		t.Helper()
		v, err := truce.NewToken(s, log, at, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	good := tok(m.ru, origin, now, 8*time.Hour)
	if mem, err := m.state.CheckToken(good, now.Add(time.Minute)); err != nil || mem.ID != "ru" {
		t.Fatalf("a good token: %v, %v", mem, err)
	}
	if _, err := truce.NewToken(m.ru, origin, now, 25*time.Hour); truce.ErrorCode(err) != truce.EINVALID {
		t.Errorf("a token for 25 hours: %v", err)
	}
	claims, sig, _ := strings.Cut(strings.TrimPrefix(good, "truce1."), ".")
	for _, c := range []struct {
		name, token string
		at          time.Time
		want        string
	}{
		{"expired", good, now.Add(8 * time.Hour), "expired"},
		{"issued ahead", good, now.Add(-time.Hour), "ahead"},
		{"another log", tok(m.ru, "truce.example/other", now, time.Hour), now, "for log"},
		{"signature of another claim", "truce1." + strings.TrimPrefix(strings.SplitN(tok(m.ua, origin, now, time.Hour), ".", 3)[1], "") + "." + sig, now, "does not verify"},
		{"no prefix", claims + "." + sig, now, "truce1."},
		{"no signature", "truce1." + claims, now, "no signature"},
		{"bad base64", "truce1." + claims + ".!!", now, "base64url"},
		{"too long", "truce1." + strings.Repeat("A", 4000) + "." + sig, now, "too long"},
	} {
		_, err := m.state.CheckToken(c.token, c.at)
		if truce.ErrorCode(err) != truce.EUNAUTHORIZED || !strings.Contains(truce.ErrorMessage(err), c.want) {
			t.Errorf("%s: %v, want unauthorized saying %q", c.name, err, c.want)
		}
	}
	// Russia adds a second key, proving it holds it, then revokes the first.
	ru2, err := truce.GenerateSigner("ru", rand.NewChaCha8([32]byte{'r', 'u', '2'}))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(truce.KeyAdd{Key: truce.NewPublicKey(ru2.Public())})
	add, err := truce.SignPayload(m.ru, truce.Payload{Kind: truce.KindKeyAdd, Log: origin, Signer: "ru", Time: now, Body: body}, ru2)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.state.Check(add); err != nil {
		t.Fatal(err)
	}
	m.state.Apply(add, m.next)
	m.next++
	m.must(t, m.ru, truce.KindKeyRevoke, now, &truce.KeyRevoke{Member: "ru", KeyID: m.ru.ID(), Reason: "Lost."})
	if _, err := m.state.CheckToken(good, now.Add(time.Minute)); truce.ErrorCode(err) != truce.EUNAUTHORIZED || !strings.Contains(truce.ErrorMessage(err), "revoked") {
		t.Errorf("a token of a revoked key: %v", err)
	}
}

func FuzzCheckToken(f *testing.F) {
	m := newMoratorium(f)
	good, _ := truce.NewToken(m.ua, origin, t0, time.Hour)
	f.Add(good)
	f.Add("truce1..")
	f.Add("truce1.e30.AAAA")
	f.Fuzz(func(t *testing.T, tok string) {
		mem, err := m.state.CheckToken(tok, t0.Add(time.Minute))
		if err == nil && (mem == nil || mem.ID != "ua") {
			t.Fatalf("accepted %q as %v", tok, mem)
		}
		if err != nil && truce.ErrorCode(err) != truce.EUNAUTHORIZED {
			t.Fatalf("error %v is not unauthorized", err)
		}
	})
}
