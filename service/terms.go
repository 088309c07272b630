package service

import (
	"context"
	"time"

	"github.com/truce-project/truce"
)

// Agreements implements truce.Ledger, from the state in memory.
func (s *Service) Agreements(ctx context.Context) ([]truce.AgreementHistory, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := []truce.AgreementHistory{}
	for _, id := range s.state.Terms.Agreements() {
		out = append(out, s.history(id))
	}
	return out, nil
}

// Agreement implements truce.Ledger.
func (s *Service) Agreement(ctx context.Context, id string, at *time.Time) (*truce.AgreementHistory, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(s.state.Terms.Versions(id)) == 0 {
		return nil, truce.Errorf(truce.ENOTFOUND, "Agreement %q not found.", id)
	}
	h := s.history(id)
	if at != nil {
		t := at.UTC()
		h.At = &t
		for _, party := range parties(h.Versions) {
			if f, ok := s.state.Terms.InForceOf(id, party, t); ok {
				h.InForce = append(h.InForce, f)
			} else {
				h.NotBound = append(h.NotBound, party)
			}
		}
	}
	return &h, nil
}

func (s *Service) history(id string) truce.AgreementHistory {
	return truce.AgreementHistory{ID: id, Versions: s.state.Terms.Versions(id), Periods: s.state.Terms.Periods(id)}
}

// parties returns every party of any version, sorted.
func parties(vs []truce.AgreementVersion) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range vs {
		for _, p := range v.Agreement.Parties {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	sortStrings(out)
	return out
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
