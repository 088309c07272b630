package http

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/truce-project/truce"
)

// AgreementView is GET /v1/agreements/{id}: an agreement's versions, when
// each binds whom, and with ?at=, what bound each party then.
type AgreementView = truce.AgreementHistory

func (s *Server) handleAgreements(w http.ResponseWriter, r *http.Request) {
	list, err := s.Ledger.Agreements(r.Context())
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"agreements": list})
}

func (s *Server) handleAgreement(w http.ResponseWriter, r *http.Request) {
	at, err := queryTime(r, "at")
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	a, err := s.Ledger.Agreement(r.Context(), r.PathValue("id"), at)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) handleCategories(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"categories": truce.Categories(), "acts": truce.Acts()})
}

// queryTime parses an optional RFC 3339 query parameter.
func queryTime(r *http.Request, name string) (*time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return nil, truce.Errorf(truce.EINVALID, "Query parameter %s=%q is not an RFC 3339 time such as 2025-03-18T12:00:00Z.", name, v)
	}
	t = t.UTC()
	return &t, nil
}

// siteQuery parses GET /v1/sites parameters: bbox=W,S,E,N,
// near=LAT,LON,METRES (latitude first, as people write it), category
// (repeatable or comma-separated), at, controller, limit.
func siteQuery(r *http.Request) (truce.SiteQuery, error) {
	var q truce.SiteQuery
	v := r.URL.Query()
	var err error
	if q.BBox, err = queryBBox(r); err != nil {
		return q, err
	}
	if n := v.Get("near"); n != "" {
		f, err := floats("near", n, 3)
		if err != nil {
			return q, err
		}
		p := truce.Position{f[1], f[0]}
		g := truce.NewPoint(f[1], f[0])
		if err := g.Validate(); err != nil {
			return q, truce.Errorf(truce.EINVALID, "Query parameter near: %s", truce.ErrorMessage(err))
		}
		if !(f[2] >= 0 && f[2] <= 500000) {
			return q, truce.Errorf(truce.EINVALID, "Query parameter near: the distance must be 0 to 500000 metres.")
		}
		q.Near, q.Metres = &p, f[2]
	}
	for _, c := range v["category"] {
		for _, one := range strings.Split(c, ",") {
			cat := truce.Category(strings.TrimSpace(one))
			if !cat.Valid() {
				return q, truce.Errorf(truce.EINVALID, "Query parameter category: unknown category %q (see /v1/categories).", cat)
			}
			q.Categories = append(q.Categories, cat)
		}
	}
	if q.At, err = queryTime(r, "at"); err != nil {
		return q, err
	}
	q.Controller = v.Get("controller")
	limit, err := queryUint(r, "limit", 0, truce.MaxSiteLimit)
	q.Limit = int(limit)
	return q, err
}

// queryBBox parses an optional bbox=W,S,E,N parameter.
func queryBBox(r *http.Request) (*[4]float64, error) {
	b := r.URL.Query().Get("bbox")
	if b == "" {
		return nil, nil
	}
	f, err := floats("bbox", b, 4)
	if err != nil {
		return nil, err
	}
	return &[4]float64{f[0], f[1], f[2], f[3]}, nil
}

// floats parses n comma-separated finite numbers.
func floats(name, s string, n int) ([]float64, error) {
	parts := strings.Split(s, ",")
	if len(parts) != n {
		return nil, truce.Errorf(truce.EINVALID, "Query parameter %s takes %d comma-separated numbers, not %q.", name, n, s)
	}
	out := make([]float64, n)
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || f != f || f > 1e308 || f < -1e308 {
			return nil, truce.Errorf(truce.EINVALID, "Query parameter %s: %q is not a finite number.", name, p)
		}
		out[i] = f
	}
	return out, nil
}

// Feature is a GeoJSON feature of a site.
type Feature struct {
	Type       string         `json:"type"`
	ID         string         `json:"id"`
	Geometry   truce.Geometry `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

// FeatureCollection is GET /v1/sites.
type FeatureCollection struct {
	Type      string    `json:"type"`
	Features  []Feature `json:"features"`
	Truncated bool      `json:"truncated"`
}

func siteFeature(h truce.SiteHit) Feature {
	props := map[string]any{
		"name": h.Name, "category": h.Category, "controller": h.Controller, "status": h.Status,
		"since": h.Since, "declared_by": h.DeclaredBy, "hash": h.Hash,
	}
	for k, v := range map[string]string{"operator": h.Operator, "source": h.Source, "source_row": h.SourceRow} {
		if v != "" {
			props[k] = v
		}
	}
	if len(h.Attributes) > 0 {
		props["attributes"] = h.Attributes
	}
	if h.RetiredSince != nil {
		props["retired_since"] = h.RetiredSince
	}
	if h.Metres != nil {
		props["distance_m"] = *h.Metres
	}
	return Feature{Type: "Feature", ID: h.ID, Geometry: h.Geometry, Properties: props}
}

func (s *Server) handleSites(w http.ResponseWriter, r *http.Request) {
	q, err := siteQuery(r)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	res, err := s.Ledger.Sites(r.Context(), q)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	fc := FeatureCollection{Type: "FeatureCollection", Features: make([]Feature, len(res.Sites)), Truncated: res.Truncated}
	for i, h := range res.Sites {
		fc.Features[i] = siteFeature(h)
	}
	w.Header().Set("Content-Type", "application/geo+json")
	w.WriteHeader(http.StatusOK)
	json.NewEncoder(w).Encode(fc)
}

func (s *Server) handleSite(w http.ResponseWriter, r *http.Request) {
	site, err := s.Ledger.Site(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, site)
}

// maxHashIDs bounds one hash lookup; importers ask in chunks.
const maxHashIDs = 1 << 20

func (s *Server) handleSiteHashes(w http.ResponseWriter, r *http.Request) {
	var req struct {
		IDs []string `json:"ids"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<20))
	if err := dec.Decode(&req); err != nil {
		writeError(w, r, s.Logger, truce.Errorf(truce.EINVALID, "Body must be {\"ids\": [...]}: %v.", err))
		return
	}
	if len(req.IDs) > maxHashIDs {
		writeError(w, r, s.Logger, truce.Errorf(truce.ETOOLARGE, "At most %d ids at once.", maxHashIDs))
		return
	}
	hashes, err := s.Ledger.SiteHashes(r.Context(), req.IDs)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"hashes": hashes})
}
