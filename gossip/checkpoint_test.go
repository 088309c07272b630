package gossip_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/gossip"
)

func TestParseCheckpoint(t *testing.T) {
	l := newTestLog(t, origin, 1)
	witness, _ := newKey(t, "witness.example/w1", 2)
	good := text(l.honest, 7)
	hash := strings.Split(good, "\n")[2]
	for _, tc := range []struct {
		name string
		raw  []byte
		ok   bool
	}{
		{"signed by the log", signText(t, good, l.signer), true},
		{"cosigned by a witness", signText(t, good, l.signer, witness), true},
		{"signed by another key only", signText(t, good, witness), true}, // Verify refuses it
		{"with an extension line", signText(t, good+"extension\n", l.signer), true},
		{"empty", nil, false},
		{"not a note", []byte("hello"), false},
		{"unsigned", []byte(good), false},
		{"no signature lines", []byte(good + "\n"), false},
		{"a bad signature line", []byte(good + "\n— " + origin + " !!!\n"), false},
		{"no newline after the signature", bytes.TrimSuffix(signText(t, good, l.signer), []byte("\n")), false},
		{"invalid UTF-8", []byte(origin + "\n7\n" + hash + "\n\xff\n\n— " + origin + " AAAAAAAAAA==\n"), false},
		{"a control character", signText(t, origin+"\x01\n7\n"+hash+"\n", l.signer), false},
		{"too few lines", signText(t, origin+"\n7\n", l.signer), false},
		{"an empty origin", signText(t, "\n7\n"+hash+"\n", l.signer), false},
		{"a size that is not a number", signText(t, origin+"\nseven\n"+hash+"\n", l.signer), false},
		{"a negative size", signText(t, origin+"\n-7\n"+hash+"\n", l.signer), false},
		{"a root hash that is not base64", signText(t, origin+"\n7\n"+hash[:10]+"*\n", l.signer), false},
		{"a root hash of 31 bytes", signText(t, origin+"\n7\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n", l.signer), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, cp, err := gossip.ParseCheckpoint(tc.raw)
			if !tc.ok {
				checkCode(t, err, truce.EINVALID)
				return
			}
			checkCode(t, err, "")
			if o != origin || cp.Size != 7 || !bytes.Equal(cp.Hash, l.honest.HashAt(7)) || !bytes.Equal(cp.Note, tc.raw) {
				t.Errorf("ParseCheckpoint = %q, %+v; want %s at 7 with root %x", o, cp, origin, l.honest.HashAt(7))
			}
		})
	}
}

func TestVerify(t *testing.T) {
	l := newTestLog(t, origin, 1)
	witness, _ := newKey(t, "witness.example/w1", 2)
	impostor, _ := newKey(t, origin, 3) // another key with the log's name
	other, _ := newKey(t, "truce.example/other", 4)
	good := text(l.honest, 7)
	tampered := signText(t, good, l.signer)
	tampered = bytes.Replace(tampered, []byte("\n7\n"), []byte("\n8\n"), 1)
	for _, tc := range []struct {
		name string
		raw  []byte
		code string
	}{
		{"signed by the log", signText(t, good, l.signer), ""},
		{"cosigned by a witness", signText(t, good, witness, l.signer), ""},
		{"unsigned", []byte(good), truce.EINVALID},
		{"signed by a witness only", signText(t, good, witness), truce.EUNAUTHORIZED},
		{"signed by another key of the log's name", signText(t, good, impostor), truce.EUNAUTHORIZED},
		{"altered after signing", tampered, truce.EUNAUTHORIZED},
		{"of another log", signText(t, strings.Replace(good, origin, "truce.example/other", 1), other), truce.ENOTFOUND},
		{"of another log, with this log's signature", signText(t, strings.Replace(good, origin, "truce.example/other", 1), l.signer), truce.ENOTFOUND},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cp, err := gossip.Verify(tc.raw, l.verifier)
			checkCode(t, err, tc.code)
			if err == nil && (cp.Size != 7 || !bytes.Equal(cp.Hash, l.honest.HashAt(7))) {
				t.Errorf("Verify = %+v, want the tree of 7", cp)
			}
		})
	}
}

func TestCompare(t *testing.T) {
	l := newTestLog(t, origin, 1)
	honest := func(size uint64) truce.Checkpoint { return l.checkpoint(t, l.honest, size) }
	forked := func(size uint64) truce.Checkpoint { return l.checkpoint(t, l.fork, size) }
	unavailable := func(context.Context, uint64, uint64) ([][]byte, error) { return nil, errors.New("no tiles yet") }
	for _, tc := range []struct {
		name         string
		ours, theirs truce.Checkpoint
		prove        gossip.Prover // nil: the honest tree's
		noProver     bool
		code         string
		proofs       int // how many proofs Compare asks for
	}{
		{name: "no checkpoint of its own", theirs: forked(8), code: ""},
		{name: "the same checkpoint", ours: honest(8), theirs: honest(8), code: ""},
		{name: "same size, other root: a fork", ours: honest(8), theirs: forked(8), code: truce.ECONFLICT},
		{name: "same size, other root, without a prover", ours: honest(8), theirs: forked(8), noProver: true, code: truce.ECONFLICT},
		{name: "same size before the fork", ours: honest(forkAt), theirs: forked(forkAt), code: ""},
		{name: "peer ahead, consistent", ours: honest(6), theirs: honest(11), code: "", proofs: 1},
		{name: "peer behind, consistent", ours: honest(11), theirs: honest(6), code: "", proofs: 1},
		{name: "peer ahead on another branch", ours: honest(6), theirs: forked(11), code: truce.ECONFLICT, proofs: 1},
		{name: "peer behind on another branch", ours: honest(11), theirs: forked(6), code: truce.ECONFLICT, proofs: 1},
		{name: "peer behind, before the fork", ours: honest(11), theirs: forked(3), code: "", proofs: 1},
		{name: "peer at the empty tree", ours: honest(11), theirs: honest(0), code: ""},
		{name: "other sizes without a prover", ours: honest(6), theirs: forked(11), noProver: true, code: ""},
		{name: "no proof yet", ours: honest(6), theirs: honest(11), prove: unavailable, code: truce.EUNAVAILABLE},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			prove := tc.prove
			switch {
			case tc.noProver:
			case prove == nil:
				prove = prover(l.honest, treeSize, &calls)
			default:
				prove = func(ctx context.Context, from, to uint64) ([][]byte, error) {
					calls++
					return tc.prove(ctx, from, to)
				}
				tc.proofs = 1
			}
			err := gossip.Compare(t.Context(), tc.ours, tc.theirs, prove)
			checkCode(t, err, tc.code)
			if tc.code == truce.ECONFLICT && !strings.HasPrefix(truce.ErrorMessage(err), "Split view") {
				t.Errorf("conflict %q does not say split view", truce.ErrorMessage(err))
			}
			if calls != tc.proofs {
				t.Errorf("Compare asked for %d proofs, want %d", calls, tc.proofs)
			}
		})
	}
}

// TestCompareProofOrder checks that Compare asks for the proof from the
// smaller tree to the larger, whichever is the peer's.
func TestCompareProofOrder(t *testing.T) {
	l := newTestLog(t, origin, 1)
	var asked [][2]uint64
	prove := func(_ context.Context, from, to uint64) ([][]byte, error) {
		asked = append(asked, [2]uint64{from, to})
		return l.honest.ConsistencyProof(from, to)
	}
	small, large := l.checkpoint(t, l.honest, 3), l.checkpoint(t, l.honest, 9)
	for _, pair := range [][2]truce.Checkpoint{{small, large}, {large, small}} {
		if err := gossip.Compare(t.Context(), pair[0], pair[1], prove); err != nil {
			t.Fatal(err)
		}
	}
	if len(asked) != 2 || asked[0] != [2]uint64{3, 9} || asked[1] != [2]uint64{3, 9} {
		t.Errorf("proofs asked for %v, want [3 9] twice", asked)
	}
}

var _ gossip.View = (*view)(nil)
