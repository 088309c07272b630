package service

import (
	"context"

	"github.com/truce-project/truce"
)

// Incidents implements truce.Ledger.
func (s *Service) Incidents(ctx context.Context, q truce.IncidentQuery) (*truce.IncidentResult, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = truce.DefaultIncidentLimit
	}
	if limit > truce.MaxIncidentLimit {
		return nil, truce.Errorf(truce.EINVALID, "limit must be at most %d.", truce.MaxIncidentLimit)
	}
	ids, more := s.incidentIndex().query(&q, limit, s.now())
	res := &truce.IncidentResult{Incidents: make([]truce.Incident, 0, len(ids))}
	s.mu.RLock()
	who := s.audienceOf(ctx)
	for _, id := range ids {
		if inc, ok := s.engine.Incident(id); ok {
			if v, ok := who.incident(&inc); ok {
				res.Incidents = append(res.Incidents, v)
			}
		}
	}
	s.mu.RUnlock()
	if more && len(ids) > 0 {
		res.Next = ids[len(ids)-1]
	}
	return res, nil
}

func (s *Service) incidentIndex() *incidentIndex {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.incidents
}

// Incident implements truce.Ledger.
func (s *Service) Incident(ctx context.Context, id string) (*truce.Incident, error) {
	s.mu.RLock()
	inc, ok := s.engine.Incident(id)
	if ok {
		inc, ok = s.audienceOf(ctx).incident(&inc)
	}
	s.mu.RUnlock()
	if !ok {
		return nil, truce.Errorf(truce.ENOTFOUND, "Incident %q not found.", id)
	}
	return &inc, nil
}

// Report implements truce.Ledger.
func (s *Service) Report(ctx context.Context, id string) (*truce.ReportView, error) {
	rec, err := s.store.Statement(ctx, id)
	if err != nil {
		return nil, err
	}
	if rec.Kind != truce.KindReport {
		return nil, truce.Errorf(truce.ENOTFOUND, "Statement %s is a %s, not a report.", id, rec.Kind)
	}
	if !truce.ReaderFrom(ctx).SeesStatement(rec.Kind, rec.Signer) {
		return nil, truce.Errorf(truce.ENOTFOUND, "Report %s not found.", id)
	}
	st, err := truce.ParseStatement(rec.Envelope)
	if err != nil {
		return nil, err
	}
	v := &truce.ReportView{Record: *rec, Report: st.Body.(*truce.Report)}
	s.mu.RLock()
	v.Incident, _ = s.engine.IncidentOf(id)
	if r := s.state.Reports.Report(id); r != nil {
		v.Retracted = r.Retracted
	}
	s.mu.RUnlock()
	return v, nil
}
