package tlog

import (
	"bytes"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"testing"

	"filippo.io/torchwood"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// TestIndependentVerification reads the log the way an outside auditor
// would: over HTTP from a plain file server, with torchwood and x/mod's
// sumdb packages and none of this package's code, and checks the
// checkpoint's signature, the entries, inclusion and consistency.
func TestIndependentVerification(t *testing.T) {
	t.Parallel()
	const origin = "example.org/interop"
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	l := openTest(t, t.TempDir(), s)
	want := appendAll(t, l, 0, 100, 16)
	cp1, err := l.Checkpoint(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range appendAll(t, l, 100, 200, 32) {
		want[i] = e
	}

	srv := httptest.NewServer(http.FileServer(http.Dir(l.Dir())))
	t.Cleanup(srv.Close)
	fetcher, err := torchwood.NewTileFetcher(srv.URL, torchwood.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := fetcher.ReadEndpoint(t.Context(), "checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	tree := openCheckpoint(t, raw, v)
	old := openCheckpoint(t, cp1.Note, v)
	if tree.N != 300 || old.N != 100 {
		t.Fatalf("checkpoints are for %d and %d entries, want 100 and 300", old.N, tree.N)
	}

	t.Run("entries", func(t *testing.T) { checkFetchedEntries(t, fetcher, tree, want) })
	t.Run("inclusion", func(t *testing.T) { checkFetchedInclusion(t, l, fetcher, tree, want) })
	t.Run("consistency", func(t *testing.T) { checkFetchedConsistency(t, l, fetcher, old, tree) })
}

// openCheckpoint verifies raw with v and parses it, as a client would.
func openCheckpoint(t *testing.T, raw []byte, v note.Verifier) tlog.Tree {
	t.Helper()
	n, err := note.Open(raw, note.VerifierList(v))
	if err != nil {
		t.Fatalf("checkpoint signature: %v", err)
	}
	c, err := torchwood.ParseCheckpoint(n.Text)
	if err != nil {
		t.Fatal(err)
	}
	if c.Origin != v.Name() {
		t.Fatalf("checkpoint origin = %q, want %q", c.Origin, v.Name())
	}
	return c.Tree
}

// checkFetchedEntries reads every entry over HTTP, each authenticated by
// torchwood against the tree, and compares it with what was appended.
func checkFetchedEntries(t *testing.T, tr torchwood.TileReader, tree tlog.Tree, want map[uint64][]byte) {
	c, err := torchwood.NewClient(tr)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for i, e := range c.AllEntries(t.Context(), tree, 0) {
		if i != n {
			t.Fatalf("entry %d came after %d", i, n-1)
		}
		if !bytes.Equal(e, want[uint64(i)]) {
			t.Errorf("entry %d = %q, want %q", i, e, want[uint64(i)])
		}
		n++
	}
	if err := c.Err(); err != nil {
		t.Fatal(err)
	}
	if n != tree.N {
		t.Errorf("fetched %d entries, want %d", n, tree.N)
	}
}

// checkFetchedInclusion proves entries from tiles fetched over HTTP, and
// checks this package's proofs with x/mod's verifier.
func checkFetchedInclusion(t *testing.T, l *Log, tr torchwood.TileReader, tree tlog.Tree, want map[uint64][]byte) {
	hr := torchwood.TileHashReaderWithContext(t.Context(), tree, tr)
	for _, i := range []int64{0, 1, 99, 137, 255, 256, 299} {
		rh := tlog.RecordHash(want[uint64(i)])
		theirs, err := tlog.ProveRecord(tree.N, i, hr)
		if err != nil {
			t.Fatal(err)
		}
		if err := tlog.CheckRecord(theirs, tree.N, tree.Hash, i, rh); err != nil {
			t.Errorf("x/mod proof of %d: %v", i, err)
		}
		ours, err := l.InclusionProof(t.Context(), uint64(i), uint64(tree.N))
		if err != nil {
			t.Fatal(err)
		}
		if err := tlog.CheckRecord(toHashes[tlog.RecordProof](t, ours), tree.N, tree.Hash, i, rh); err != nil {
			t.Errorf("our proof of %d, checked by x/mod: %v", i, err)
		}
	}
}

// checkFetchedConsistency proves the old tree a prefix of the new one from
// tiles fetched over HTTP, and checks this package's proof with x/mod.
func checkFetchedConsistency(t *testing.T, l *Log, tr torchwood.TileReader, old, tree tlog.Tree) {
	hr := torchwood.TileHashReaderWithContext(t.Context(), tree, tr)
	theirs, err := tlog.ProveTree(tree.N, old.N, hr)
	if err != nil {
		t.Fatal(err)
	}
	if err := tlog.CheckTree(theirs, tree.N, tree.Hash, old.N, old.Hash); err != nil {
		t.Errorf("x/mod consistency proof: %v", err)
	}
	ours, err := l.ConsistencyProof(t.Context(), uint64(old.N), uint64(tree.N))
	if err != nil {
		t.Fatal(err)
	}
	if err := tlog.CheckTree(toHashes[tlog.TreeProof](t, ours), tree.N, tree.Hash, old.N, old.Hash); err != nil {
		t.Errorf("our consistency proof, checked by x/mod: %v", err)
	}
}

// toHashes converts a proof from this package to x/mod's form.
func toHashes[P ~[]tlog.Hash](t *testing.T, proof [][]byte) P {
	t.Helper()
	p := make(P, len(proof))
	for i, h := range proof {
		if len(h) != tlog.HashSize {
			t.Fatalf("proof hash %d is %d bytes", i, len(h))
		}
		p[i] = tlog.Hash(h)
	}
	return p
}
