package tlog

import (
	"net/url"
	"slices"
	"sync"
	"time"

	fnote "github.com/transparency-dev/formats/note"
	"github.com/transparency-dev/tessera"
	"github.com/truce-project/truce"
	"golang.org/x/mod/sumdb/note"
)

// DefaultWitnessTimeout is how long the log waits for the charter's
// witnesses before it publishes a checkpoint with the cosignatures it has.
// A witness that is down answers at once (connection refused) and costs
// nothing; only a witness that hangs costs this much, and only while the
// others do not make the quorum.
const DefaultWitnessTimeout = 2 * time.Second

// witnessSet is the witnesses the log asks to cosign each checkpoint, as
// Tessera's witness gateway sees them: it asks Endpoints once per
// checkpoint and Satisfied after each cosignature, so SetWitnesses takes
// effect from the next checkpoint. It implements Tessera's policy
// component, and publication is fail-open: a checkpoint that misses the
// quorum is published anyway, with the cosignatures it got, and every
// reader can see that it misses it (see Witnessing).
type witnessSet struct {
	mu        sync.RWMutex
	policy    *truce.WitnessPolicy
	verifiers []note.Verifier // one per witness of the policy, in its order
	endpoints map[string]note.Verifier
}

// Satisfied reports whether cp carries a quorum of cosignatures.
func (s *witnessSet) Satisfied(cp []byte) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.policy == nil {
		return true
	}
	return len(cosigners(cp, s.verifiers)) >= s.policy.Quorum
}

// Endpoints maps each reachable witness's add-checkpoint URL to its verifier.
func (s *witnessSet) Endpoints() map[string]note.Verifier {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make(map[string]note.Verifier, len(s.endpoints))
	for u, v := range s.endpoints {
		out[u] = v
	}
	return out
}

// SetWitnesses sets the charter's witness policy, and the base URL of
// each witness the log can reach, by witness name (a witness without one
// is not asked, and so never cosigns). A nil policy asks no one. It takes
// effect from the next checkpoint. Returns EINVALID for a malformed key or
// URL.
func (l *Log) SetWitnesses(p *truce.WitnessPolicy, urls map[string]string) error {
	verifiers, err := witnessVerifiers(p)
	if err != nil {
		return err
	}
	endpoints := map[string]note.Verifier{}
	for i, v := range verifiers {
		base, ok := urls[p.Witnesses[i].Name()]
		if !ok {
			continue
		}
		u, err := url.Parse(base)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return truce.Errorf(truce.EINVALID, "Witness %s: URL %q is not an http(s) URL.", v.Name(), base)
		}
		endpoints[u.JoinPath("add-checkpoint").String()] = v
	}
	l.witnesses.mu.Lock()
	defer l.witnesses.mu.Unlock()
	l.witnesses.policy, l.witnesses.verifiers, l.witnesses.endpoints = p, verifiers, endpoints
	return nil
}

// Witnessing says which witnesses of the policy set with SetWitnesses
// cosigned cp, and whether their quorum is met.
func (l *Log) Witnessing(cp truce.Checkpoint) *truce.Witnessing {
	l.witnesses.mu.RLock()
	defer l.witnesses.mu.RUnlock()
	return l.witnesses.policy.Witnessed(cosigners(cp.Note, l.witnesses.verifiers))
}

// tesseraWitnesses returns the witness options of the appender.
func (l *Log) tesseraWitnesses(timeout time.Duration) (tessera.WitnessGroup, *tessera.WitnessOptions) {
	return tessera.NewWitnessGroup(1, &l.witnesses), &tessera.WitnessOptions{Timeout: timeout, FailOpen: true}
}

// Witnessed returns which witnesses of p cosigned the checkpoint note, by
// verifying each witness's cosignature/v1 signature on it, and whether p's
// quorum is met. The log's own signature is not checked here: check it
// with VerifyCheckpoint. Returns EINVALID if p holds a malformed key.
func Witnessed(noteBytes []byte, p *truce.WitnessPolicy) (*truce.Witnessing, error) {
	verifiers, err := witnessVerifiers(p)
	if err != nil {
		return nil, err
	}
	return p.Witnessed(cosigners(noteBytes, verifiers)), nil
}

// witnessVerifiers returns a verifier for each witness of p, in order.
func witnessVerifiers(p *truce.WitnessPolicy) ([]note.Verifier, error) {
	if p == nil {
		return nil, nil
	}
	out := make([]note.Verifier, len(p.Witnesses))
	for i, w := range p.Witnesses {
		v, err := fnote.NewVerifierForCosignatureV1(w.Key)
		if err != nil {
			return nil, truce.Errorf(truce.EINVALID, "Witness key %q is malformed: %v.", w.Key, err)
		}
		out[i] = v
	}
	return out, nil
}

// cosigners returns the names of the verifiers whose signatures on the
// note verify. Each verifier is tried alone, so that one bad cosignature
// does not hide the others.
func cosigners(noteBytes []byte, verifiers []note.Verifier) []string {
	var names []string
	for _, v := range verifiers {
		n, err := note.Open(noteBytes, note.VerifierList(v))
		if err == nil && len(n.Sigs) == 1 && !slices.Contains(names, v.Name()) {
			names = append(names, v.Name())
		}
	}
	return names
}
