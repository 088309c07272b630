package http

import (
	"encoding/json"
	"net/http"

	"github.com/truce-project/truce"
)

// handleExportJSONL writes every incident the query selects, as the reader
// may see it, one JSON document a line.
func (s *Server) handleExportJSONL(w http.ResponseWriter, r *http.Request) {
	q, err := incidentQuery(r)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	w.Header().Set("Content-Type", "application/jsonl; charset=utf-8")
	enc := json.NewEncoder(w)
	err = s.eachIncident(r, q, func(inc *truce.Incident) error { return enc.Encode(inc) })
	if err != nil {
		s.Logger.Error("export jsonl", "err", err)
	}
}
