package tlog

import (
	"bytes"
	"testing"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/truce-project/truce"
)

// prefixRoots returns the RFC 6962 root of every prefix of entries, computed
// here rather than read from the log: roots[n] is the root of entries[:n].
func prefixRoots(t *testing.T, entries map[uint64][]byte) [][]byte {
	t.Helper()
	h := rfc6962.DefaultHasher
	rf := compact.RangeFactory{Hash: h.HashChildren}
	r := rf.NewEmptyRange(0)
	roots := [][]byte{h.EmptyRoot()}
	for i := range uint64(len(entries)) {
		if err := r.Append(h.HashLeaf(entries[i]), nil); err != nil {
			t.Fatal(err)
		}
		root, err := r.GetRootHash(nil)
		if err != nil {
			t.Fatal(err)
		}
		roots = append(roots, root)
	}
	return roots
}

// proofSizes are tree sizes around the edges of tiles, most of which no
// checkpoint was published for.
var proofSizes = []uint64{1, 2, 3, 4, 7, 8, 100, 255, 256, 257, 299, 300}

func TestInclusionProof(t *testing.T) {
	t.Parallel()
	s, _ := testKey(t, "example.org/inclusion")
	l := openTest(t, t.TempDir(), s)
	entries := appendAll(t, l, 0, 300, 32)
	roots := prefixRoots(t, entries)
	for _, size := range proofSizes {
		cp := truce.Checkpoint{Size: size, Hash: roots[size]}
		for _, index := range []uint64{0, size / 2, size - 1} {
			p, err := l.InclusionProof(t.Context(), index, size)
			if err != nil {
				t.Fatalf("InclusionProof(%d, %d): %v", index, size, err)
			}
			if err := VerifyInclusion(entries[index], index, cp, p); err != nil {
				t.Errorf("VerifyInclusion(%d, %d): %v", index, size, err)
			}
			if err := VerifyInclusion([]byte("forged"), index, cp, p); truce.ErrorCode(err) != truce.EUNAUTHORIZED {
				t.Errorf("VerifyInclusion of a forged entry at (%d, %d) = %v, want EUNAUTHORIZED", index, size, err)
			}
		}
	}
	if _, err := l.InclusionProof(t.Context(), 5, 5); truce.ErrorCode(err) != truce.EINVALID {
		t.Errorf("InclusionProof(5, 5) = %v, want EINVALID", err)
	}
	if _, err := l.InclusionProof(t.Context(), 0, 301); truce.ErrorCode(err) != truce.EINVALID {
		t.Errorf("InclusionProof(0, 301) = %v, want EINVALID", err)
	}
}

func TestConsistencyProof(t *testing.T) {
	t.Parallel()
	s, _ := testKey(t, "example.org/consistency")
	l := openTest(t, t.TempDir(), s)
	entries := appendAll(t, l, 0, 300, 32)
	roots := prefixRoots(t, entries)
	cp, err := l.Checkpoint(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if cp.Size != 300 || !bytes.Equal(cp.Hash, roots[300]) {
		t.Fatalf("checkpoint = %d %x, want 300 %x", cp.Size, cp.Hash, roots[300])
	}
	for _, from := range append([]uint64{0}, proofSizes...) {
		for _, to := range proofSizes {
			if from > to {
				continue
			}
			older := truce.Checkpoint{Size: from, Hash: roots[from]}
			newer := truce.Checkpoint{Size: to, Hash: roots[to]}
			p, err := l.ConsistencyProof(t.Context(), from, to)
			if err != nil {
				t.Fatalf("ConsistencyProof(%d, %d): %v", from, to, err)
			}
			if err := VerifyConsistency(older, newer, p); err != nil {
				t.Errorf("VerifyConsistency(%d, %d): %v", from, to, err)
			}
			if from == 0 || from == to {
				continue
			}
			forked := truce.Checkpoint{Size: from, Hash: roots[from-1]}
			if err := VerifyConsistency(forked, newer, p); truce.ErrorCode(err) != truce.EUNAUTHORIZED {
				t.Errorf("VerifyConsistency from a forked %d to %d = %v, want EUNAUTHORIZED", from, to, err)
			}
		}
	}
	if _, err := l.ConsistencyProof(t.Context(), 10, 9); truce.ErrorCode(err) != truce.EINVALID {
		t.Errorf("ConsistencyProof(10, 9) = %v, want EINVALID", err)
	}
	if _, err := l.ConsistencyProof(t.Context(), 10, 301); truce.ErrorCode(err) != truce.EINVALID {
		t.Errorf("ConsistencyProof(10, 301) = %v, want EINVALID", err)
	}
}
