package truce

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Witness is a witness the charter names: a service speaking C2SP
// tlog-witness, run by a member on its own machine, that cosigns a
// checkpoint of the log only if it is consistent with every checkpoint it
// cosigned before.
type Witness struct {
	// Member is the member that runs the witness.
	Member string `json:"member"`
	// Key is the witness's verifier key in the signed-note format,
	// NAME+HASH+BASE64, for Ed25519 cosignature/v1 (C2SP tlog-cosignature:
	// the key's first byte is 0x04). NAME is the name its cosignatures carry.
	Key string `json:"key"`
}

// WitnessPolicy is the charter's rule for witnessed checkpoints: the
// witnesses, and how many of them must cosign a checkpoint for it to count
// as witnessed.
type WitnessPolicy struct {
	Witnesses []Witness `json:"witnesses"`
	// Quorum is the number of distinct witnesses whose cosignatures a
	// checkpoint needs, from 1 to len(Witnesses).
	Quorum int `json:"quorum"`
}

// maxWitnesses bounds a charter's witness list.
const maxWitnesses = 32

// algCosignatureV1 is the signed-note key type of an Ed25519
// cosignature/v1 key.
const algCosignatureV1 = 4

// Name returns the name the witness signs with, the first field of Key.
func (w Witness) Name() string {
	name, _, _ := strings.Cut(w.Key, "+")
	return name
}

// PublicKey returns the witness's Ed25519 public key, or EINVALID if Key is
// not a well-formed cosignature/v1 verifier key whose hash matches.
func (w Witness) PublicKey() (ed25519.PublicKey, error) {
	name, rest, _ := strings.Cut(w.Key, "+")
	hash16, key64, _ := strings.Cut(rest, "+")
	key, err := base64.StdEncoding.Strict().DecodeString(key64)
	if !validNoteName(name) || len(hash16) != 8 || err != nil || len(key) != 1+ed25519.PublicKeySize || key[0] != algCosignatureV1 {
		return nil, Errorf(EINVALID, "Witness key %q must be NAME+HASH+BASE64, an Ed25519 cosignature/v1 verifier key (type 0x04); \"truce witness key\" makes one.", w.Key)
	}
	hash, err := strconv.ParseUint(hash16, 16, 32)
	if err != nil || uint32(hash) != CosignatureKeyHash(name, key[1:]) {
		return nil, Errorf(EINVALID, "Witness key %q: the key hash does not match the name and key.", w.Key)
	}
	return ed25519.PublicKey(key[1:]), nil
}

// CosignatureKeyHash returns the signed-note key hash of an Ed25519
// cosignature/v1 key: the first four bytes of SHA-256(name || "\n" ||
// 0x04 || key), big-endian.
func CosignatureKeyHash(name string, pub ed25519.PublicKey) uint32 {
	h := sha256.New()
	h.Write([]byte(name + "\n"))
	h.Write([]byte{algCosignatureV1})
	h.Write(pub)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

// validNoteName reports whether name can name a signed-note key:
// non-empty UTF-8 without spaces or '+'.
func validNoteName(name string) bool {
	return name != "" && len(name) <= 255 && utf8.ValidString(name) &&
		strings.IndexFunc(name, unicode.IsSpace) < 0 && !strings.Contains(name, "+")
}

// validate checks the policy against the charter's members: well-formed
// keys, distinct names, witnesses run by members, and a quorum that the
// witnesses can meet.
func (p *WitnessPolicy) validate(c *Charter) error {
	if len(p.Witnesses) == 0 || len(p.Witnesses) > maxWitnesses {
		return Errorf(EINVALID, "A charter's witness policy names 1 to %d witnesses.", maxWitnesses)
	}
	if p.Quorum < 1 || p.Quorum > len(p.Witnesses) {
		return Errorf(EINVALID, "The witness quorum %d must be from 1 to the number of witnesses, %d.", p.Quorum, len(p.Witnesses))
	}
	names := map[string]bool{}
	for _, w := range p.Witnesses {
		if _, err := w.PublicKey(); err != nil {
			return err
		}
		if c.Member(w.Member) == nil {
			return Errorf(EINVALID, "Witness %s is run by %q, who is not a member of the charter.", w.Name(), w.Member)
		}
		if names[w.Name()] || policyKeywords[w.Name()] {
			return Errorf(EINVALID, "Witness name %q is used twice, or is a policy keyword.", w.Name())
		}
		names[w.Name()] = true
	}
	return nil
}

// policyKeywords are the words of the policy format, which cannot name a
// witness.
var policyKeywords = map[string]bool{"log": true, "witness": true, "group": true, "quorum": true, "any": true, "all": true, "none": true}

// Text returns the policy in the Sigsum policy format with vkeys that
// Tessera and filippo.io/torchwood read (torchwood.ParsePolicy): the log
// whose verifier key is logKey, each witness, and the quorum, e.g.
//
//	log truce.example/mission+1a2b3c4d+AQ...
//	witness truce.example/mission/witness/ua truce.example/mission/witness/ua+5e6f7a8b+BA...
//	group charter 2 truce.example/mission/witness/ua ...
//	quorum charter
func (p *WitnessPolicy) Text(logKey string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "log %s\n", logKey)
	names := make([]string, len(p.Witnesses))
	for i, w := range p.Witnesses {
		names[i] = w.Name()
		fmt.Fprintf(&b, "witness %s %s\n", w.Name(), w.Key)
	}
	fmt.Fprintf(&b, "group charter %d %s\nquorum charter\n", p.Quorum, strings.Join(names, " "))
	return b.String()
}

// Witnessing says which of the charter's witnesses cosigned a checkpoint
// and whether the charter's policy is met. A checkpoint is published
// whether or not it is (see docs/design.md), so every reader must look.
type Witnessing struct {
	// Quorum is the number of witnesses the charter asks for; 0 when the
	// charter names none.
	Quorum int `json:"quorum"`
	// Cosigned names, by witness key name, the witnesses whose
	// cosignatures on the checkpoint verify, in the charter's order.
	Cosigned []string `json:"cosigned"`
	// Missing names the charter's other witnesses.
	Missing []string `json:"missing"`
	// QuorumMet is set when Cosigned has at least Quorum witnesses.
	QuorumMet bool `json:"quorum_met"`
}

// Witnessed returns the Witnessing of a checkpoint that the witnesses
// named in cosigned have cosigned. A nil policy is met by any checkpoint.
func (p *WitnessPolicy) Witnessed(cosigned []string) *Witnessing {
	w := &Witnessing{Cosigned: []string{}, Missing: []string{}}
	if p == nil {
		w.QuorumMet = true
		return w
	}
	w.Quorum = p.Quorum
	for _, wit := range p.Witnesses {
		if slices.Contains(cosigned, wit.Name()) {
			w.Cosigned = append(w.Cosigned, wit.Name())
		} else {
			w.Missing = append(w.Missing, wit.Name())
		}
	}
	w.QuorumMet = len(w.Cosigned) >= p.Quorum
	return w
}

// Summary says in a line who cosigned and whether the quorum is met.
func (w *Witnessing) Summary() string {
	if w.Quorum == 0 {
		return "the charter names no witnesses"
	}
	who := "no witness"
	if len(w.Cosigned) > 0 {
		who = strings.Join(w.Cosigned, ", ")
	}
	verdict := "quorum met"
	if !w.QuorumMet {
		verdict = "QUORUM NOT MET"
	}
	return fmt.Sprintf("cosigned by %s (%d of %d witnesses; the charter requires %d): %s",
		who, len(w.Cosigned), len(w.Cosigned)+len(w.Missing), w.Quorum, verdict)
}

// WitnessView is the charter's witness policy and how the latest
// checkpoint meets it, as GET /v1/witnesses shows it.
type WitnessView struct {
	// Charter and CharterIndex name the charter in force, whose policy this
	// is, so that a client can read it from the log and check its inclusion
	// rather than trust this answer.
	Charter      string `json:"charter"`
	CharterIndex uint64 `json:"charter_index"`
	// Policy is nil when the charter names no witnesses.
	Policy *WitnessPolicy `json:"policy"`
	// PolicyText is Policy in the format of Tessera and torchwood.
	PolicyText string `json:"policy_text,omitempty"`
	// Checkpoint is the latest checkpoint, with its cosignatures.
	Checkpoint string      `json:"checkpoint"`
	Witnessing *Witnessing `json:"witnessing"`
}
