package service

import (
	"context"
	"fmt"

	"github.com/truce-project/truce"
)

// witnessingLog is a log that knows the charter's witnesses and can tell
// which of them cosigned a checkpoint (tlog.Log can).
type witnessingLog interface {
	Witnessing(cp truce.Checkpoint) *truce.Witnessing
}

// witnessing returns which witnesses cosigned cp, or nil if the log cannot
// tell.
func (s *Service) witnessing(cp truce.Checkpoint) *truce.Witnessing {
	if wl, ok := s.log.(witnessingLog); ok {
		return wl.Witnessing(cp)
	}
	return nil
}

// Charter returns the charter in force and the record of its statement.
// Returns ENOTFOUND before the log has its charter.
func (s *Service) Charter(ctx context.Context) (*truce.Charter, *truce.Record, error) {
	id, err := s.store.Charter(ctx)
	if err != nil {
		return nil, nil, err
	}
	if id == "" {
		return nil, nil, truce.Errorf(truce.ENOTFOUND, "The log has no charter yet.")
	}
	rec, err := s.store.Statement(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	st, err := truce.ParseStatement(rec.Envelope)
	if err != nil {
		return nil, nil, fmt.Errorf("parse charter %s: %w", id, err)
	}
	c, ok := st.Body.(*truce.Charter)
	if !ok {
		return nil, nil, fmt.Errorf("statement %s is a %s, not the charter", id, st.Payload.Kind)
	}
	return c, rec, nil
}

// Witnesses returns the charter's witness policy and how the latest
// checkpoint meets it. PolicyText is left to the caller, who knows the
// log's verifier key.
func (s *Service) Witnesses(ctx context.Context) (*truce.WitnessView, error) {
	c, rec, err := s.Charter(ctx)
	if err != nil {
		return nil, err
	}
	cp, err := s.log.Checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	return &truce.WitnessView{Charter: rec.ID, CharterIndex: rec.Index, Policy: c.Witnesses,
		Checkpoint: string(cp.Note), Witnessing: s.witnessing(cp)}, nil
}
