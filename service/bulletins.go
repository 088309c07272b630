package service

import (
	"context"

	"github.com/truce-project/truce"
)

// Bulletins implements [truce.Ledger].
func (s *Service) Bulletins(ctx context.Context) ([]truce.BulletinState, error) {
	if err := canReadBulletins(truce.ReaderFrom(ctx)); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	all := s.state.Bulletins.All()
	out := make([]truce.BulletinState, len(all))
	for i, b := range all {
		out[i] = b.Clone()
	}
	return out, nil
}

// Bulletin implements [truce.Ledger].
func (s *Service) Bulletin(ctx context.Context, id string) (*truce.BulletinState, error) {
	if err := canReadBulletins(truce.ReaderFrom(ctx)); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	b := s.state.Bulletins.Bulletin(id)
	if b == nil {
		return nil, truce.Errorf(truce.ENOTFOUND, "Bulletin %q not found.", id)
	}
	c := b.Clone()
	return &c, nil
}

// canReadBulletins returns EUNAUTHORIZED for the public and EFORBIDDEN for
// a reader that does not read everything shared with members: bulletins
// pass between the members' staffs.
func canReadBulletins(r truce.Reader) error {
	switch {
	case r.Member == "":
		return truce.Errorf(truce.EUNAUTHORIZED, "Bulletins are shared with members only: send a bearer token made with \"truce token\".")
	case !r.Full():
		return truce.Errorf(truce.EFORBIDDEN, "Bulletins are shared with parties, the mediator and monitors; %s is a %s.", r.Member, r.Role)
	}
	return nil
}
