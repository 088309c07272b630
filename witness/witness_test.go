package witness

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

// testLog is an in-memory Merkle tree with a checkpoint signer.
type testLog struct {
	signer note.Signer
	vkey   string
	leaves [][]byte
}

func newTestLog(t *testing.T, origin string) *testLog {
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return &testLog{signer: s, vkey: vkey}
}

func (l *testLog) add(n int, tag string) {
	for i := range n {
		l.leaves = append(l.leaves, rfc6962.DefaultHasher.HashLeaf([]byte(fmt.Sprintf("%s %d", tag, len(l.leaves)+i))))
	}
}

func (l *testLog) root(size uint64) []byte {
	if size == 0 {
		return rfc6962.DefaultHasher.EmptyRoot()
	}
	rf := compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}
	r := rf.NewEmptyRange(0)
	for _, h := range l.leaves[:size] {
		r.Append(h, nil)
	}
	root, _ := r.GetRootHash(nil)
	return root
}

// mth is the RFC 6962 Merkle tree hash of leaf hashes.
func mth(leaves [][]byte) []byte {
	if len(leaves) == 1 {
		return leaves[0]
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	return rfc6962.DefaultHasher.HashChildren(mth(leaves[:k]), mth(leaves[k:]))
}

func (l *testLog) checkpoint(t *testing.T, size uint64) []byte {
	cp := log.Checkpoint{Origin: l.signer.Name(), Size: size, Hash: l.root(size)}
	n, err := note.Sign(&note.Note{Text: string(cp.Marshal())}, l.signer)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// proof returns the consistency proof from old to size.
func (l *testLog) proof(t *testing.T, old, size uint64) [][]byte {
	if old == 0 || old == size {
		return nil
	}
	nodes, err := proof.Consistency(old, size)
	if err != nil {
		t.Fatal(err)
	}
	hashes := make([][]byte, len(nodes.IDs))
	for i, id := range nodes.IDs {
		begin, end := id.Coverage()
		hashes[i] = mth(l.leaves[begin:end])
	}
	p, err := nodes.Rehash(hashes, rfc6962.DefaultHasher.HashChildren)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func openTestWitness(t *testing.T, dir string, logs ...*testLog) (*Witness, string, string) {
	skey, vkey, err := GenerateKey("example.org/witness")
	if err != nil {
		t.Fatal(err)
	}
	s, pub, err := NewSigner(skey)
	if err != nil || pub != vkey {
		t.Fatalf("NewSigner: %v; verifier key %q, want %q", err, pub, vkey)
	}
	var keys []string
	for _, l := range logs {
		keys = append(keys, l.vkey)
	}
	w, err := Open(Config{Signer: s, Logs: keys, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w.Handler())
	t.Cleanup(srv.Close)
	return w, srv.URL, vkey
}

func post(t *testing.T, url string, body []byte) (int, string, []byte) {
	resp, err := http.Post(url+"/add-checkpoint", "text/plain", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), data
}

// TestAddCheckpoint walks a witness through the cases of C2SP
// tlog-witness, in order, each depending on the state the ones before
// left, and checks the cosignatures it returns with the verifier key.
func TestAddCheckpoint(t *testing.T) {
	dir := t.TempDir()
	l := newTestLog(t, "example.org/log")
	other := newTestLog(t, "example.org/other")
	l.add(10, "a")
	w, url, vkey := openTestWitness(t, dir, l)
	wv, err := NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	forged := newTestLog(t, "example.org/log") // same origin, another key
	forged.leaves = l.leaves

	fork := &testLog{signer: l.signer, vkey: l.vkey}
	fork.leaves = append([][]byte(nil), l.leaves[:4]...)
	fork.add(8, "b")

	req := func(old uint64, p [][]byte, cp []byte) []byte {
		return (&Request{OldSize: old, Proof: p, Checkpoint: cp}).Marshal()
	}
	for _, c := range []struct {
		name   string
		body   []byte
		status int
		want   string // in the body
	}{
		{"malformed", []byte("old 01\n\n"), 400, "leading zeroes"},
		{"unknown log", req(0, nil, other.checkpoint(t, 0)), 404, "does not witness"},
		{"bad signature", req(0, nil, forged.checkpoint(t, 4)), 403, "No signature"},
		{"old beyond size", req(5, nil, l.checkpoint(t, 4)), 400, "larger than"},
		{"first use", req(0, nil, l.checkpoint(t, 4)), 200, "— example.org/witness "},
		{"stale old size", req(0, nil, l.checkpoint(t, 6)), 409, "4\n"},
		{"bad proof", req(4, l.proof(t, 3, 6), l.checkpoint(t, 6)), 422, "not consistent"},
		{"consistent", req(4, l.proof(t, 4, 6), l.checkpoint(t, 6)), 200, "— example.org/witness "},
		{"same again", req(6, nil, l.checkpoint(t, 6)), 200, "— example.org/witness "},
		{"fork same size", req(6, nil, fork.checkpoint(t, 6)), 409, "forked"},
		{"fork larger", req(6, fork.proof(t, 6, 8), fork.checkpoint(t, 8)), 422, "not consistent"},
		{"rollback", req(6, nil, l.checkpoint(t, 5)), 400, "larger than"},
		{"grows", req(6, l.proof(t, 6, 10), l.checkpoint(t, 10)), 200, "— example.org/witness "},
	} {
		status, ctype, body := post(t, url, c.body)
		if status != c.status || !strings.Contains(string(body), c.want) {
			t.Errorf("%s: %d %q, want %d with %q", c.name, status, body, c.status, c.want)
			continue
		}
		switch {
		case c.status == 409 && c.name == "stale old size" && ctype != "text/x.tlog.size":
			t.Errorf("%s: Content-Type %q, want text/x.tlog.size", c.name, ctype)
		case c.status == 200:
			r, _ := ParseRequest(c.body)
			if _, err := note.Open(append(bytes.Clone(r.Checkpoint), body...), note.VerifierList(wv)); err != nil {
				t.Errorf("%s: the cosignature does not verify: %v", c.name, err)
			}
		}
	}
	conflicts, err := w.Conflicts()
	if err != nil || len(conflicts) != 3 {
		t.Errorf("conflicts = %d (%v), want the bad proof and both forks", len(conflicts), err)
	}

	// The state survives a restart, and a second witness cannot share it.
	if _, err := Open(Config{Signer: w.signer, Logs: []string{l.vkey}, Dir: dir}); err == nil {
		t.Errorf("a second witness opened a state directory in use")
	}
	w.Close()
	w2, err := Open(Config{Signer: w.signer, Logs: []string{l.vkey}, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Close()
	if _, err := w2.AddCheckpoint(&Request{OldSize: 6, Checkpoint: l.checkpoint(t, 10)}); err == nil || !strings.Contains(err.Error(), "10 entries") {
		t.Errorf("after a restart, old size 6: %v, want the stored size 10", err)
	}
}

// FuzzParseRequest checks that any body either parses into a request that
// marshals back to it, or fails with a 400 of this package.
func FuzzParseRequest(f *testing.F) {
	f.Add([]byte("old 0\n\nexample.org/log\n1\nAAAA\n\n— x y\n"))
	f.Add([]byte("old 12\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n\ncp"))
	f.Add([]byte("old 01\n\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := ParseRequest(body)
		if err != nil {
			if e, ok := err.(*Error); !ok || e.Status != 400 {
				t.Fatalf("error %v is not a 400 *Error", err)
			}
			return
		}
		if !bytes.Equal(r.Marshal(), body) {
			t.Fatalf("%q parses and marshals to %q", body, r.Marshal())
		}
	})
}
