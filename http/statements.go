package http

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"

	"github.com/truce-project/truce"
)

// StatementView is a statement as the API shows it: its record and its
// canonical envelope, which is the log entry unless the record is sealed
// (the log then holds the commitment to it, truce.Commitment).
type StatementView struct {
	truce.Record
	Envelope json.RawMessage `json:"envelope"`
}

func newStatementView(r truce.Record) StatementView {
	return StatementView{Record: r, Envelope: r.Envelope}
}

// StatementList is a page of statements in log order.
type StatementList struct {
	Statements []StatementView `json:"statements"`
	// Next is the index to ask for next.
	Next uint64 `json:"next"`
}

const (
	defaultPage = 100
	maxPage     = 1000
)

func (s *Server) handleSubmit(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, truce.MaxEntrySize))
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	receipt, created, err := s.Ledger.Submit(r.Context(), body)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	w.Header().Set("Location", "/v1/statements/"+receipt.ID)
	writeJSON(w, status, receipt)
}

func (s *Server) handleStatement(w http.ResponseWriter, r *http.Request) {
	rec, err := s.Ledger.Statement(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, newStatementView(*rec))
}

func (s *Server) handleStatements(w http.ResponseWriter, r *http.Request) {
	from, err := queryUint(r, "from", 0, 1<<62)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	limit, err := queryUint(r, "limit", defaultPage, maxPage)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	recs, err := s.Ledger.Statements(r.Context(), from, int(limit))
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	list := StatementList{Statements: make([]StatementView, len(recs)), Next: from + uint64(len(recs))}
	for i, rec := range recs {
		list.Statements[i] = newStatementView(rec)
	}
	writeJSON(w, http.StatusOK, list)
}

// queryUint parses an optional non-negative integer query parameter.
func queryUint(r *http.Request, name string, def, max uint64) (uint64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil || n > max {
		return 0, truce.Errorf(truce.EINVALID, "Query parameter %s must be an integer from 0 to %d.", name, max)
	}
	return n, nil
}

func (s *Server) handleReceipt(w http.ResponseWriter, r *http.Request) {
	receipt, err := s.Ledger.Receipt(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, receipt)
}

func (s *Server) handleMembers(w http.ResponseWriter, r *http.Request) {
	members, err := s.Ledger.Members(r.Context())
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"members": members})
}
