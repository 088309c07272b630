package truce

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sync"
	"time"
	"unicode/utf8"
)

// Kind names what a statement says. Each kind has one body type.
type Kind string

// The kinds this version records.
const (
	KindCharter   Kind = "charter"
	KindKeyAdd    Kind = "key.add"
	KindKeyRevoke Kind = "key.revoke"

	KindAgreementPropose Kind = "agreement.propose"
	KindAgreementSign    Kind = "agreement.sign"

	KindSiteDeclare Kind = "site.declare"
	KindSiteBatch   Kind = "site.batch"
	KindSiteRetire  Kind = "site.retire"
	KindSiteDispute Kind = "site.dispute"

	KindReport        Kind = "report"
	KindReportRetract Kind = "report.retract"

	KindResponse      Kind = "response"
	KindDetermination Kind = "determination"
	KindBulletin      Kind = "bulletin"
	KindBulletinAck   Kind = "bulletin.ack"

	KindStateRoot Kind = "state.root"
)

// bodyDecoders holds, for each kind this version accepts, the function
// that decodes and validates its body.
var bodyDecoders = map[Kind]func([]byte) (any, error){
	KindCharter:   decodeBody[Charter],
	KindKeyAdd:    decodeBody[KeyAdd],
	KindKeyRevoke: decodeBody[KeyRevoke],

	KindAgreementPropose: decodeBody[AgreementPropose],
	KindAgreementSign:    decodeBody[AgreementSign],

	KindSiteDeclare: decodeBody[SiteDeclare],
	KindSiteBatch:   decodeBody[SiteBatch],
	KindSiteRetire:  decodeBody[SiteRetire],
	KindSiteDispute: decodeBody[SiteDispute],

	KindReport:        decodeBody[Report],
	KindReportRetract: decodeBody[ReportRetract],

	KindResponse:      decodeBody[Response],
	KindDetermination: decodeBody[Determination],
	KindBulletin:      decodeBody[Bulletin],
	KindBulletinAck:   decodeBody[BulletinAck],

	KindStateRoot: decodeBody[StateRoot],
}

// Kinds returns the kinds this version accepts, in a fixed order.
func Kinds() []Kind {
	return []Kind{KindCharter, KindKeyAdd, KindKeyRevoke, KindAgreementPropose, KindAgreementSign,
		KindSiteDeclare, KindSiteBatch, KindSiteRetire, KindSiteDispute, KindReport, KindReportRetract,
		KindResponse, KindDetermination, KindBulletin, KindBulletinAck, KindStateRoot}
}

// validator is implemented by every body type.
type validator interface{ Validate() error }

func decodeBody[T any, P interface {
	*T
	validator
}](data []byte) (any, error) {
	v := P(new(T))
	if err := decodeStrict(data, v); err != nil {
		return nil, err
	}
	if err := v.Validate(); err != nil {
		return nil, err
	}
	return v, nil
}

// Payload is the signed content of a statement.
type Payload struct {
	// Kind says what the statement is; it selects the type of Body.
	Kind Kind `json:"kind"`
	// Log is the origin of the deployment the statement is meant for, so a
	// statement signed for one deployment cannot be replayed in another.
	Log string `json:"log"`
	// Signer is the member id of whoever signed it.
	Signer string `json:"signer"`
	// Time is when the signer says it made the statement (RFC 3339).
	Time time.Time `json:"time"`
	// Body is the kind-specific content.
	Body json.RawMessage `json:"body"`
}

// Statement is a decoded, well-formed statement. Whether its signature
// checks and its signer may say it is for an Authority to decide.
type Statement struct {
	// ID is the lowercase hex SHA-256 of Raw.
	ID string
	// Raw is the canonical envelope: the bytes of the log entry.
	Raw      []byte
	Envelope *Envelope
	Payload  Payload
	// Body is the decoded body: *Charter, *KeyAdd, *KeyRevoke, ...
	Body any

	// verified remembers the keys whose signatures have checked, so that the
	// projector need not repeat what the front door or a parallel pass did.
	// A key id names one public key, so a verdict never goes stale.
	verified sync.Map
}

// Verify reports whether the envelope carries a valid signature by the key
// with the given id and public key, and remembers a success. Safe for
// concurrent use.
func (st *Statement) Verify(keyID string, pub ed25519.PublicKey) bool {
	if _, ok := st.verified.Load(keyID); ok {
		return true
	}
	for _, sig := range st.Envelope.Signatures {
		if sig.KeyID == keyID && st.Envelope.VerifySignature(sig, pub) {
			st.verified.Store(keyID, true)
			return true
		}
	}
	return false
}

// StatementID returns the id of a canonical envelope.
func StatementID(raw []byte) string {
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// ParseStatement decodes an envelope and its payload and checks that both
// are well formed. It does not check signatures. Returns the errors of
// DecodeEnvelope, EINVALID for a malformed payload, ENOTIMPLEMENTED for a
// kind this version does not handle yet, and ETOOLARGE for a canonical
// envelope over MaxEntrySize.
func ParseStatement(data []byte) (*Statement, error) {
	env, err := DecodeEnvelope(data)
	if err != nil {
		return nil, err
	}
	p, body, err := decodePayload(env.Payload)
	if err != nil {
		return nil, err
	}
	raw := env.Canonical()
	if len(raw) > MaxEntrySize {
		return nil, Errorf(ETOOLARGE, "Statement is %d bytes in canonical form; the log takes at most %d.", len(raw), MaxEntrySize)
	}
	return &Statement{ID: StatementID(raw), Raw: raw, Envelope: env, Payload: p, Body: body}, nil
}

func decodePayload(data []byte) (Payload, any, error) {
	var p Payload
	if !utf8.Valid(data) {
		return p, nil, Errorf(EINVALID, "Payload is not valid UTF-8.")
	}
	if err := checkDepth(data, maxDepth); err != nil {
		return p, nil, err
	}
	if err := decodeStrict(data, &p); err != nil {
		return p, nil, Errorf(EINVALID, "Payload: %s", ErrorMessage(err))
	}
	if err := p.validate(); err != nil {
		return p, nil, err
	}
	body, err := bodyDecoders[p.Kind](p.Body)
	if err != nil {
		return p, nil, Errorf(EINVALID, "Payload body (%s): %s", p.Kind, ErrorMessage(err))
	}
	return p, body, nil
}

func (p *Payload) validate() error {
	if _, ok := bodyDecoders[p.Kind]; !ok {
		return Errorf(EINVALID, "Payload: unknown kind %q (this version accepts %v).", p.Kind, Kinds())
	}
	if err := ValidateOrigin(p.Log); err != nil {
		return Errorf(EINVALID, "Payload: log: %s", ErrorMessage(err))
	}
	if err := ValidateMemberID(p.Signer); err != nil {
		return Errorf(EINVALID, "Payload: signer: %s", ErrorMessage(err))
	}
	if p.Time.IsZero() {
		return Errorf(EINVALID, "Payload: time is required (RFC 3339).")
	}
	// RFC 3339 writes years 0000 to 9999. A time at the edge with an offset
	// falls outside them in UTC, where records and stores keep it.
	if y := p.Time.UTC().Year(); y < 0 || y > 9999 {
		return Errorf(EINVALID, "Payload: time %s is outside years 0000 to 9999 in UTC.", p.Time.Format(time.RFC3339))
	}
	if len(p.Body) == 0 || p.Body[0] != '{' {
		return Errorf(EINVALID, "Payload: body must be a JSON object.")
	}
	return nil
}

// Sign makes a statement of kind with body, signed by s for the deployment
// whose log origin is log, claiming time t.
func Sign(s *Signer, log string, kind Kind, t time.Time, body any) (*Statement, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, Errorf(EINVALID, "Body: %v", err)
	}
	return SignPayload(s, Payload{Kind: kind, Log: log, Signer: s.Member, Time: t.UTC(), Body: b})
}

// SignPayload signs p with s and parses the result, so that what Sign
// returns is exactly what the service will accept as well formed.
func SignPayload(s *Signer, p Payload, cosigners ...*Signer) (*Statement, error) {
	payload, err := json.Marshal(p)
	if err != nil {
		return nil, Errorf(EINVALID, "Payload: %v", err)
	}
	env := &Envelope{PayloadType: PayloadType, Payload: payload}
	for _, k := range append([]*Signer{s}, cosigners...) {
		env.Signatures = append(env.Signatures, Signature{KeyID: k.ID(), Sig: k.sign(env)})
	}
	return ParseStatement(env.Canonical())
}

func (s *Signer) sign(env *Envelope) []byte {
	return edSign(s.Key, PAE(env.PayloadType, env.Payload))
}
