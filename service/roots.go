package service

import (
	"context"
	"encoding/hex"
	"time"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/engine"
)

// maxRoots is how many recent digests the projector keeps to check
// state.root statements; older ones are for an audit to check.
const maxRoots = 64

// roots remembers the engine's digest at each multiple of the interval.
type roots struct {
	interval uint64
	extra    map[uint64]bool
	digests  map[uint64][32]byte
	// checked counts the state roots compared with a digest.
	checked int
}

// at records and returns the state root for size, if size is a multiple of
// the interval.
func (r *roots) at(size uint64, e *engine.Engine) (truce.StateRoot, bool) {
	if size%r.interval != 0 && !r.extra[size] {
		return truce.StateRoot{}, false
	}
	d := e.Digest()
	r.digests[size] = d
	for old := range r.digests {
		if old+maxRoots*r.interval < size {
			delete(r.digests, old)
		}
	}
	return truce.StateRoot{Size: size, Digest: hex.EncodeToString(d[:]), Incidents: e.Len()}, true
}

// check refuses a state.root that covers entries after its own position or
// whose digest differs from the one this projection computed at its size.
func (r *roots) check(st *truce.Statement, index uint64) error {
	b, ok := st.Body.(*truce.StateRoot)
	if !ok {
		return nil
	}
	if b.Size > index {
		return truce.Errorf(truce.EINVALID, "A state root at log index %d cannot cover %d entries.", index, b.Size)
	}
	d, ok := r.digests[b.Size]
	if !ok {
		return nil
	}
	r.checked++
	if hex.EncodeToString(d[:]) != b.Digest {
		return truce.Errorf(truce.ECONFLICT, "State root for %d entries says %s; this projection computed %s.", b.Size, b.Digest, hex.EncodeToString(d[:]))
	}
	return nil
}

// appendRoots signs and submits the state roots due, in the background:
// the projector must not wait for its own appends. Callers hold s.mu.
func (s *Service) appendRoots(due []truce.StateRoot) {
	if s.operator == nil {
		return
	}
	for _, r := range due {
		st, err := truce.Sign(s.operator, s.log.Origin(), truce.KindStateRoot, s.now().UTC().Truncate(time.Second), r)
		if err != nil {
			s.logger.Error("sign state root", "size", r.Size, "err", err)
			continue
		}
		go func() {
			if _, _, err := s.Submit(context.Background(), st.Raw); err != nil {
				s.logger.Error("append state root", "size", r.Size, "err", err)
			}
		}()
	}
}

// RootsChecked returns how many state.root statements the projector has
// compared with its own digest.
func (s *Service) RootsChecked() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.roots.checked
}

// AllIncidents returns every incident the engine holds, by id.
func (s *Service) AllIncidents() []truce.Incident {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.engine.Incidents()
}

// Digest returns the engine's digest of the derived state and the number
// of incidents, as a state root for the projection's size would say.
func (s *Service) Digest() (truce.StateRoot, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d := s.engine.Digest()
	return truce.StateRoot{Size: s.applied, Digest: hex.EncodeToString(d[:]), Incidents: s.engine.Len()}, nil
}
