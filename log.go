package truce

import "context"

// Log is the transparency log: an append-only Merkle tree of statements in
// the C2SP tlog-tiles layout with checkpoints in the C2SP signed-note format.
// The tlog package implements it on Tessera.
type Log interface {
	// Origin returns the log's origin line, which is also its note signer's name.
	Origin() string

	// Append adds entry and returns once a published checkpoint includes it:
	// its index and that checkpoint. Returns ETOOLARGE for an entry over
	// MaxEntrySize and EUNAVAILABLE (retry later) when the log pushes back.
	Append(ctx context.Context, entry []byte) (uint64, Checkpoint, error)

	// Checkpoint returns the latest published checkpoint. Returns ENOTFOUND
	// if none has been published yet.
	Checkpoint(ctx context.Context) (Checkpoint, error)

	// IntegratedSize returns the number of entries integrated into the tree,
	// which may be ahead of the latest checkpoint.
	IntegratedSize(ctx context.Context) (uint64, error)

	// Entries returns the entries from index from up to, not including, to.
	// Both must be within IntegratedSize.
	Entries(ctx context.Context, from, to uint64) ([][]byte, error)

	// InclusionProof returns the proof that the entry at index is in the tree
	// of the given size, as RFC 6962 hashes from leaf to root.
	InclusionProof(ctx context.Context, index, size uint64) ([][]byte, error)

	// ConsistencyProof returns the RFC 6962 proof that the tree of size from
	// is a prefix of the tree of size to.
	ConsistencyProof(ctx context.Context, from, to uint64) ([][]byte, error)

	// Dir returns the directory that holds the tiles, entry bundles and
	// checkpoint, to be served read-only at /log/.
	Dir() string

	// Close waits for appended entries to be published and stops the log.
	Close(ctx context.Context) error
}

// Checkpoint is a signed checkpoint of the log.
type Checkpoint struct {
	// Size is the number of entries the tree commits to.
	Size uint64 `json:"size"`
	// Hash is the tree's RFC 6962 root hash.
	Hash []byte `json:"hash"`
	// Note is the whole signed note, in the C2SP signed-note text format.
	Note []byte `json:"note"`
}
