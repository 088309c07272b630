package http

import (
	"net/http"

	"github.com/truce-project/truce"
)

// handleInbox answers what awaits the member the bearer token proves; 401
// without one.
func (s *Server) handleInbox(w http.ResponseWriter, r *http.Request) {
	box, err := s.Ledger.Inbox(r.Context())
	if err != nil {
		s.writeReadError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, box)
}

// writeReadError writes err; a 401 carries the challenge that says a
// bearer token is wanted.
func (s *Server) writeReadError(w http.ResponseWriter, r *http.Request, err error) {
	if truce.ErrorCode(err) == truce.EUNAUTHORIZED {
		w.Header().Set("WWW-Authenticate", `Bearer realm="truce"`)
	}
	writeError(w, r, s.Logger, err)
}
