package http

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/truce-project/truce"
)

// incidentQuery parses GET /v1/incidents parameters.
func incidentQuery(r *http.Request) (truce.IncidentQuery, error) {
	var q truce.IncidentQuery
	v := r.URL.Query()
	var err error
	if q.From, err = queryTime(r, "from"); err != nil {
		return q, err
	}
	if q.To, err = queryTime(r, "to"); err != nil {
		return q, err
	}
	if q.BBox, err = queryBBox(r); err != nil {
		return q, err
	}
	q.Party, q.Clause, q.Site, q.After = v.Get("party"), v.Get("clause"), v.Get("site"), v.Get("after")
	if g := truce.Grade(v.Get("grade")); g != "" {
		switch g {
		case truce.GradeSingle, truce.GradeCorroborated, truce.GradeImpartial, truce.GradeContested, truce.GradeRetracted:
			q.Grade = g
		default:
			return q, truce.Errorf(truce.EINVALID, "Query parameter grade %q is not one of single_source, corroborated, impartial, contested, retracted.", g)
		}
	}
	if st := truce.IncidentStatus(v.Get("status")); st != "" {
		if !slices.Contains(truce.IncidentStatuses(), st) {
			return q, truce.Errorf(truce.EINVALID, "Query parameter status %q is not one of open, awaiting_reply, overdue, replied, determined, published.", st)
		}
		q.Status = st
	}
	limit, err := queryUint(r, "limit", 0, truce.MaxIncidentLimit)
	q.Limit = int(limit)
	return q, err
}

func (s *Server) handleIncidents(w http.ResponseWriter, r *http.Request) {
	q, err := incidentQuery(r)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	page, err := s.Ledger.IncidentsJSON(r.Context(), q)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writePage(w, page)
}

// writePage writes a page of encoded incidents as writeJSON would write
// the same truce.IncidentResult, without encoding them again.
func writePage(w http.ResponseWriter, page *truce.IncidentPage) {
	n := 64
	for _, inc := range page.Incidents {
		n += len(inc) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, `{"incidents":[`...)
	for i, inc := range page.Incidents {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, inc...)
	}
	b = append(b, ']')
	if page.Next != "" {
		next, _ := json.Marshal(page.Next)
		b = append(append(b, `,"next":`...), next...)
	}
	b = append(b, "}\n"...)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

func (s *Server) handleIncident(w http.ResponseWriter, r *http.Request) {
	inc, err := s.Ledger.Incident(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, inc)
}

func (s *Server) handleReport(w http.ResponseWriter, r *http.Request) {
	rep, err := s.Ledger.Report(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		*truce.ReportView
		Envelope json.RawMessage `json:"envelope"`
	}{rep, rep.Envelope})
}

// eachIncident calls fn for every incident q selects, page by page.
func (s *Server) eachIncident(r *http.Request, q truce.IncidentQuery, fn func(*truce.Incident) error) error {
	q.Limit = truce.MaxIncidentLimit
	for {
		res, err := s.Ledger.Incidents(r.Context(), q)
		if err != nil {
			return err
		}
		for i := range res.Incidents {
			if err := fn(&res.Incidents[i]); err != nil {
				return err
			}
		}
		if res.Next == "" {
			return nil
		}
		q.After = res.Next
	}
}

func (s *Server) handleExportGeoJSON(w http.ResponseWriter, r *http.Request) {
	q, err := incidentQuery(r)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	w.Header().Set("Content-Type", "application/geo+json")
	w.Write([]byte(`{"type":"FeatureCollection","features":[`))
	first := true
	err = s.eachIncident(r, q, func(inc *truce.Incident) error {
		if !first {
			w.Write([]byte(","))
		}
		first = false
		return json.NewEncoder(w).Encode(incidentFeature(inc))
	})
	if err != nil {
		s.Logger.Error("export geojson", "err", err)
	}
	w.Write([]byte("]}\n"))
}

// incidentFeature is an incident as a GeoJSON feature.
func incidentFeature(inc *truce.Incident) Feature {
	sites := make([]string, len(inc.Assessment.Sites))
	for i, f := range inc.Assessment.Sites {
		sites[i] = f.Site
	}
	return Feature{Type: "Feature", ID: inc.ID, Geometry: truce.NewPoint(inc.Where.Lon, inc.Where.Lat), Properties: map[string]any{
		"start": inc.Start, "end": inc.End, "act": inc.Act, "accused": inc.Accused, "radius_m": inc.Where.RadiusMetres,
		"grade": inc.Assessment.Grade, "reports": len(inc.Reports), "sites": sites, "findings": inc.Assessment.Findings,
	}}
}

// csvHeader is the header of the CSV export.
var csvHeader = []string{"id", "start", "end", "lat", "lon", "radius_m", "act", "accused", "grade", "reports", "sites", "clauses", "findings"}

func (s *Server) handleExportCSV(w http.ResponseWriter, r *http.Request) {
	q, err := incidentQuery(r)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	cw := csv.NewWriter(w)
	cw.Write(csvHeader)
	err = s.eachIncident(r, q, func(inc *truce.Incident) error { return cw.Write(incidentRow(inc)) })
	if err != nil {
		s.Logger.Error("export csv", "err", err)
	}
	cw.Flush()
}

func incidentRow(inc *truce.Incident) []string {
	var sites, clauses []string
	for _, f := range inc.Assessment.Sites {
		sites = append(sites, f.Site)
	}
	for _, p := range inc.Assessment.Parties {
		for _, c := range p.Clauses {
			clauses = append(clauses, p.Party+":"+c)
		}
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	return []string{inc.ID, inc.Start.Format(time.RFC3339), inc.End.Format(time.RFC3339), f(inc.Where.Lat), f(inc.Where.Lon),
		f(inc.Where.RadiusMetres), string(inc.Act), strings.Join(inc.Accused, ";"), string(inc.Assessment.Grade),
		strconv.Itoa(len(inc.Reports)), strings.Join(sites, ";"), strings.Join(clauses, ";"), strings.Join(inc.Assessment.Findings, "; ")}
}
