package service

import (
	"context"
	"fmt"

	"github.com/truce-project/truce"
)

// Submit implements truce.Ledger.
func (s *Service) Submit(ctx context.Context, envelope []byte) (*truce.Receipt, bool, error) {
	st, err := truce.ParseStatement(envelope)
	if err != nil {
		return nil, false, err
	}
	if limit := s.now().Add(MaxClockSkew); st.Payload.Time.After(limit) {
		return nil, false, truce.Errorf(truce.EINVALID, "Statement time %s is more than %v ahead of the server's clock (%s).",
			st.Payload.Time.UTC().Format("2006-01-02T15:04:05Z"), MaxClockSkew, s.now().UTC().Format("2006-01-02T15:04:05Z"))
	}
	// A reply's time decides whether it is late, so it must be the time
	// it is made, not one the party chooses.
	if limit := s.now().Add(-MaxClockSkew); st.Payload.Kind == truce.KindResponse && st.Payload.Time.Before(limit) {
		return nil, false, truce.Errorf(truce.EINVALID, "A response is dated when it is made: its time %s is more than %v behind the server's clock (%s).",
			st.Payload.Time.UTC().Format("2006-01-02T15:04:05Z"), MaxClockSkew, s.now().UTC().Format("2006-01-02T15:04:05Z"))
	}
	c, leader := s.inflight.join(st.ID)
	if !leader {
		select {
		case <-c.done:
			return c.receipt, false, c.err
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
	}
	r, created, err := s.lead(ctx, st)
	s.inflight.finish(st.ID, c, r, err)
	return r, created, err
}

// lead is the one submission of st that may append it.
func (s *Service) lead(ctx context.Context, st *truce.Statement) (*truce.Receipt, bool, error) {
	if r, err := s.Receipt(ctx, st.ID); err == nil {
		return r, false, nil
	} else if truce.ErrorCode(err) != truce.ENOTFOUND {
		return nil, false, err
	}
	if err := s.precheck(st); err != nil {
		return nil, false, err
	}
	// Once appending has begun it must finish, whatever the client does:
	// an entry in the log that the projector never hears of would wait for
	// the next poll instead of being applied at once.
	ctx = context.WithoutCancel(ctx)
	index, cp, err := s.append(ctx, st)
	if err != nil {
		return nil, false, err
	}
	s.hand(index, st)
	if err := s.awaitApplied(ctx, index); err != nil {
		return nil, false, err
	}
	r, err := s.receiptAt(ctx, st.ID, cp)
	return r, true, err
}

// notifyingLog is a log that says when an entry is integrated, before a
// checkpoint covers it (tlog.Log does).
type notifyingLog interface {
	AppendNotify(ctx context.Context, entry []byte, integrated func(index uint64)) (uint64, truce.Checkpoint, error)
}

// append appends st's leaf; a sealed statement's envelope is durable in
// the vault before its commitment enters the log, so that no crash leaves
// a commitment without its statement. Where the log allows, it hands the
// statement to the projector as soon as the log has integrated it, so that
// projection and checkpoint publication overlap.
func (s *Service) append(ctx context.Context, st *truce.Statement) (uint64, truce.Checkpoint, error) {
	leaf := truce.Leaf(st)
	if truce.Sealed(st.Payload.Kind) {
		if err := s.vault.Put(ctx, st.Raw); err != nil {
			return 0, truce.Checkpoint{}, fmt.Errorf("put %s in the vault: %w", st.ID, err)
		}
	}
	if nl, ok := s.log.(notifyingLog); ok {
		return nl.AppendNotify(ctx, leaf, func(index uint64) { s.hand(index, st) })
	}
	return s.log.Append(ctx, leaf)
}

// precheck verifies st's signatures outside the lock, then checks its
// authority against the projection as it stands.
func (s *Service) precheck(st *truce.Statement) error {
	s.mu.RLock()
	keys := make(map[string][]byte, len(st.Envelope.Signatures))
	for _, sig := range st.Envelope.Signatures {
		keys[sig.KeyID] = s.state.PublicKey(sig.KeyID)
	}
	s.mu.RUnlock()
	for id, pub := range keys {
		if pub != nil {
			st.Verify(id, pub)
		}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.state.Check(st); err != nil {
		return err
	}
	return s.engine.Check(st)
}

// hand gives the projector a statement this process appended.
func (s *Service) hand(index uint64, st *truce.Statement) {
	s.pendingMu.Lock()
	s.pending[index] = st
	s.pendingMu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// awaitApplied returns once the projection covers index.
func (s *Service) awaitApplied(ctx context.Context, index uint64) error {
	for {
		s.mu.RLock()
		applied, advanced := s.applied, s.advanced
		s.mu.RUnlock()
		if applied > index {
			return nil
		}
		select {
		case <-advanced:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
