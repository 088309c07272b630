package gossip

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/truce-project/truce"
	"golang.org/x/mod/sumdb/note"
)

// ParseCheckpoint decodes a gossiped checkpoint without checking who
// signed it: a [signed note] with at least one signature line, whose text
// is a [checkpoint] (the log's origin, the tree size in decimal, the root
// hash of 32 bytes in standard base64, then optional extension lines). It
// returns the origin and the checkpoint, whose Note is a copy of raw.
//
// Returns EINVALID for anything else. A checkpoint that parses is still
// only a claim until [Verify] checks the log's signature on it.
//
// [signed note]: https://c2sp.org/signed-note
// [checkpoint]: https://c2sp.org/tlog-checkpoint
func ParseCheckpoint(raw []byte) (string, truce.Checkpoint, error) {
	_, err := note.Open(raw, note.VerifierList())
	var unverified *note.UnverifiedNoteError
	if !errors.As(err, &unverified) {
		// With no known keys, a well-formed note is always unverified.
		return "", truce.Checkpoint{}, truce.Errorf(truce.EINVALID, "A gossiped checkpoint is a signed note: text, a blank line, and signature lines; this is not one.")
	}
	var c log.Checkpoint
	if _, err := c.Unmarshal([]byte(unverified.Note.Text)); err != nil {
		return "", truce.Checkpoint{}, truce.Errorf(truce.EINVALID, "The gossiped note is not a checkpoint: %v.", err)
	}
	if len(c.Hash) != sha256.Size {
		return "", truce.Checkpoint{}, truce.Errorf(truce.EINVALID, "The gossiped checkpoint's root hash is %d bytes, not %d.", len(c.Hash), sha256.Size)
	}
	return c.Origin, truce.Checkpoint{Size: c.Size, Hash: c.Hash, Note: bytes.Clone(raw)}, nil
}

// Verify decodes a gossiped checkpoint with [ParseCheckpoint] and checks
// that the log whose key v is signed it. Signatures by other keys, such as
// witnesses' cosignatures, are allowed and ignored.
//
// Returns EINVALID if raw is malformed, ENOTFOUND if it is a checkpoint of
// another log than v's, and EUNAUTHORIZED if v did not sign it or its
// signature does not verify.
func Verify(raw []byte, v note.Verifier) (truce.Checkpoint, error) {
	origin, cp, err := ParseCheckpoint(raw)
	if err != nil {
		return truce.Checkpoint{}, err
	}
	if origin != v.Name() {
		return truce.Checkpoint{}, truce.Errorf(truce.ENOTFOUND, "This node follows the log %s, not %s.", v.Name(), origin)
	}
	if _, err := note.Open(raw, note.VerifierList(v)); err != nil {
		return truce.Checkpoint{}, truce.Errorf(truce.EUNAUTHORIZED, "No signature on the gossiped checkpoint verifies with the key of the log %s.", origin)
	}
	return cp, nil
}

// Prover returns a consistency proof from the tree of size from to the
// tree of size to of a log, as a node's own view of the log gives it.
type Prover func(ctx context.Context, from, to uint64) ([][]byte, error)

// Compare checks theirs, a checkpoint a peer saw, against ours, the one
// the node holds (the zero Checkpoint for none); the caller has verified
// both with the log's key. Of the same size, they must have the same root
// hash. Of different sizes, prove gives a consistency proof from the
// smaller tree to the larger, which must check; a node without a view of
// the log's tree passes nil, and cannot tell.
//
// Returns ECONFLICT if the two cannot both be true: the log forked, or
// shows different trees to different readers. Returns EUNAVAILABLE if
// prove fails (say, the peer is ahead of the tree the node can read):
// that is not evidence, and the node may try again later. Returns nil if
// the two are consistent, or the node cannot tell.
func Compare(ctx context.Context, ours, theirs truce.Checkpoint, prove Prover) error {
	if ours.Hash == nil {
		return nil
	}
	older, newer := ours, theirs
	if theirs.Size < ours.Size {
		older, newer = theirs, ours
	}
	switch {
	case older.Size == newer.Size && !bytes.Equal(older.Hash, newer.Hash):
		return truce.Errorf(truce.ECONFLICT, "Split view: the log signed two trees of %d entries, with root %x for this node and root %x for a gossip peer: its history has forked.",
			ours.Size, ours.Hash, theirs.Hash)
	case older.Size == newer.Size, older.Size == 0, prove == nil:
		return nil
	}
	p, err := prove(ctx, older.Size, newer.Size)
	if err != nil {
		return truce.Errorf(truce.EUNAVAILABLE, "Cannot check a gossiped tree of %d entries against this node's %d yet: no consistency proof: %v.", theirs.Size, ours.Size, err)
	}
	if proof.VerifyConsistency(rfc6962.DefaultHasher, older.Size, newer.Size, p, older.Hash, newer.Hash) != nil {
		return truce.Errorf(truce.ECONFLICT, "Split view: the log signed a tree of %d entries (root %x) for this node and a tree of %d entries (root %x) that a gossip peer saw, and they are not consistent: the log shows different histories to different readers.",
			ours.Size, ours.Hash, theirs.Size, theirs.Hash)
	}
	return nil
}
