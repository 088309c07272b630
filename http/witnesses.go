package http

import (
	"context"
	"net/http"

	"github.com/truce-project/truce"
)

// witnessLedger is a ledger that knows the charter's witnesses (the
// service does).
type witnessLedger interface {
	Witnesses(ctx context.Context) (*truce.WitnessView, error)
}

// handleWitnesses answers GET /v1/witnesses: the charter's witness policy,
// the latest checkpoint, and which witnesses cosigned it.
func (s *Server) handleWitnesses(w http.ResponseWriter, r *http.Request) {
	wl, ok := s.Ledger.(witnessLedger)
	if !ok {
		writeError(w, r, s.Logger, truce.Errorf(truce.ENOTIMPLEMENTED, "This server does not report on witnesses."))
		return
	}
	v, err := wl.Witnesses(r.Context())
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	if v.Policy != nil && s.VerifierKey != "" {
		v.PolicyText = v.Policy.Text(s.VerifierKey)
	}
	writeJSON(w, http.StatusOK, v)
}

// Witnesses returns the charter's witness policy and who cosigned the
// latest checkpoint.
func (c *Client) Witnesses(ctx context.Context) (*truce.WitnessView, error) {
	var v truce.WitnessView
	_, err := c.do(ctx, http.MethodGet, "/v1/witnesses", nil, &v)
	return &v, err
}
