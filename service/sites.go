package service

import (
	"context"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/geo"
)

// Sites implements truce.Ledger: the spatial index narrows a near or
// bounding-box query, the registry in memory answers the rest.
func (s *Service) Sites(ctx context.Context, q truce.SiteQuery) (*truce.SiteResult, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = truce.DefaultSiteLimit
	}
	if limit > truce.MaxSiteLimit {
		return nil, truce.Errorf(truce.EINVALID, "limit must be at most %d.", truce.MaxSiteLimit)
	}
	filter := geo.Filter{Categories: q.Categories}
	if q.At != nil {
		filter.At = *q.At
	}
	hits := s.candidates(q, filter)
	s.mu.RLock()
	defer s.mu.RUnlock()
	res := &truce.SiteResult{Sites: []truce.SiteHit{}}
	who := s.audienceOf(ctx)
	for _, h := range hits {
		site := s.state.Registry.Site(h.ID)
		if site == nil || !selects(q, site) {
			continue
		}
		v, ok := who.site(site)
		if !ok {
			continue
		}
		if len(res.Sites) == limit {
			res.Truncated = true
			break
		}
		res.Sites = append(res.Sites, truce.SiteHit{SiteState: v, Metres: h.metres})
	}
	return res, nil
}

// candidate is a site a query may return, with its distance if measured.
type candidate struct {
	ID     string
	metres *float64
}

// candidates returns the sites the index finds for q, nearest first for a
// near query and by id otherwise.
func (s *Service) candidates(q truce.SiteQuery, f geo.Filter) []candidate {
	var out []candidate
	switch {
	case q.Near != nil:
		for _, h := range s.sites.Near(*q.Near, q.Metres, f) {
			m := h.Metres
			out = append(out, candidate{h.ID, &m})
		}
	case q.BBox != nil:
		for _, id := range s.sites.InBox(q.BBox[0], q.BBox[1], q.BBox[2], q.BBox[3], f) {
			out = append(out, candidate{ID: id})
		}
	default:
		for _, id := range s.sites.InBox(-180, -90, 180, 90, f) {
			out = append(out, candidate{ID: id})
		}
	}
	if q.Near != nil && q.BBox != nil {
		inBox := map[string]bool{}
		for _, id := range s.sites.InBox(q.BBox[0], q.BBox[1], q.BBox[2], q.BBox[3], f) {
			inBox[id] = true
		}
		kept := out[:0]
		for _, c := range out {
			if inBox[c.ID] {
				kept = append(kept, c)
			}
		}
		out = kept
	}
	return out
}

// selects applies the parts of q the index does not: status and controller.
func selects(q truce.SiteQuery, s *truce.SiteState) bool {
	if q.Controller != "" && s.Controller != q.Controller {
		return false
	}
	if q.At == nil {
		return s.Status != truce.SiteRetired
	}
	return s.ActiveAt(*q.At)
}

// Site implements truce.Ledger.
func (s *Service) Site(ctx context.Context, id string) (*truce.SiteHistory, error) {
	s.mu.RLock()
	var site truce.SiteState
	ok := false
	if found := s.state.Registry.Site(id); found != nil {
		site, ok = s.audienceOf(ctx).site(found)
	}
	s.mu.RUnlock()
	if !ok {
		return nil, truce.Errorf(truce.ENOTFOUND, "Site %q not found.", id)
	}
	if !truce.ReaderFrom(ctx).Full() {
		// The history names who declared and disputed what, and when.
		return &truce.SiteHistory{SiteState: site, History: []truce.SiteEvent{}}, nil
	}
	events, err := s.store.SiteEvents(ctx, id)
	if err != nil {
		return nil, err
	}
	return &truce.SiteHistory{SiteState: site, History: events}, nil
}

// SiteHashes implements truce.Ledger.
func (s *Service) SiteHashes(ctx context.Context, ids []string) (map[string]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make(map[string]string, len(ids))
	if !truce.ReaderFrom(ctx).Full() {
		return out, nil // a hash would confirm a guess of restricted fields
	}
	for _, id := range ids {
		if site := s.state.Registry.Site(id); site != nil {
			out[id] = site.Hash
		}
	}
	return out, nil
}
