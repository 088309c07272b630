package witness

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/truce-project/truce/gossip"
)

// TestGossip checks the witness's side of package gossip: GET /gossip
// offers the checkpoint it cosigned, and POST /gossip refuses what is not
// a checkpoint the log signed, and records a checkpoint of the size it
// cosigned with another root as a conflict.
func TestGossip(t *testing.T) {
	l := newTestLog(t, "example.org/log")
	l.add(10, "a")
	other := newTestLog(t, "example.org/other")
	forged := newTestLog(t, "example.org/log") // same origin, another key
	forged.leaves = l.leaves
	fork := &testLog{signer: l.signer, vkey: l.vkey, leaves: append([][]byte(nil), l.leaves[:4]...)}
	fork.add(8, "b")
	w, url, _ := openTestWitness(t, t.TempDir(), l, other)

	gossipGet := func() gossip.List {
		t.Helper()
		resp, err := http.Get(url + "/gossip")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var list gossip.List
		if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET /gossip: %s, %v", resp.Status, err)
		}
		return list
	}
	if list := gossipGet(); len(list.Checkpoints) != 0 {
		t.Errorf("GET /gossip before any cosignature: %q", list.Checkpoints)
	}
	if _, err := w.AddCheckpoint(&Request{Checkpoint: l.checkpoint(t, 6)}); err != nil {
		t.Fatal(err)
	}
	list := gossipGet()
	if len(list.Checkpoints) != 1 || !strings.HasPrefix(list.Checkpoints[0], string(l.checkpoint(t, 6))) {
		t.Fatalf("GET /gossip: %q, want the cosigned checkpoint", list.Checkpoints)
	}

	for _, c := range []struct {
		name   string
		body   []byte
		status int
		want   string
	}{
		{"the same checkpoint", l.checkpoint(t, 6), 200, `"checkpoints"`},
		{"a larger tree", l.checkpoint(t, 10), 200, `"checkpoints"`},
		{"a larger tree on another branch", fork.checkpoint(t, 8), 200, `"checkpoints"`}, // a witness holds no proofs
		{"a log it does not cosign yet", other.checkpoint(t, 0), 200, `"checkpoints"`},
		{"not a checkpoint", []byte("hello"), 400, "signed note"},
		{"empty", nil, 400, "signed note"},
		{"unsigned", []byte(strings.SplitAfter(string(l.checkpoint(t, 6)), "\n\n")[0]), 400, "signed note"},
		{"not signed by the log", forged.checkpoint(t, 6), 401, "No signature"},
		{"a log it does not witness", newTestLog(t, "example.org/third").checkpoint(t, 0), 404, "does not witness"},
		{"same size, other root", fork.checkpoint(t, 6), 409, "Split view"},
	} {
		resp, err := http.Post(url+"/gossip", "text/plain", bytes.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || !strings.Contains(string(body), c.want) {
			t.Errorf("%s: %d %s, want %d with %q", c.name, resp.StatusCode, body, c.status, c.want)
		}
	}
	conflicts, err := w.Conflicts()
	if err != nil || len(conflicts) != 1 || conflicts[0].Checkpoint != string(fork.checkpoint(t, 6)) {
		t.Errorf("conflicts = %+v (%v), want the fork of the same size", conflicts, err)
	}
}
