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
		token, err := bearerToken(r)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="truce"`)
			writeError(w, r, s.Logger, err)
			return
		}
		if token == "" {
			next.ServeHTTP(w, r)
			return
		}
		reader, err := s.Ledger.Authenticate(r.Context(), token)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="truce", error="invalid_token"`)
			writeError(w, r, s.Logger, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(truce.WithReader(r.Context(), reader)))
	})
}

// bearerToken returns the token of the request's Authorization header, ""
// if it has none, or EUNAUTHORIZED if the header is not "Bearer TOKEN".
func bearerToken(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", nil
	}
	scheme, token, _ := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", truce.Errorf(truce.EUNAUTHORIZED, "Authorization must be \"Bearer TOKEN\", with a token from \"truce token\".")
	}
	return token, nil
}

// handleWhoami answers who the request reads as.
func (s *Server) handleWhoami(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, truce.ReaderFrom(r.Context()))
}
