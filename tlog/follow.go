package tlog

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/truce-project/truce"
)

// Follower is a read-only truce.Log over a remote log that a mirror moves
// from one verified checkpoint to the next ([Follower.Advance]), and whose
// entries are checked against the tree as they are read: Entries hashes
// the leaves it returns into a compact range of everything read so far,
// and checks with a consistency proof from the remote tiles that the tree
// of those leaves is a prefix of the checkpoint's tree. A served entry
// that is not the leaf the signed tree holds (an edited bundle, a bundle
// of another branch) is ECONFLICT.
//
// Entries must be read in order, as the service's projector does; the
// range of the last call may be asked for again. Append is refused.
type Follower struct {
	remote *Remote
	origin string

	mu  sync.Mutex
	cp  truce.Checkpoint
	rng *compact.Range
	// last is the range the last Entries call returned, for a retry.
	lastFrom uint64
	last     [][]byte
}

var _ truce.Log = (*Follower)(nil)

var rangeFactory = compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}

// FollowerState is what a Follower needs to resume: the checkpoint it was
// at and the compact range of the leaves it had read.
type FollowerState struct {
	Checkpoint []byte   `json:"checkpoint"`
	Size       uint64   `json:"size"`
	Range      [][]byte `json:"range"`
}

// NewFollower returns a follower of remote, whose origin is origin, at the
// verified checkpoint cp (the zero Checkpoint for none) with the leaves
// the state's range covers already read. Returns EINVALID for a state
// whose range is malformed.
func NewFollower(remote *Remote, origin string, cp truce.Checkpoint, size uint64, hashes [][]byte) (*Follower, error) {
	rng, err := rangeFactory.NewRange(0, size, hashes)
	if err != nil {
		return nil, truce.Errorf(truce.EINVALID, "The mirror's range of %d leaves is malformed: %v.", size, err)
	}
	return &Follower{remote: remote, origin: origin, cp: cp, rng: rng}, nil
}

// State returns the follower's checkpoint, and the size and hashes of its
// compact range, to resume from.
func (f *Follower) State() (truce.Checkpoint, uint64, [][]byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return cloneCheckpoint(f.cp), f.rng.End(), append([][]byte(nil), f.rng.Hashes()...)
}

// Reset moves the follower back to a state that State returned: the
// checkpoint cp and the compact range of the first size leaves. A mirror
// resets its follower to the state it last saved when a round fails, so
// that the next round reads again whatever the failed one read but did
// not apply. Returns EINVALID for a malformed range.
func (f *Follower) Reset(cp truce.Checkpoint, size uint64, hashes [][]byte) error {
	rng, err := rangeFactory.NewRange(0, size, hashes)
	if err != nil {
		return truce.Errorf(truce.EINVALID, "The mirror's range of %d leaves is malformed: %v.", size, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cp, f.rng = cloneCheckpoint(cp), rng
	f.lastFrom, f.last = 0, nil
	return nil
}

// Advance moves the follower to cp, which the caller has verified with
// the log's key, after checking with a proof from the remote tiles that
// cp's tree extends the current one. Returns ECONFLICT if it does not: the
// log forked or rewrote its history.
func (f *Follower) Advance(ctx context.Context, cp truce.Checkpoint) error {
	f.mu.Lock()
	old := f.cp
	f.mu.Unlock()
	if err := CheckExtends(ctx, f.remote, old, cp); err != nil {
		return err
	}
	f.mu.Lock()
	f.cp = cloneCheckpoint(cp)
	f.mu.Unlock()
	return nil
}

// CheckExtends checks that the tree of newer extends the tree of older
// (which may be the zero Checkpoint), with a consistency proof computed
// from the remote tiles. Returns ECONFLICT if it does not.
func CheckExtends(ctx context.Context, remote *Remote, older, newer truce.Checkpoint) error {
	switch {
	case older.Note == nil:
		return nil
	case newer.Size < older.Size:
		return truce.Errorf(truce.ECONFLICT, "The log shows a tree of %d entries, smaller than the %d it showed before: it rolled back, or shows different views to different readers.", newer.Size, older.Size)
	case newer.Size == older.Size && !bytes.Equal(newer.Hash, older.Hash):
		return truce.Errorf(truce.ECONFLICT, "The log signed two different trees of %d entries (roots %x and %x): its history has forked.", newer.Size, older.Hash, newer.Hash)
	case newer.Size == older.Size:
		return nil
	}
	proof, err := remote.ConsistencyProof(ctx, older.Size, newer.Size)
	if err != nil {
		return truce.Errorf(truce.ECONFLICT, "The log cannot prove its tree of %d entries consistent with its tree of %d: %v.", newer.Size, older.Size, err)
	}
	if err := VerifyConsistency(older, newer, proof); err != nil {
		return truce.Errorf(truce.ECONFLICT, "The log's tree of %d entries is not an extension of its tree of %d: its history was rewritten (%s).", newer.Size, older.Size, truce.ErrorMessage(err))
	}
	return nil
}

// Origin implements truce.Log.
func (f *Follower) Origin() string { return f.origin }

// Append implements truce.Log: a mirror takes no entries.
func (f *Follower) Append(context.Context, []byte) (uint64, truce.Checkpoint, error) {
	return 0, truce.Checkpoint{}, truce.Errorf(truce.EFORBIDDEN, "This is a read-only mirror of the log.")
}

// Checkpoint implements truce.Log.
func (f *Follower) Checkpoint(context.Context) (truce.Checkpoint, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return cloneCheckpoint(f.cp), nil
}

// IntegratedSize implements truce.Log: the checkpoint's size.
func (f *Follower) IntegratedSize(context.Context) (uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cp.Size, nil
}

// Entries implements truce.Log: it reads [from, to) from the remote
// bundles and checks them against the checkpoint's tree.
func (f *Follower) Entries(ctx context.Context, from, to uint64) ([][]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if from == f.lastFrom && from+uint64(len(f.last)) == to && f.last != nil {
		return f.last, nil
	}
	if from > to || to > f.cp.Size || from < f.rng.End() {
		return nil, truce.Errorf(truce.EINVALID, "The mirror reads entries in order: [%d, %d) after %d of the checkpoint's %d.", from, to, f.rng.End(), f.cp.Size)
	}
	pinned := Pin(f.remote, f.origin, f.cp)
	start := f.rng.End()
	entries, err := pinned.Entries(ctx, start, to)
	if err != nil {
		return nil, err
	}
	rng := rangeFactory.NewEmptyRange(0)
	if err := rng.AppendRange(f.rng, nil); err != nil {
		return nil, fmt.Errorf("copy range: %w", err)
	}
	for _, e := range entries {
		if err := rng.Append(rfc6962.DefaultHasher.HashLeaf(e), nil); err != nil {
			return nil, fmt.Errorf("hash entries: %w", err)
		}
	}
	if err := f.checkPrefix(ctx, rng); err != nil {
		return nil, err
	}
	f.rng = rng
	f.lastFrom, f.last = from, entries[from-start:]
	return f.last, nil
}

// checkPrefix checks that the tree of the leaves in rng is a prefix of the
// checkpoint's tree. Callers hold f.mu.
func (f *Follower) checkPrefix(ctx context.Context, rng *compact.Range) error {
	root, err := rng.GetRootHash(nil)
	if err != nil {
		return fmt.Errorf("hash entries: %w", err)
	}
	size := rng.End()
	bad := truce.Errorf(truce.ECONFLICT, "The log's entries 0 to %d do not hash to a prefix of its signed tree of %d entries: an entry bundle was altered, or belongs to another history.", size, f.cp.Size)
	if size == f.cp.Size {
		if !bytes.Equal(root, f.cp.Hash) {
			return bad
		}
		return nil
	}
	proof, err := f.remote.ConsistencyProof(ctx, size, f.cp.Size)
	if err != nil {
		return truce.Errorf(truce.ECONFLICT, "The log cannot prove entries 0 to %d a prefix of its tree of %d: %v.", size, f.cp.Size, err)
	}
	if VerifyConsistency(truce.Checkpoint{Size: size, Hash: root}, f.cp, proof) != nil {
		return bad
	}
	return nil
}

// InclusionProof implements truce.Log from the remote tiles.
func (f *Follower) InclusionProof(ctx context.Context, index, size uint64) ([][]byte, error) {
	return f.remote.InclusionProof(ctx, index, size)
}

// ConsistencyProof implements truce.Log from the remote tiles.
func (f *Follower) ConsistencyProof(ctx context.Context, from, to uint64) ([][]byte, error) {
	return f.remote.ConsistencyProof(ctx, from, to)
}

// Dir implements truce.Log: a remote log has no local directory.
func (f *Follower) Dir() string { return "" }

// Close implements truce.Log.
func (f *Follower) Close(context.Context) error { return nil }
