package tlog

import (
	"bytes"
	"context"
	"fmt"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/truce-project/truce"
)

// Pinned is a read-only truce.Log over a remote log, fixed at one verified
// checkpoint: an auditor or a mirror replays exactly the entries that
// checkpoint commits to, read from the log's entry bundles, not from any
// API. Append is refused.
type Pinned struct {
	remote *Remote
	origin string
	cp     truce.Checkpoint
}

var _ truce.Log = (*Pinned)(nil)

// Pin returns the log of remote as of cp, which the caller has verified.
func Pin(remote *Remote, origin string, cp truce.Checkpoint) *Pinned {
	return &Pinned{remote: remote, origin: origin, cp: cp}
}

// Origin implements truce.Log.
func (p *Pinned) Origin() string { return p.origin }

// Append implements truce.Log: a pinned log takes no entries.
func (p *Pinned) Append(context.Context, []byte) (uint64, truce.Checkpoint, error) {
	return 0, truce.Checkpoint{}, truce.Errorf(truce.EFORBIDDEN, "This is a read-only copy of the log.")
}

// Checkpoint implements truce.Log.
func (p *Pinned) Checkpoint(context.Context) (truce.Checkpoint, error) { return p.cp, nil }

// IntegratedSize implements truce.Log: the pinned checkpoint's size.
func (p *Pinned) IntegratedSize(context.Context) (uint64, error) { return p.cp.Size, nil }

// Entries implements truce.Log, reading each entry bundle once.
func (p *Pinned) Entries(ctx context.Context, from, to uint64) ([][]byte, error) {
	if from > to || to > p.cp.Size {
		return nil, truce.Errorf(truce.EINVALID, "Entries [%d, %d) are not within the checkpoint's %d.", from, to, p.cp.Size)
	}
	out := make([][]byte, 0, to-from)
	for r := range layout.Range(from, to-from, p.cp.Size) {
		raw, err := p.remote.fetcher.ReadEntryBundle(ctx, r.Index, r.Partial)
		if err != nil {
			return nil, fmt.Errorf("read entry bundle %d: %w", r.Index, err)
		}
		var b api.EntryBundle
		if err := b.UnmarshalText(raw); err != nil {
			return nil, truce.Errorf(truce.ECONFLICT, "Entry bundle %d is malformed: %v.", r.Index, err)
		}
		if uint(len(b.Entries)) < r.First+r.N {
			return nil, truce.Errorf(truce.ECONFLICT, "Entry bundle %d holds %d entries, want at least %d.", r.Index, len(b.Entries), r.First+r.N)
		}
		out = append(out, b.Entries[r.First:r.First+r.N]...)
	}
	return out, nil
}

// InclusionProof implements truce.Log from the remote tiles.
func (p *Pinned) InclusionProof(ctx context.Context, index, size uint64) ([][]byte, error) {
	return p.remote.InclusionProof(ctx, index, size)
}

// ConsistencyProof implements truce.Log from the remote tiles.
func (p *Pinned) ConsistencyProof(ctx context.Context, from, to uint64) ([][]byte, error) {
	return p.remote.ConsistencyProof(ctx, from, to)
}

// Dir implements truce.Log: a remote log has no local directory.
func (p *Pinned) Dir() string { return "" }

// Close implements truce.Log.
func (p *Pinned) Close(context.Context) error { return nil }

// CheckEntries recomputes the Merkle tree of every entry the checkpoint
// commits to and compares its root with the checkpoint's, so that the
// entries a replay reads are the ones the signed tree holds. It reads the
// whole log; ECONFLICT if the roots differ.
func (p *Pinned) CheckEntries(ctx context.Context) error {
	rf := compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}
	r := rf.NewEmptyRange(0)
	const chunk = 4096
	for from := uint64(0); from < p.cp.Size; from += chunk {
		entries, err := p.Entries(ctx, from, min(from+chunk, p.cp.Size))
		if err != nil {
			return err
		}
		for _, e := range entries {
			if err := r.Append(rfc6962.DefaultHasher.HashLeaf(e), nil); err != nil {
				return fmt.Errorf("hash entries: %w", err)
			}
		}
	}
	root, err := r.GetRootHash(nil)
	if err != nil {
		return fmt.Errorf("hash entries: %w", err)
	}
	if p.cp.Size == 0 {
		root = rfc6962.DefaultHasher.EmptyRoot()
	}
	if !bytes.Equal(root, p.cp.Hash) {
		return truce.Errorf(truce.ECONFLICT, "The log's entry bundles do not hash to its signed checkpoint's root: the entries served are not the ones the tree holds.")
	}
	return nil
}
