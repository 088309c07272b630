// Package gossip lets witnesses and mirrors exchange the latest
// checkpoints they saw of a log, so that two parties that each talk only
// to the log still find out when it showed them different trees (a split
// view).
//
// # Protocol
//
//	GET  /gossip   the node's latest checkpoints: {"checkpoints": ["<signed note>", ...]}
//	POST /gossip   a checkpoint the caller saw (one signed note, text/plain);
//	               200 with the node's own list, as for GET, if the node finds
//	               it consistent with what it saw or cannot tell yet;
//	               409 problem document if it proves a split view;
//	               400 if the body is not a checkpoint in a signed note
//	               ([ParseCheckpoint]), 401 if the log did not sign it, 404
//	               for a log the node does not follow, 413 beyond
//	               [MaxCheckpointSize].
//
// Checkpoints are signed notes: a node believes nothing a peer says that
// the log did not sign ([Verify]). Two checkpoints signed by the log with
// the same size and different root hashes, or of different sizes without a
// consistency proof between them, are proof that the log forked
// ([Compare]). How much a node can check depends on what it holds: a
// witness compares sizes and root hashes with the checkpoint it cosigned;
// a mirror also asks the log's tiles for a consistency proof.
package gossip

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/truce-project/truce"
)

// MaxCheckpointSize bounds a posted checkpoint: a checkpoint with a few
// dozen cosignatures.
const MaxCheckpointSize = 16 << 10

// View is what a node knows of the logs it follows.
type View interface {
	// Latest returns the latest checkpoints the node stands by, as signed
	// notes, at most one per log.
	Latest(ctx context.Context) ([][]byte, error)
	// Observe checks a checkpoint a peer saw against the node's own view.
	// Returns ECONFLICT with the evidence in its message if the two cannot
	// both be true, ENOTFOUND for a log the node does not follow,
	// EUNAUTHORIZED if the log's signature does not verify, and nil if they
	// agree or the node cannot tell yet.
	Observe(ctx context.Context, checkpoint []byte) error
}

// List is the body of GET /gossip and of a 200 answer to POST /gossip.
type List struct {
	Checkpoints []string `json:"checkpoints"`
}

// Handler serves GET and POST /gossip for v.
func Handler(v View, logger *slog.Logger) http.Handler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /gossip", func(w http.ResponseWriter, r *http.Request) {
		writeList(w, r, v, logger)
	})
	mux.HandleFunc("POST /gossip", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxCheckpointSize))
		if err != nil {
			if errors.As(err, new(*http.MaxBytesError)) {
				err = truce.Errorf(truce.ETOOLARGE, "A gossiped checkpoint is at most %d bytes.", MaxCheckpointSize)
			} else {
				err = truce.Errorf(truce.EINVALID, "Cannot read the gossiped checkpoint: %v.", err)
			}
			writeProblem(w, err)
			return
		}
		if _, _, err := ParseCheckpoint(body); err != nil {
			writeProblem(w, err)
			return
		}
		if err := v.Observe(r.Context(), body); err != nil {
			switch truce.ErrorCode(err) {
			case truce.ECONFLICT:
				logger.Warn("gossip: a peer's checkpoint conflicts with this node's view", "peer", r.RemoteAddr, "err", truce.ErrorMessage(err))
			case truce.EINTERNAL:
				logger.Error("gossip: observe a peer's checkpoint", "peer", r.RemoteAddr, "err", err)
			}
			writeProblem(w, err)
			return
		}
		writeList(w, r, v, logger)
	})
	return mux
}

func writeList(w http.ResponseWriter, r *http.Request, v View, logger *slog.Logger) {
	cps, err := v.Latest(r.Context())
	if err != nil {
		logger.Error("gossip: latest checkpoints", "err", err)
		writeProblem(w, err)
		return
	}
	l := List{Checkpoints: make([]string, len(cps))}
	for i, c := range cps {
		l.Checkpoints[i] = string(c)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(l)
}

// statuses maps the codes gossip answers with to HTTP statuses.
var statuses = map[string]int{
	truce.EINVALID:      http.StatusBadRequest,
	truce.EUNAUTHORIZED: http.StatusUnauthorized,
	truce.ENOTFOUND:     http.StatusNotFound,
	truce.ECONFLICT:     http.StatusConflict,
	truce.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	truce.EUNAVAILABLE:  http.StatusServiceUnavailable,
}

// problem is an RFC 9457 problem document.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
}

func writeProblem(w http.ResponseWriter, err error) {
	code := truce.ErrorCode(err)
	status, ok := statuses[code]
	if !ok {
		status, code = http.StatusInternalServerError, truce.EINTERNAL
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(problem{Type: "/problems/" + code, Title: http.StatusText(status), Status: status, Detail: truce.ErrorMessage(err)})
}

// Exchange posts checkpoint to the peer at base (its URL without /gossip)
// and returns the checkpoints the peer holds. Returns ECONFLICT, with the
// peer's explanation, if the peer finds checkpoint in conflict with its
// view; EUNAVAILABLE if the peer cannot be reached.
func Exchange(ctx context.Context, c *http.Client, base string, checkpoint []byte) ([][]byte, error) {
	if c == nil {
		c = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(base, "/")+"/gossip", bytes.NewReader(checkpoint))
	if err != nil {
		return nil, truce.Errorf(truce.EINVALID, "Gossip peer URL %q: %v.", base, err)
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	resp, err := c.Do(req)
	if err != nil {
		return nil, truce.Errorf(truce.EUNAVAILABLE, "Cannot reach gossip peer %s: %v.", base, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, truce.Errorf(truce.EUNAVAILABLE, "Gossip peer %s: %v.", base, err)
	}
	if resp.StatusCode != http.StatusOK {
		var p problem
		json.Unmarshal(body, &p)
		code := truce.EUNAVAILABLE
		switch resp.StatusCode {
		case http.StatusConflict:
			code = truce.ECONFLICT
		case http.StatusNotFound:
			code = truce.ENOTFOUND
		}
		return nil, truce.Errorf(code, "Gossip peer %s answered %d: %s", base, resp.StatusCode, p.Detail)
	}
	var l List
	if err := json.Unmarshal(body, &l); err != nil {
		return nil, truce.Errorf(truce.EUNAVAILABLE, "Gossip peer %s answered with a malformed list: %v.", base, err)
	}
	out := make([][]byte, len(l.Checkpoints))
	for i, s := range l.Checkpoints {
		out[i] = []byte(s)
	}
	return out, nil
}

// Fetch returns the checkpoints the peer at base holds (GET /gossip), so
// that a node can check for itself what a peer says: a peer's word that
// the log forked is not proof of it, the log's signed checkpoints are.
// Returns EUNAVAILABLE if the peer cannot be reached or answers otherwise
// than with a list.
func Fetch(ctx context.Context, c *http.Client, base string) ([][]byte, error) {
	if c == nil {
		c = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+"/gossip", nil)
	if err != nil {
		return nil, truce.Errorf(truce.EINVALID, "Gossip peer URL %q: %v.", base, err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, truce.Errorf(truce.EUNAVAILABLE, "Cannot reach gossip peer %s: %v.", base, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil, truce.Errorf(truce.EUNAVAILABLE, "Gossip peer %s answered %d to GET /gossip.", base, resp.StatusCode)
	}
	var l List
	if err := json.Unmarshal(body, &l); err != nil {
		return nil, truce.Errorf(truce.EUNAVAILABLE, "Gossip peer %s answered with a malformed list: %v.", base, err)
	}
	out := make([][]byte, len(l.Checkpoints))
	for i, s := range l.Checkpoints {
		out[i] = []byte(s)
	}
	return out, nil
}

// Origin returns the first line of a checkpoint, its log's origin.
func Origin(checkpoint []byte) string {
	o, _, _ := bytes.Cut(checkpoint, []byte("\n"))
	return string(o)
}
