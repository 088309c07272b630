package tlog

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/url"

	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/client"
	"github.com/truce-project/truce"
)

// Remote reads a log published over HTTP in the tlog-tiles layout and
// computes proofs from its tiles, so that a client checks the log without
// trusting any proof the server's API hands out.
type Remote struct {
	fetcher *client.HTTPFetcher
}

// NewRemote returns a reader of the log whose tiles and checkpoint are
// under base, e.g. "http://127.0.0.1:8080/log/". c may be nil.
func NewRemote(base string, c *http.Client) *Remote {
	u, err := url.Parse(base)
	if err != nil {
		u = &url.URL{Path: base}
	}
	f, _ := client.NewHTTPFetcher(u, c) // only fails on nothing: it returns no error today
	return &Remote{fetcher: f}
}

// Checkpoint returns the raw signed checkpoint; check it with VerifyCheckpoint.
func (r *Remote) Checkpoint(ctx context.Context) ([]byte, error) {
	cp, err := r.fetcher.ReadCheckpoint(ctx)
	if err != nil {
		return nil, truce.Errorf(truce.EUNAVAILABLE, "Cannot read the log's checkpoint: %v.", err)
	}
	return cp, nil
}

// InclusionProof computes the proof that the entry at index is in the tree
// of size from the remote tiles.
func (r *Remote) InclusionProof(ctx context.Context, index, size uint64) ([][]byte, error) {
	pb, err := client.NewProofBuilder(ctx, size, r.tileFetcher(size))
	if err != nil {
		return nil, fmt.Errorf("read tiles for size %d: %w", size, err)
	}
	return pb.InclusionProof(ctx, index)
}

// ConsistencyProof computes the proof that the tree of size from is a
// prefix of the tree of size to from the remote tiles.
func (r *Remote) ConsistencyProof(ctx context.Context, from, to uint64) ([][]byte, error) {
	pb, err := client.NewProofBuilder(ctx, to, r.tileFetcher(to))
	if err != nil {
		return nil, fmt.Errorf("read tiles for size %d: %w", to, err)
	}
	return pb.ConsistencyProof(ctx, from, to)
}

// tileFetcher reads tiles as of a tree of size, cutting a fuller tile down
// to the hashes that tree had: the server may have replaced the partial
// tile of an older checkpoint with a wider one.
func (r *Remote) tileFetcher(size uint64) client.TileFetcherFunc {
	return func(ctx context.Context, level, index uint64, p uint8) ([]byte, error) {
		raw, err := r.fetcher.ReadTile(ctx, level, index, layout.PartialTileSize(level, index, size))
		if err != nil {
			return nil, err
		}
		want := int(p)
		if want == 0 {
			want = layout.TileWidth
		}
		if len(raw) < want*sha256.Size || len(raw)%sha256.Size != 0 {
			return nil, fmt.Errorf("tile %d/%d holds %d bytes, want at least %d hashes", level, index, len(raw), want)
		}
		return raw[:want*sha256.Size], nil
	}
}
