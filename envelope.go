package truce

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// PayloadType is the DSSE payloadType of every Truce statement.
const PayloadType = "application/vnd.truce.statement.v1+json"

// MaxEntrySize is the largest canonical envelope the log takes, in bytes:
// the C2SP tlog-tiles limit on an entry. Large evidence goes in by hash.
const MaxEntrySize = 1<<16 - 1

// maxSignatures bounds the work a hostile envelope can cause; a charter
// amendment, signed by every party, is the only kind that needs several.
const maxSignatures = 16

// Envelope is a DSSE envelope (https://github.com/secure-systems-lab/dsse).
// The field order is the canonical order of its JSON encoding.
type Envelope struct {
	PayloadType string      `json:"payloadType"`
	Payload     []byte      `json:"payload"`
	Signatures  []Signature `json:"signatures"`
}

// Signature is one signature of an envelope.
type Signature struct {
	KeyID string `json:"keyid"`
	Sig   []byte `json:"sig"`
}

// PAE returns the DSSE pre-authentication encoding of a payload, which is
// what the signature covers. It is the five lines of the DSSE protocol, so
// Truce writes them rather than import a library whose verifier accepts any
// threshold of unnamed signers where Truce needs one named signer.
func PAE(payloadType string, payload []byte) []byte {
	var b bytes.Buffer
	b.WriteString("DSSEv1 ")
	b.WriteString(strconv.Itoa(len(payloadType)))
	b.WriteByte(' ')
	b.WriteString(payloadType)
	b.WriteByte(' ')
	b.WriteString(strconv.Itoa(len(payload)))
	b.WriteByte(' ')
	b.Write(payload)
	return b.Bytes()
}

// Canonical returns the envelope's canonical bytes: compact JSON, fields in
// declaration order, standard padded base64. These are the log entry.
func (e *Envelope) Canonical() []byte {
	b, err := json.Marshal(e)
	if err != nil {
		panic(fmt.Sprintf("marshal envelope: %v", err)) // only strings and bytes: cannot fail
	}
	return b
}

// VerifySignature reports whether sig is a valid signature of the envelope
// by pub.
func (e *Envelope) VerifySignature(sig Signature, pub ed25519.PublicKey) bool {
	return ed25519.Verify(pub, PAE(e.PayloadType, e.Payload), sig.Sig)
}

// rawEnvelope accepts the payload and signatures as strings, so that both
// base64 alphabets the DSSE specification allows can be decoded strictly.
type rawEnvelope struct {
	PayloadType *string `json:"payloadType"`
	Payload     *string `json:"payload"`
	Signatures  []struct {
		KeyID string `json:"keyid"`
		Sig   string `json:"sig"`
	} `json:"signatures"`
}

// DecodeEnvelope parses a DSSE envelope. It returns ETOOLARGE for data over
// MaxEntrySize, EUNAUTHORIZED for an envelope without a signature or with
// one that is not a well-formed ed25519 signature, and EINVALID for
// anything else malformed: invalid UTF-8, unknown fields, trailing data,
// bad base64, a wrong payloadType, too many signatures, a key id that is
// not one, or two signatures by one key. Either base64 alphabet of DSSE is
// accepted; Canonical writes the standard one.
func DecodeEnvelope(data []byte) (*Envelope, error) {
	if len(data) > MaxEntrySize {
		return nil, Errorf(ETOOLARGE, "Statement is %d bytes; the log takes at most %d. Put large evidence in by hash.", len(data), MaxEntrySize)
	}
	if !utf8.Valid(data) {
		return nil, Errorf(EINVALID, "Envelope is not valid UTF-8.")
	}
	if err := checkDepth(data, maxDepth); err != nil {
		return nil, err
	}
	var raw rawEnvelope
	if err := decodeStrict(data, &raw); err != nil {
		return nil, Errorf(EINVALID, "Envelope: %s", ErrorMessage(err))
	}
	switch {
	case raw.PayloadType == nil || raw.Payload == nil:
		return nil, Errorf(EINVALID, "Envelope: payloadType and payload are required.")
	case *raw.PayloadType != PayloadType:
		return nil, Errorf(EINVALID, "Envelope: payloadType must be %q.", PayloadType)
	case len(raw.Signatures) == 0:
		return nil, Errorf(EUNAUTHORIZED, "Envelope has no signature.")
	case len(raw.Signatures) > maxSignatures:
		return nil, Errorf(EINVALID, "Envelope has %d signatures; at most %d are allowed.", len(raw.Signatures), maxSignatures)
	}
	payload, err := decodeBase64(*raw.Payload)
	if err != nil {
		return nil, Errorf(EINVALID, "Envelope: payload is not base64.")
	}
	env := &Envelope{PayloadType: *raw.PayloadType, Payload: payload}
	for i, s := range raw.Signatures {
		sig, err := decodeBase64(s.Sig)
		if err != nil || len(sig) != ed25519.SignatureSize {
			return nil, Errorf(EUNAUTHORIZED, "Envelope: signature %d is not a %d-byte ed25519 signature in base64.", i, ed25519.SignatureSize)
		}
		if !validKeyID(s.KeyID) {
			return nil, Errorf(EINVALID, "Envelope: signature %d: keyid %q is not a Truce key id.", i, s.KeyID)
		}
		// A repeated signature adds nothing but would give the same
		// statement another id, and so another log entry.
		for j, prev := range env.Signatures {
			if prev.KeyID == s.KeyID {
				return nil, Errorf(EINVALID, "Envelope: signatures %d and %d are by the same key %q.", j, i, s.KeyID)
			}
		}
		env.Signatures = append(env.Signatures, Signature{KeyID: s.KeyID, Sig: sig})
	}
	return env, nil
}

func decodeBase64(s string) ([]byte, error) {
	if b, err := base64.StdEncoding.Strict().DecodeString(s); err == nil {
		return b, nil
	}
	return base64.URLEncoding.Strict().DecodeString(s)
}

func validKeyID(id string) bool {
	if len(id) != 32 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil && id == hexLower(id)
}

func hexLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'F' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
