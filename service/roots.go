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
	digests  map[uint64][32]byte
}

// at records and returns the state root for size, if size is a multiple of
// the interval.
func (r *roots) at(size uint64, e *engine.Engine) (truce.StateRoot, bool) {
	if size%r.interval != 0 {
		return truce.StateRoot{}, false
	}
	d := e.Digest()
	r.digests[size] = d
	delete(r.digests, size-maxRoots*r.interval)
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
	if d, ok := r.digests[b.Size]; ok && hex.EncodeToString(d[:]) != b.Digest {
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
