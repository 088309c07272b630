package witness

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/gossip"
)

// Handler returns the witness's routes: POST /add-checkpoint, and GET and
// POST /gossip (see package gossip), where the witness offers the
// checkpoints it cosigned and compares a peer's with them.
func (w *Witness) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /add-checkpoint", w.handleAdd)
	mux.Handle("/gossip", gossip.Handler(w, w.logger))
	return mux
}

func (w *Witness) handleAdd(rw http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, MaxRequestSize))
	if err != nil {
		writeError(rw, badRequest("The request body is larger than %d bytes.", MaxRequestSize))
		return
	}
	req, err := ParseRequest(body)
	if err != nil {
		writeError(rw, err)
		return
	}
	sig, err := w.AddCheckpoint(req)
	if err != nil {
		writeError(rw, err)
		return
	}
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	rw.Write(sig)
}

// writeError writes the size answer of the protocol, or a problem document.
func writeError(rw http.ResponseWriter, err error) {
	e, ok := err.(*Error)
	if !ok {
		e = errorf(500, "internal", "Internal error.")
	}
	if e.Size != nil {
		rw.Header().Set("Content-Type", "text/x.tlog.size")
		rw.WriteHeader(e.Status)
		rw.Write([]byte(strconv.FormatUint(*e.Size, 10) + "\n"))
		return
	}
	rw.Header().Set("Content-Type", "application/problem+json")
	rw.WriteHeader(e.Status)
	json.NewEncoder(rw).Encode(map[string]any{
		"type": "/problems/" + e.Code, "title": http.StatusText(e.Status), "status": e.Status, "detail": e.Message,
	})
}

// Latest implements gossip.View: the latest checkpoint the witness
// cosigned for each log, each a signed note with the log's signature and
// the witness's, ordered by origin.
func (w *Witness) Latest(context.Context) ([][]byte, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.store.all()
}

// Observe implements gossip.View: a checkpoint the log signed with the
// size of the one this witness cosigned and another root hash proves a
// fork, and is recorded as a conflict. Other sizes cannot be compared
// without a proof, so they pass.
func (w *Witness) Observe(ctx context.Context, raw []byte) error {
	origin := gossip.Origin(raw)
	v, ok := w.logs[origin]
	if !ok {
		return truce.Errorf(truce.ENOTFOUND, "This witness does not witness the log %q.", origin)
	}
	theirs, err := gossip.Verify(raw, v)
	if err != nil {
		return err
	}
	w.mu.Lock()
	latest, err := w.store.latest(origin)
	w.mu.Unlock()
	if err != nil || latest == nil {
		return err
	}
	ours := truce.Checkpoint{Size: latest.Size, Hash: latest.Hash}
	if err := gossip.Compare(ctx, ours, theirs, nil); err != nil {
		err = truce.Errorf(truce.ErrorCode(err), "Witness %s, of the log %s: %s", w.Name(), origin, truce.ErrorMessage(err))
		w.refuse(origin, raw, err)
		return err
	}
	return nil
}

var _ gossip.View = (*Witness)(nil)
