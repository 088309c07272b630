package tlog

import (
	"bytes"
	"crypto/sha256"
	"errors"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/truce-project/truce"
	"golang.org/x/mod/sumdb/note"
)

// VerifyCheckpoint checks that noteBytes is a checkpoint signed by v and
// returns its size and root hash, with Note set to a copy of noteBytes. The
// checkpoint's origin must be v's name. Signatures by other keys, such as
// witness cosignatures, are allowed and ignored.
//
// Returns EUNAUTHORIZED if v has not signed the note or the signature does
// not verify, and EINVALID if the note or the checkpoint in it is malformed.
func VerifyCheckpoint(noteBytes []byte, v note.Verifier) (truce.Checkpoint, error) {
	n, err := note.Open(noteBytes, note.VerifierList(v))
	if err != nil {
		return truce.Checkpoint{}, openError(err, v)
	}
	var c log.Checkpoint
	if _, err := c.Unmarshal([]byte(n.Text)); err != nil {
		return truce.Checkpoint{}, truce.Errorf(truce.EINVALID, "The checkpoint is malformed: %v.", err)
	}
	if c.Origin != v.Name() {
		return truce.Checkpoint{}, truce.Errorf(truce.EINVALID, "The checkpoint is for origin %q, not %q.", c.Origin, v.Name())
	}
	if len(c.Hash) != sha256.Size {
		return truce.Checkpoint{}, truce.Errorf(truce.EINVALID, "The checkpoint's root hash is %d bytes, not %d.", len(c.Hash), sha256.Size)
	}
	return truce.Checkpoint{Size: c.Size, Hash: c.Hash, Note: bytes.Clone(noteBytes)}, nil
}

// openError turns an error from note.Open into a coded one: a missing or bad
// signature is a failure to authenticate, anything else a malformed note.
func openError(err error, v note.Verifier) error {
	var unverified *note.UnverifiedNoteError
	var invalid *note.InvalidSignatureError
	switch {
	case errors.As(err, &unverified):
		return truce.Errorf(truce.EUNAUTHORIZED, "The checkpoint is not signed by the log key %s+%08x.", v.Name(), v.KeyHash())
	case errors.As(err, &invalid):
		return truce.Errorf(truce.EUNAUTHORIZED, "The checkpoint's signature by %s+%08x does not verify.", v.Name(), v.KeyHash())
	default:
		return truce.Errorf(truce.EINVALID, "The checkpoint is not a well-formed signed note: %v.", err)
	}
}

// VerifyInclusion checks that proofHashes, as returned by Log.InclusionProof,
// shows that leaf is the entry at index in the tree of checkpoint cp, which
// the caller has verified with [VerifyCheckpoint]. The leaf hash is RFC 6962
// SHA-256(0x00 || leaf).
//
// Returns EINVALID if index is not below cp.Size, and EUNAUTHORIZED if the
// proof does not check: the entry is not there, or whoever supplied the
// proof or the checkpoint is not telling the truth.
func VerifyInclusion(leaf []byte, index uint64, cp truce.Checkpoint, proofHashes [][]byte) error {
	if index >= cp.Size {
		return truce.Errorf(truce.EINVALID, "Index %d is not in a tree of %d entries.", index, cp.Size)
	}
	h := rfc6962.DefaultHasher
	if err := proof.VerifyInclusion(h, index, cp.Size, h.HashLeaf(leaf), proofHashes, cp.Hash); err != nil {
		return truce.Errorf(truce.EUNAUTHORIZED, "The inclusion proof of entry %d in the tree of %d entries does not check: %v.", index, cp.Size, err)
	}
	return nil
}

// VerifyConsistency checks that proofHashes, as returned by Log.ConsistencyProof,
// shows that the tree of checkpoint older is a prefix of the tree of
// checkpoint newer, both verified by the caller with [VerifyCheckpoint].
//
// Returns EINVALID if older is larger than newer, and EUNAUTHORIZED if the
// proof does not check: the log has rewritten its history, or shows
// different trees to different readers.
func VerifyConsistency(older, newer truce.Checkpoint, proofHashes [][]byte) error {
	if older.Size > newer.Size {
		return truce.Errorf(truce.EINVALID, "The old checkpoint (%d entries) is larger than the new one (%d entries).", older.Size, newer.Size)
	}
	err := proof.VerifyConsistency(rfc6962.DefaultHasher, older.Size, newer.Size, proofHashes, older.Hash, newer.Hash)
	if err != nil {
		return truce.Errorf(truce.EUNAUTHORIZED, "The consistency proof from %d to %d entries does not check: %v.", older.Size, newer.Size, err)
	}
	return nil
}
