package http

import (
	"net/http"
)

// handleBulletins lists every bulletin with its acknowledgements, for
// members.
func (s *Server) handleBulletins(w http.ResponseWriter, r *http.Request) {
	bs, err := s.Ledger.Bulletins(r.Context())
	if err != nil {
		s.writeReadError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"bulletins": bs})
}

func (s *Server) handleBulletin(w http.ResponseWriter, r *http.Request) {
	b, err := s.Ledger.Bulletin(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeReadError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, b)
}
