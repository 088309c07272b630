package http

import (
	"net/http"
	"strings"

	"github.com/truce-project/truce"
)

// authenticate puts the reader that the request's bearer token proves in
// its context; a request without one reads as the public. A token that
// does not check is refused with 401 rather than read as the public, so
// that a member never mistakes the public view for its own.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		if h == "" {
			next.ServeHTTP(w, r)
			return
		}
		scheme, token, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") || token == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="truce"`)
			writeError(w, r, s.Logger, truce.Errorf(truce.EUNAUTHORIZED, "Authorization must be \"Bearer TOKEN\", with a token from \"truce token\"."))
			return
		}
		reader, err := s.Ledger.Authenticate(r.Context(), strings.TrimSpace(token))
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="truce", error="invalid_token"`)
			writeError(w, r, s.Logger, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(truce.WithReader(r.Context(), reader)))
	})
}

// handleWhoami answers who the request reads as.
func (s *Server) handleWhoami(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, truce.ReaderFrom(r.Context()))
}
