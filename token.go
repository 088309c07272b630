package truce

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
)

// A token is how a member proves, when it reads, that it holds one of its
// keys: it signs a short claim itself, and the server checks the claim
// against the key registry of the log. There are no passwords and no
// secrets kept per user on the server.
//
// The form is "truce1." + base64url(claims) + "." + base64url(signature),
// without padding, where claims is the JSON of [TokenClaims] and the
// signature is ed25519 over TokenContext followed by the claims bytes
// exactly as encoded. A browser can make one with WebCrypto.
const (
	tokenPrefix = "truce1."
	// TokenContext separates token signatures from statement signatures.
	TokenContext = "truce-token-v1\n"
	// MaxTokenTTL is the longest a token may live.
	MaxTokenTTL = 24 * time.Hour
	// tokenSkew is how far a token's issue time may be ahead of the
	// server's clock.
	tokenSkew = 5 * time.Minute
)

// TokenClaims is what a token says: which member, with which key, for
// which log, and when it expires (Unix seconds).
type TokenClaims struct {
	Log      string `json:"log"`
	Member   string `json:"member"`
	Key      string `json:"key"`
	IssuedAt int64  `json:"iat"`
	Expires  int64  `json:"exp"`
}

// NewToken returns a token for s, valid from now for ttl.
func NewToken(s *Signer, log string, now time.Time, ttl time.Duration) (string, error) {
	if ttl <= 0 || ttl > MaxTokenTTL {
		return "", Errorf(EINVALID, "A token lives more than 0 and at most %v, not %v.", MaxTokenTTL, ttl)
	}
	claims, err := json.Marshal(TokenClaims{Log: log, Member: s.Member, Key: s.ID(), IssuedAt: now.Unix(), Expires: now.Add(ttl).Unix()})
	if err != nil {
		return "", err
	}
	sig := edSign(s.Key, append([]byte(TokenContext), claims...))
	enc := base64.RawURLEncoding
	return tokenPrefix + enc.EncodeToString(claims) + "." + enc.EncodeToString(sig), nil
}

// maxTokenSize bounds what ParseToken reads.
const maxTokenSize = 2048

// CheckToken returns the member that tok proves, at now. The token must be
// well formed, for this log, signed by a registered key of the member it
// names that is not revoked, by a member the charter in force names, and
// not expired. Errors are EUNAUTHORIZED and say what is wrong.
func (a *Authority) CheckToken(tok string, now time.Time) (*MemberState, error) {
	claims, err := a.VerifyToken(tok)
	if err != nil {
		return nil, err
	}
	return a.CheckClaims(claims, now)
}

// VerifyToken returns the claims of tok once its signature checks with the
// registered key it names, which must be the member's; it does not look at
// the time or at revocation: see [Authority.CheckClaims]. A server may
// remember the claims of a verified token, since a key id names one public
// key, and check only the claims when it sees the token again.
func (a *Authority) VerifyToken(tok string) (*TokenClaims, error) {
	claims, signed, sig, err := parseToken(tok)
	if err != nil {
		return nil, err
	}
	if claims.Log != a.origin {
		return nil, Errorf(EUNAUTHORIZED, "The token is for log %q, not this one (%q).", claims.Log, a.origin)
	}
	k := a.keys[claims.Key]
	switch {
	case k == nil:
		return nil, Errorf(EUNAUTHORIZED, "The token's key %s is not registered in this log.", claims.Key)
	case k.Member != claims.Member:
		return nil, Errorf(EUNAUTHORIZED, "The token's key %s is not %s's.", claims.Key, claims.Member)
	case !ed25519.Verify(k.pub, signed, sig):
		return nil, Errorf(EUNAUTHORIZED, "The token's signature does not verify with key %s.", claims.Key)
	}
	return claims, nil
}

// CheckClaims returns the member that verified claims prove at now: the
// key is not revoked, the charter in force names the member, and the
// token is live.
func (a *Authority) CheckClaims(claims *TokenClaims, now time.Time) (*MemberState, error) {
	k := a.keys[claims.Key]
	switch {
	case k == nil || k.Member != claims.Member:
		return nil, Errorf(EUNAUTHORIZED, "The token's key %s is not %s's.", claims.Key, claims.Member)
	case !k.Active():
		return nil, Errorf(EUNAUTHORIZED, "The token's key %s was revoked at log index %d.", k.ID, *k.RevokedAt)
	}
	m := a.members[claims.Member]
	if m == nil || m.Removed {
		return nil, Errorf(EUNAUTHORIZED, "%s is not a member of the charter in force.", claims.Member)
	}
	iat, exp := time.Unix(claims.IssuedAt, 0), time.Unix(claims.Expires, 0)
	switch {
	case !exp.After(iat) || exp.Sub(iat) > MaxTokenTTL:
		return nil, Errorf(EUNAUTHORIZED, "The token lives %v; a token lives at most %v.", exp.Sub(iat), MaxTokenTTL)
	case iat.After(now.Add(tokenSkew)):
		return nil, Errorf(EUNAUTHORIZED, "The token was issued at %s, ahead of the server's clock (%s).", iat.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	case !now.Before(exp):
		return nil, Errorf(EUNAUTHORIZED, "The token expired at %s; make a new one with \"truce token\".", exp.UTC().Format(time.RFC3339))
	}
	return m, nil
}

// parseToken splits tok into its claims, the bytes its signature covers,
// and the signature.
func parseToken(tok string) (*TokenClaims, []byte, []byte, error) {
	bad := func(what string) error {
		return Errorf(EUNAUTHORIZED, "The bearer token is not a Truce token (%s); make one with \"truce token\".", what)
	}
	if len(tok) > maxTokenSize {
		return nil, nil, nil, bad("too long")
	}
	rest, ok := strings.CutPrefix(tok, tokenPrefix)
	if !ok {
		return nil, nil, nil, bad("it must start with " + tokenPrefix)
	}
	c64, s64, ok := strings.Cut(rest, ".")
	if !ok {
		return nil, nil, nil, bad("no signature")
	}
	claims, err1 := base64.RawURLEncoding.Strict().DecodeString(c64)
	sig, err2 := base64.RawURLEncoding.Strict().DecodeString(s64)
	if err1 != nil || err2 != nil || len(sig) != ed25519.SignatureSize {
		return nil, nil, nil, bad("bad base64url")
	}
	var c TokenClaims
	dec := json.NewDecoder(bytes.NewReader(claims))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil || dec.More() {
		return nil, nil, nil, bad("bad claims")
	}
	return &c, append([]byte(TokenContext), claims...), sig, nil
}
