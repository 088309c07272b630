package service

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"

	"github.com/truce-project/truce"
)

// Incidents implements truce.Ledger.
func (s *Service) Incidents(ctx context.Context, q truce.IncidentQuery) (*truce.IncidentResult, error) {
	entries, next, err := s.queryIncidents(&q)
	if err != nil {
		return nil, err
	}
	res := &truce.IncidentResult{Incidents: make([]truce.Incident, 0, len(entries)), Next: next}
	s.mu.RLock()
	who := s.audienceOf(ctx)
	for _, e := range entries {
		if inc, ok := s.engine.Incident(e.id); ok {
			if v, ok := who.incident(&inc); ok {
				res.Incidents = append(res.Incidents, v)
			}
		}
	}
	s.mu.RUnlock()
	return res, nil
}

// IncidentsJSON implements truce.Ledger. A member's page is written from
// each incident's cached encoding, made at the first read of each version
// of the incident: at a million incidents, encoding them again for every
// page cost more than finding them.
func (s *Service) IncidentsJSON(ctx context.Context, q truce.IncidentQuery) (*truce.IncidentPage, error) {
	entries, next, err := s.queryIncidents(&q)
	if err != nil {
		return nil, err
	}
	page := &truce.IncidentPage{Incidents: make([]json.RawMessage, 0, len(entries)), Next: next}
	s.mu.RLock()
	defer s.mu.RUnlock()
	who := s.audienceOf(ctx)
	for _, e := range entries {
		var slot *atomic.Pointer[[]byte]
		if who.reader.Full() {
			slot = e.json.slot(e.statusAt(who.now))
			if b := slot.Load(); b != nil {
				page.Incidents = append(page.Incidents, *b)
				continue
			}
		}
		inc, ok := s.engine.Incident(e.id)
		if !ok {
			continue
		}
		v, ok := who.incident(&inc)
		if !ok {
			continue
		}
		b, err := json.Marshal(&v)
		if err != nil {
			return nil, fmt.Errorf("encode incident %s: %w", e.id, err)
		}
		if slot != nil {
			slot.Store(&b)
		}
		page.Incidents = append(page.Incidents, b)
	}
	return page, nil
}

// queryIncidents returns the index entries of the page q asks for, and
// the cursor of the next page if there is one.
func (s *Service) queryIncidents(q *truce.IncidentQuery) ([]incidentEntry, string, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = truce.DefaultIncidentLimit
	}
	if limit > truce.MaxIncidentLimit {
		return nil, "", truce.Errorf(truce.EINVALID, "limit must be at most %d.", truce.MaxIncidentLimit)
	}
	entries, more := s.incidentIndex().query(q, limit, s.now())
	if more && len(entries) > 0 {
		return entries, entries[len(entries)-1].id, nil
	}
	return entries, "", nil
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
