package http

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/truce-project/truce"
)

// Problem is an RFC 9457 problem document. Type is a relative URI naming
// the error code, documented in docs/api.md.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
}

// statuses maps each error code to its HTTP status.
var statuses = map[string]int{
	truce.EINVALID:        http.StatusBadRequest,
	truce.EUNAUTHORIZED:   http.StatusUnauthorized,
	truce.EFORBIDDEN:      http.StatusForbidden,
	truce.ENOTFOUND:       http.StatusNotFound,
	truce.ECONFLICT:       http.StatusConflict,
	truce.ETOOLARGE:       http.StatusRequestEntityTooLarge,
	truce.EUNAVAILABLE:    http.StatusServiceUnavailable,
	truce.ENOTIMPLEMENTED: http.StatusNotImplemented,
	truce.EINTERNAL:       http.StatusInternalServerError,
}

// ErrorStatus returns the HTTP status for an error code.
func ErrorStatus(code string) int {
	if s, ok := statuses[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// problemFor returns the problem document for err. Errors that are not
// *truce.Error are internal: they are logged and shown as "Internal error.".
func problemFor(err error) Problem {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = truce.Errorf(truce.ETOOLARGE, "Request body is larger than %d bytes.", mbe.Limit)
	}
	code := truce.ErrorCode(err)
	status := ErrorStatus(code)
	return Problem{Type: "/problems/" + code, Title: http.StatusText(status), Status: status, Detail: truce.ErrorMessage(err)}
}

// writeError writes err as a problem document, logging internal errors.
func writeError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	p := problemFor(err)
	if p.Status >= 500 {
		logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if p.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", strconv.Itoa(1))
	}
	writeProblem(w, p)
}

func writeProblem(w http.ResponseWriter, p Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}

// writeJSON writes v as JSON with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
