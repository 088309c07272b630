package tlog

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sync"

	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/client"
	"github.com/truce-project/truce"
)

// InclusionProof returns the RFC 6962 proof, hashes from leaf to root, that
// the entry at index is in the tree of the given size. size may be any size
// up to IntegratedSize, not only one a checkpoint was published for. Check
// it with [VerifyInclusion].
//
// Returns EINVALID if index is not below size or size is beyond
// IntegratedSize.
func (l *Log) InclusionProof(ctx context.Context, index, size uint64) ([][]byte, error) {
	if index >= size {
		return nil, truce.Errorf(truce.EINVALID, "Index %d is not in a tree of %d entries.", index, size)
	}
	var p [][]byte
	err := l.withProofBuilder(ctx, size, func(pb *client.ProofBuilder) (err error) {
		p, err = pb.InclusionProof(ctx, index)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("prove inclusion of %d in %d: %w", index, size, err)
	}
	return p, nil
}

// ConsistencyProof returns the RFC 6962 proof that the tree of size from is
// a prefix of the tree of size to; it is empty if from is 0 or equals to.
// Check it with [VerifyConsistency].
//
// Returns EINVALID if from > to or to is beyond IntegratedSize.
func (l *Log) ConsistencyProof(ctx context.Context, from, to uint64) ([][]byte, error) {
	if from > to {
		return nil, truce.Errorf(truce.EINVALID, "Cannot prove a tree of %d entries consistent with a smaller one of %d.", from, to)
	}
	var p [][]byte
	err := l.withProofBuilder(ctx, to, func(pb *client.ProofBuilder) (err error) {
		p, err = pb.ConsistencyProof(ctx, from, to)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("prove consistency of %d with %d: %w", from, to, err)
	}
	return p, nil
}

// proofCache keeps the proof builder of the latest tree size asked for:
// the receipts of one checkpoint's entries, hundreds under load, all need
// proofs in the tree of that size, and a builder caches the tiles it read.
// Tessera's builder is not safe for concurrent use, hence the mutex; a
// proof from cached tiles takes microseconds.
type proofCache struct {
	mu   sync.Mutex
	size uint64
	pb   *client.ProofBuilder
}

// withProofBuilder runs f with a proof builder for the tree of size.
func (l *Log) withProofBuilder(ctx context.Context, size uint64, f func(*client.ProofBuilder) error) error {
	c := &l.proofs
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pb == nil || c.size != size {
		pb, err := l.proofBuilder(ctx, size)
		if err != nil {
			return err
		}
		c.pb, c.size = pb, size
	}
	if err := f(c.pb); err != nil {
		c.pb = nil // a failed read may have left the builder's cache short
		return err
	}
	return nil
}

// proofBuilder returns a Tessera proof builder for the tree of size, reading
// tiles from the tree on disk.
func (l *Log) proofBuilder(ctx context.Context, size uint64) (*client.ProofBuilder, error) {
	integrated, err := l.IntegratedSize(ctx)
	if err != nil {
		return nil, err
	}
	if size > integrated {
		return nil, truce.Errorf(truce.EINVALID, "The log has %d entries, not %d.", integrated, size)
	}
	tiles := tileReader{reader: l.reader, size: integrated}
	pb, err := client.NewProofBuilder(ctx, size, tiles.read)
	if err != nil {
		return nil, fmt.Errorf("build proofs for size %d: %w", size, err)
	}
	return pb, nil
}

// tileReader reads tiles of a smaller tree from the tree on disk, whose size
// is size. Tessera writes a partial tile only for sizes the tree passed
// through, and a tree of any other size is wanted for a proof to a size no
// checkpoint was published for. Tiles only ever grow to the right, so the
// tile of the smaller tree is a prefix of the tile on disk.
type tileReader struct {
	reader tessera.LogReader
	size   uint64
}

// read implements client.TileFetcherFunc: it returns the tile at level and
// index with p hashes, or all 256 if p is 0.
func (t tileReader) read(ctx context.Context, level, index uint64, p uint8) ([]byte, error) {
	raw, err := t.reader.ReadTile(ctx, level, index, layout.PartialTileSize(level, index, t.size))
	if err != nil {
		return nil, fmt.Errorf("read tile %d/%d: %w", level, index, err)
	}
	want := int(p)
	if want == 0 {
		want = layout.TileWidth
	}
	if len(raw) < want*sha256.Size {
		return nil, fmt.Errorf("tile %d/%d holds %d bytes, want at least %d hashes", level, index, len(raw), want)
	}
	return raw[:want*sha256.Size], nil
}
