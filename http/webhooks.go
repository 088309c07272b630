package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/truce-project/truce"
)

// maxWebhookBody bounds a registration.
const maxWebhookBody = 16 << 10

// webhookRequest is the body of POST /v1/webhooks.
type webhookRequest struct {
	URL    string           `json:"url"`
	Filter truce.FeedFilter `json:"filter"`
}

// decodeWebhook decodes a registration strictly: no unknown fields, no
// trailing data. Errors are EINVALID.
func decodeWebhook(body []byte) (truce.Webhook, error) {
	var req webhookRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return truce.Webhook{}, truce.Errorf(truce.EINVALID, "A webhook registration is {\"url\": ..., \"filter\": {\"kinds\", \"party\", \"bbox\"}}: %v.", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return truce.Webhook{}, truce.Errorf(truce.EINVALID, "A webhook registration is one JSON object, with nothing after it.")
	}
	if err := truce.CheckWebhookURL(req.URL); err != nil {
		return truce.Webhook{}, err
	}
	if err := req.Filter.Check(); err != nil {
		return truce.Webhook{}, err
	}
	return truce.Webhook{URL: req.URL, Filter: req.Filter}, nil
}

// member refuses the public with 401 before anything else is looked at.
func (s *Server) member(w http.ResponseWriter, r *http.Request) bool {
	if truce.ReaderFrom(r.Context()).Member != "" {
		return true
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="truce"`)
	writeError(w, r, s.Logger, truce.Errorf(truce.EUNAUTHORIZED, "Webhooks are for members: send \"Authorization: Bearer TOKEN\" with a token from \"truce token\"."))
	return false
}

func (s *Server) webhooksOrError(w http.ResponseWriter, r *http.Request) bool {
	if s.Webhooks == nil {
		writeError(w, r, s.Logger, truce.Errorf(truce.ENOTIMPLEMENTED, "This server keeps no webhooks."))
		return false
	}
	return s.member(w, r)
}

func (s *Server) handleCreateWebhook(w http.ResponseWriter, r *http.Request) {
	if !s.webhooksOrError(w, r) {
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	h, err := decodeWebhook(body)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	created, err := s.Webhooks.CreateWebhook(r.Context(), h)
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	w.Header().Set("Location", "/v1/webhooks/"+created.ID)
	writeJSON(w, http.StatusCreated, created)
}

func (s *Server) handleWebhooks(w http.ResponseWriter, r *http.Request) {
	if !s.webhooksOrError(w, r) {
		return
	}
	list, err := s.Webhooks.ListWebhooks(r.Context())
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string][]truce.Webhook{"webhooks": list})
}

func (s *Server) handleWebhook(w http.ResponseWriter, r *http.Request) {
	if !s.webhooksOrError(w, r) {
		return
	}
	list, err := s.Webhooks.ListWebhooks(r.Context())
	if err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	for _, h := range list {
		if h.ID == r.PathValue("id") {
			writeJSON(w, http.StatusOK, h)
			return
		}
	}
	writeError(w, r, s.Logger, truce.Errorf(truce.ENOTFOUND, "Webhook %q not found.", r.PathValue("id")))
}

func (s *Server) handleDeleteWebhook(w http.ResponseWriter, r *http.Request) {
	if !s.webhooksOrError(w, r) {
		return
	}
	if err := s.Webhooks.DeleteWebhook(r.Context(), r.PathValue("id")); err != nil {
		writeError(w, r, s.Logger, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
