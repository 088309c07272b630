package http

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sync"

	"github.com/truce-project/truce"
)

// MaxBatchBytes bounds a batch request's body.
const MaxBatchBytes = 64 << 20

// batchWorkers is how many statements of one batch are in flight at once:
// enough to fill the log's batches, few enough not to starve other clients.
const batchWorkers = 64

// BatchResult is one line of a batch response: the outcome of the
// statement on the same line of the request (counted from 1).
type BatchResult struct {
	Line    int            `json:"line"`
	Status  int            `json:"status"`
	Receipt *truce.Receipt `json:"receipt,omitempty"`
	Problem *Problem       `json:"problem,omitempty"`
}

// handleBatch takes JSON Lines, one envelope a line, and answers JSON
// Lines, one result a non-empty line, in request order. Each statement is
// judged on its own: one bad line does not stop the others.
func (s *Server) handleBatch(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBatchBytes))
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	lines := bytes.Split(body, []byte("\n"))
	results := make([]*BatchResult, len(lines))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(batchWorkers, len(lines)) {
		wg.Go(func() {
			for i := range jobs {
				results[i] = s.submitLine(r, i+1, lines[i])
			}
		})
	}
	for i, line := range lines {
		if len(bytes.TrimSpace(line)) > 0 {
			jobs <- i
		}
	}
	close(jobs)
	wg.Wait()
	w.Header().Set("Content-Type", "application/jsonl")
	enc := json.NewEncoder(w)
	for _, res := range results {
		if res != nil {
			enc.Encode(res)
		}
	}
}

func (s *Server) submitLine(r *http.Request, line int, data []byte) *BatchResult {
	receipt, created, err := s.Ledger.Submit(r.Context(), bytes.TrimSpace(data))
	if err != nil {
		p := problemFor(err)
		if p.Status >= 500 {
			s.Logger.Error("batch line failed", "line", line, "err", err)
		}
		return &BatchResult{Line: line, Status: p.Status, Problem: &p}
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return &BatchResult{Line: line, Status: status, Receipt: receipt}
}
