package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/gossip"
	"github.com/truce-project/truce/tlog"
	"golang.org/x/mod/sumdb/note"
)

// TestMirrorGossipEndpoint checks the mirror's own /gossip: it offers the
// checkpoint it checked, refuses a body that is not a checkpoint the log
// signed, and proves a split view from a checkpoint the log signed that
// is not consistent with its own, by size and root or by a proof from
// the log's tiles.
func TestMirrorGossipEndpoint(t *testing.T) {
	t.Parallel()
	dep, d, _ := sealedDeployment(t)
	logSigner := logSignerOf(t, dep.Dir)
	impostorKey, _, err := note.GenerateKey(rand.NewChaCha8([32]byte{9}), dep.Origin)
	if err != nil {
		t.Fatal(err)
	}
	impostor, err := note.NewSigner(impostorKey)
	if err != nil {
		t.Fatal(err)
	}
	// checkpoint signs a checkpoint of the log's origin at size with root.
	checkpoint := func(s note.Signer, origin string, size uint64, root []byte) []byte {
		t.Helper()
		raw, err := note.Sign(&note.Note{Text: fmt.Sprintf("%s\n%d\n%s\n", origin, size, base64.StdEncoding.EncodeToString(root))}, s)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}

	mi := openMemberMirror(t, d.URL(), t.TempDir(), dep.VerifierKey, dep.signer(t, "monitor"))
	url, stop, err := mi.serveGossip("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop() })
	exchange := func(body []byte) (int, string) {
		t.Helper()
		resp, err := http.Post(url+"/gossip", "text/plain", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(data)
	}
	if status, body := exchange(checkpoint(logSigner, dep.Origin, 1, make([]byte, 32))); status != 200 || !strings.Contains(body, `"checkpoints":[]`) {
		t.Errorf("POST /gossip before the first sync: %d %s, want an empty list", status, body)
	}
	if err := mi.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	ours, err := mi.follower.Checkpoint(t.Context())
	if err != nil || ours.Size < 2 {
		t.Fatalf("the mirror's checkpoint: %+v, %v", ours, err)
	}
	other := bytes.Repeat([]byte{7}, 32)
	for _, c := range []struct {
		name   string
		body   []byte
		status int
		want   string
	}{
		{"its own checkpoint", ours.Note, 200, `"checkpoints":["` + dep.Origin + `\n`},
		{"a larger tree the tiles cannot prove yet", checkpoint(logSigner, dep.Origin, ours.Size+5, other), 200, `"checkpoints"`},
		{"not a checkpoint", []byte("hello"), 400, "signed note"},
		{"unsigned", []byte(strings.SplitAfter(string(ours.Note), "\n\n")[0]), 400, "signed note"},
		{"not signed by the log", checkpoint(impostor, dep.Origin, ours.Size, ours.Hash), 401, "No signature"},
		{"of another log", checkpoint(logSigner, "truce.example/other", ours.Size, ours.Hash), 404, "truce.example/other"},
		{"same size, other root", checkpoint(logSigner, dep.Origin, ours.Size, other), 409, "Split view"},
		{"a smaller tree, not a prefix", checkpoint(logSigner, dep.Origin, ours.Size-1, other), 409, "Split view"},
	} {
		status, body := exchange(c.body)
		if status != c.status || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %s, want %d with %q", c.name, status, body, c.status, c.want)
		}
	}
	if got, err := gossip.Exchange(t.Context(), nil, url, ours.Note); err != nil || len(got) != 1 || !bytes.Equal(got[0], ours.Note) {
		t.Errorf("gossip.Exchange with the mirror: %q, %v", got, err)
	}
}

// TestMirrorGossipNeedsEvidence checks that a peer's word is not proof: a
// peer that answers 409 to every checkpoint but shows none the log signed
// raises no alert, while one that shows a checkpoint of the log's that
// contradicts the mirror's view does.
func TestMirrorGossipNeedsEvidence(t *testing.T) {
	t.Parallel()
	dep, d, _ := sealedDeployment(t)
	logSigner := logSignerOf(t, dep.Dir)
	var mu sync.Mutex
	var shown []string // what the peer lists on GET /gossip
	peer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.Method == http.MethodPost {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusConflict)
			io.WriteString(w, `{"type":"/problems/conflict","title":"Conflict","status":409,"detail":"Split view, trust me."}`)
			return
		}
		json.NewEncoder(w).Encode(gossip.List{Checkpoints: shown})
	}))
	defer peer.Close()

	mi := openMirrorOf(t, &Mirror{Server: d.URL(), Dir: t.TempDir(), VerifierKey: dep.VerifierKey, Signer: dep.signer(t, "monitor"), Peers: []string{peer.URL}})
	if err := mi.Sync(context.Background()); err != nil {
		t.Fatalf("a peer that claims a split view without showing one: %v", err)
	}
	size := mi.Size()
	forged, err := note.Sign(&note.Note{Text: fmt.Sprintf("%s\n%d\n%s\n", dep.Origin, size, base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)))}, logSigner)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	shown = []string{string(forged)}
	mu.Unlock()
	if err := mi.Sync(context.Background()); truce.ErrorCode(err) != truce.ECONFLICT {
		t.Fatalf("a peer that shows a checkpoint of the same size with another root: %v, want a conflict", err)
	}
}

// logSignerOf returns the note signer of the log of the deployment in dir,
// with which a test signs checkpoints as the log would.
func logSignerOf(t *testing.T, dir string) note.Signer {
	t.Helper()
	d, err := loadDeployment(dir)
	if err != nil {
		t.Fatal(err)
	}
	skey, err := d.logKey()
	if err != nil {
		t.Fatal(err)
	}
	s, err := tlog.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
