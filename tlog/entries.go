package tlog

import (
	"context"
	"fmt"

	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/truce-project/truce"
)

// Entries returns the entries from index from up to, not including, to,
// reading each entry bundle of 256 entries once. Both bounds must be within
// IntegratedSize; from == to gives an empty slice. The entries share memory
// with the bundles they were read from: a caller keeping a few entries of a
// large range may want to copy them.
//
// Returns EINVALID if from > to or to is beyond IntegratedSize.
func (l *Log) Entries(ctx context.Context, from, to uint64) ([][]byte, error) {
	size, err := l.IntegratedSize(ctx)
	if err != nil {
		return nil, err
	}
	if from > to || to > size {
		return nil, truce.Errorf(truce.EINVALID, "Entries [%d, %d) are not within the log's %d entries.", from, to, size)
	}
	entries := make([][]byte, 0, to-from)
	// Range describes each bundle as of size, the tree on disk: a partial
	// bundle of that size was written when the tree had it, or has since been
	// replaced by the full bundle, which the reader falls back to.
	for r := range layout.Range(from, to-from, size) {
		bundle, err := l.readBundle(ctx, r)
		if err != nil {
			return nil, err
		}
		entries = append(entries, bundle[r.First:r.First+r.N]...)
	}
	return entries, nil
}

// readBundle reads and parses the entry bundle r describes, and checks that
// it holds the entries r wants.
func (l *Log) readBundle(ctx context.Context, r layout.RangeInfo) ([][]byte, error) {
	raw, err := l.reader.ReadEntryBundle(ctx, r.Index, r.Partial)
	if err != nil {
		return nil, fmt.Errorf("read entry bundle %d: %w", r.Index, err)
	}
	var b api.EntryBundle
	if err := b.UnmarshalText(raw); err != nil {
		return nil, fmt.Errorf("parse entry bundle %d: %w", r.Index, err)
	}
	if uint(len(b.Entries)) < r.First+r.N {
		return nil, fmt.Errorf("entry bundle %d holds %d entries, want at least %d", r.Index, len(b.Entries), r.First+r.N)
	}
	return b.Entries, nil
}
