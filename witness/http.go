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
func (w *Witness) Observe(_ context.Context, raw []byte) error {
	_, cp, err := w.open(raw)
	if err != nil {
		e := err.(*Error)
		code := map[int]string{404: truce.ENOTFOUND, 403: truce.EUNAUTHORIZED}[e.Status]
		if code == "" {
			code = truce.EINVALID
		}
		return truce.Errorf(code, "%s", e.Message)
	}
	w.mu.Lock()
	latest, err := w.store.latest(cp.Origin)
	w.mu.Unlock()
	if err != nil || latest == nil || latest.Size != cp.Size || string(latest.Hash) == string(cp.Hash) {
		return err
	}
	err = truce.Errorf(truce.ECONFLICT, "Split view: the log %s signed two trees of %d entries; witness %s cosigned root %x, the peer saw root %x.",
		cp.Origin, cp.Size, w.Name(), latest.Hash, cp.Hash)
	w.refuse(cp.Origin, raw, err)
	return err
}

var _ gossip.View = (*Witness)(nil)
