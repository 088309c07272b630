package gossip_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/gossip"
)

// problem is an RFC 9457 problem document.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

// serve sends a request to h and returns the response with its body.
func serve(t testing.TB, h http.Handler, method string, body []byte) (*http.Response, []byte) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), method, "/gossip", bytes.NewReader(body)))
	resp := rec.Result()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, data
}

// checkList checks that an answer is a 200 list of the checkpoints want.
func checkList(t testing.TB, resp *http.Response, data []byte, want ...[]byte) {
	t.Helper()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("answer %s (%s): %s; want a 200 list", resp.Status, resp.Header.Get("Content-Type"), data)
	}
	var l gossip.List
	if err := json.Unmarshal(data, &l); err != nil || l.Checkpoints == nil {
		t.Fatalf("list %s: %v", data, err)
	}
	if len(l.Checkpoints) != len(want) {
		t.Fatalf("list of %d checkpoints, want %d", len(l.Checkpoints), len(want))
	}
	for i := range want {
		if l.Checkpoints[i] != string(want[i]) {
			t.Errorf("checkpoint %d is %q, want %q", i, l.Checkpoints[i], want[i])
		}
	}
}

// checkProblem checks that an answer is a problem document with status,
// whose detail contains detail.
func checkProblem(t testing.TB, resp *http.Response, data []byte, status int, detail string) {
	t.Helper()
	if resp.StatusCode != status || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("answer %s (%s): %s; want a %d problem", resp.Status, resp.Header.Get("Content-Type"), data, status)
	}
	var p problem
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatalf("problem %s: %v", data, err)
	}
	if p.Status != status || !strings.HasPrefix(p.Type, "/problems/") || p.Title != http.StatusText(status) || !strings.Contains(p.Detail, detail) {
		t.Errorf("problem %+v, want status %d and a detail with %q", p, status, detail)
	}
}

func TestHandlerGet(t *testing.T) {
	l := newTestLog(t, origin, 1)
	v := &view{log: l}
	h := gossip.Handler(v, nil)
	resp, data := serve(t, h, http.MethodGet, nil)
	checkList(t, resp, data)
	if string(bytes.TrimSpace(data)) != `{"checkpoints":[]}` {
		t.Errorf("GET /gossip of a node with no checkpoint: %s, want an empty list", data)
	}

	v.latest = l.checkpoint(t, l.honest, 8)
	resp, data = serve(t, h, http.MethodGet, nil)
	checkList(t, resp, data, v.latest.Note)

	v.err = errors.New("disk on fire")
	resp, data = serve(t, h, http.MethodGet, nil)
	checkProblem(t, resp, data, http.StatusInternalServerError, "Internal error.")
	if strings.Contains(string(data), "disk") {
		t.Errorf("an internal error's answer shows it: %s", data)
	}

	resp, _ = serve(t, h, http.MethodDelete, nil)
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("DELETE /gossip: %s, want 405", resp.Status)
	}
}

func TestHandlerPost(t *testing.T) {
	l := newTestLog(t, origin, 1)
	witness, _ := newKey(t, "witness.example/w1", 2)
	impostor, _ := newKey(t, origin, 3)
	ours := l.checkpoint(t, l.honest, 8)
	good := text(l.honest, 8)
	large := append([]byte(good+"\n— "+origin+" "), bytes.Repeat([]byte("A"), gossip.MaxCheckpointSize)...)
	for _, tc := range []struct {
		name   string
		body   []byte
		status int
		detail string
		// observed is whether the view sees the body: a malformed one is
		// refused before.
		observed bool
	}{
		{"the same checkpoint", ours.Note, http.StatusOK, "", true},
		{"cosigned by a witness", signed(t, l.honest, 8, l.signer, witness), http.StatusOK, "", true},
		{"a consistent larger tree", signed(t, l.honest, 12, l.signer), http.StatusOK, "", true},
		{"a consistent smaller tree", signed(t, l.honest, 3, l.signer), http.StatusOK, "", true},
		{"a tree the node cannot check yet", signed(t, l.honest, 14, l.signer), http.StatusOK, "", true},
		{"same size, other root", signed(t, l.fork, 8, l.signer), http.StatusConflict, "Split view", true},
		{"a larger tree on another branch", signed(t, l.fork, 12, l.signer), http.StatusConflict, "Split view", true},
		{"a smaller tree on another branch", signed(t, l.fork, 6, l.signer), http.StatusConflict, "Split view", true},
		{"empty", nil, http.StatusBadRequest, "not one", false},
		{"not a note", []byte("hello"), http.StatusBadRequest, "not one", false},
		{"JSON", []byte(`{"checkpoints":[]}`), http.StatusBadRequest, "not one", false},
		{"unsigned", []byte(good), http.StatusBadRequest, "not one", false},
		{"binary", []byte{0xff, 0x00, '\n', '\n'}, http.StatusBadRequest, "not one", false},
		{"a note that is not a checkpoint", signText(t, "hello\n", l.signer), http.StatusBadRequest, "not a checkpoint", false},
		{"a short root hash", signText(t, origin+"\n8\nAAAA\n", l.signer), http.StatusBadRequest, "root hash", false},
		{"signed by a witness only", signed(t, l.honest, 8, witness), http.StatusUnauthorized, "No signature", true},
		{"signed by another key of the log's name", signed(t, l.fork, 8, impostor), http.StatusUnauthorized, "No signature", true},
		{"altered after signing", bytes.Replace(signed(t, l.honest, 8, l.signer), []byte("\n8\n"), []byte("\n9\n"), 1), http.StatusUnauthorized, "No signature", true},
		{"of another log", signText(t, strings.Replace(good, origin, "truce.example/other", 1), l.signer), http.StatusNotFound, "truce.example/other", true},
		{"too large", large, http.StatusRequestEntityTooLarge, "at most", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := &view{log: l, latest: ours, prove: prover(l.honest, 12, new(int))}
			resp, data := serve(t, gossip.Handler(v, nil), http.MethodPost, tc.body)
			if tc.status == http.StatusOK {
				checkList(t, resp, data, ours.Note)
			} else {
				checkProblem(t, resp, data, tc.status, tc.detail)
			}
			if got := v.observed == 1; got != tc.observed {
				t.Errorf("the view observed the body %d times", v.observed)
			}
		})
	}
}

// TestHandlerPostInternal checks that an error the view does not code is
// a 500 that does not show it.
func TestHandlerPostInternal(t *testing.T) {
	l := newTestLog(t, origin, 1)
	v := &view{log: l, err: errors.New("disk on fire")}
	resp, data := serve(t, gossip.Handler(v, nil), http.MethodPost, signed(t, l.honest, 8, l.signer))
	checkProblem(t, resp, data, http.StatusInternalServerError, "Internal error.")
	if strings.Contains(string(data), "disk") {
		t.Errorf("an internal error's answer shows it: %s", data)
	}
}

func TestExchange(t *testing.T) {
	l := newTestLog(t, origin, 1)
	ours := l.checkpoint(t, l.honest, 8)
	peer := httptest.NewServer(gossip.Handler(&view{log: l, latest: ours, prove: prover(l.honest, 12, new(int))}, nil))
	t.Cleanup(peer.Close)

	got, err := gossip.Exchange(t.Context(), peer.Client(), peer.URL+"/", signed(t, l.honest, 12, l.signer))
	checkCode(t, err, "")
	if len(got) != 1 || !bytes.Equal(got[0], ours.Note) {
		t.Errorf("Exchange = %q, want the peer's checkpoint", got)
	}
	_, err = gossip.Exchange(t.Context(), peer.Client(), peer.URL, signed(t, l.fork, 8, l.signer))
	checkCode(t, err, truce.ECONFLICT)
	if !strings.Contains(err.Error(), "Split view") {
		t.Errorf("Exchange of a forked checkpoint: %v, want the peer's explanation", err)
	}
	_, err = gossip.Exchange(t.Context(), peer.Client(), peer.URL, signText(t, strings.Replace(text(l.honest, 8), origin, "truce.example/other", 1), l.signer))
	checkCode(t, err, truce.ENOTFOUND)
	_, err = gossip.Exchange(t.Context(), peer.Client(), peer.URL, []byte("hello"))
	checkCode(t, err, truce.EUNAVAILABLE)

	// A peer that answers 200 with something other than a list.
	odd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "<html>") }))
	t.Cleanup(odd.Close)
	_, err = gossip.Exchange(t.Context(), odd.Client(), odd.URL, ours.Note)
	checkCode(t, err, truce.EUNAVAILABLE)

	// A peer that is down.
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	_, err = gossip.Exchange(t.Context(), nil, down.URL, ours.Note)
	checkCode(t, err, truce.EUNAVAILABLE)

	_, err = gossip.Exchange(t.Context(), nil, "http://[::1", ours.Note)
	checkCode(t, err, truce.EINVALID)
}

func TestOrigin(t *testing.T) {
	for raw, want := range map[string]string{"": "", "log": "log", "log\n8\n": "log", "\nlog": ""} {
		if got := gossip.Origin([]byte(raw)); got != want {
			t.Errorf("Origin(%q) = %q, want %q", raw, got, want)
		}
	}
}
