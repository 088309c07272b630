package gossip_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/gossip"
)

// gossipSeeds returns bodies a peer might post: checkpoints signed well
// and badly, and things that are not checkpoints.
func gossipSeeds(t testing.TB, l *testLog) [][]byte {
	witness, _ := newKey(t, "witness.example/w1", 2)
	good := text(l.honest, 8)
	return [][]byte{
		signed(t, l.honest, 8, l.signer),
		signed(t, l.honest, 12, l.signer, witness),
		signed(t, l.fork, 8, l.signer),
		signed(t, l.honest, 8, witness),
		signText(t, good+"extension\n", l.signer),
		signText(t, strings.Replace(good, origin, "truce.example/other", 1), l.signer),
		[]byte(good),
		[]byte(good + "\n"),
		[]byte(good + "\n— " + origin + " AAAAAAAAAA==\n"),
		[]byte("hello"),
		{},
		{0xff, '\n', '\n'},
	}
}

// FuzzParseCheckpoint checks that whatever a peer posts, ParseCheckpoint
// does not panic, each error it returns is ours (EINVALID, with a message
// for people), and what it accepts is a checkpoint that Verify either
// accepts or refuses with a code of its own.
func FuzzParseCheckpoint(f *testing.F) {
	l := newTestLog(f, origin, 1)
	for _, s := range gossipSeeds(f, l) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		o, cp, err := gossip.ParseCheckpoint(raw)
		if err != nil {
			checkCode(t, err, truce.EINVALID)
			if _, verr := gossip.Verify(raw, l.verifier); truce.ErrorCode(verr) != truce.EINVALID {
				t.Fatalf("Verify of a body ParseCheckpoint refuses: %v, want EINVALID", verr)
			}
			return
		}
		if o == "" || o != gossip.Origin(raw) || len(cp.Hash) != 32 || !bytes.Equal(cp.Note, raw) {
			t.Fatalf("ParseCheckpoint(%q) = %q, %+v", raw, o, cp)
		}
		vcp, err := gossip.Verify(raw, l.verifier)
		switch truce.ErrorCode(err) {
		case "":
			if vcp.Size != cp.Size || !bytes.Equal(vcp.Hash, cp.Hash) {
				t.Fatalf("Verify = %+v, ParseCheckpoint = %+v", vcp, cp)
			}
		case truce.ENOTFOUND, truce.EUNAUTHORIZED:
			checkCode(t, err, truce.ErrorCode(err))
		default:
			t.Fatalf("Verify of a checkpoint that parses: %v", err)
		}
	})
}

// FuzzHandler checks that POST /gossip answers any body with the node's
// list or a problem document of the protocol's statuses, never a 500.
func FuzzHandler(f *testing.F) {
	l := newTestLog(f, origin, 1)
	for _, s := range gossipSeeds(f, l) {
		f.Add(s)
	}
	ours := l.checkpoint(f, l.honest, 8)
	f.Fuzz(func(t *testing.T, body []byte) {
		v := &view{log: l, latest: ours, prove: prover(l.honest, treeSize, new(int))}
		resp, data := serve(t, gossip.Handler(v, nil), http.MethodPost, body)
		switch resp.StatusCode {
		case http.StatusOK:
			checkList(t, resp, data, ours.Note)
		case http.StatusBadRequest, http.StatusUnauthorized, http.StatusNotFound, http.StatusConflict:
			var p problem
			if err := json.Unmarshal(data, &p); err != nil || p.Status != resp.StatusCode || !readable(p.Detail) {
				t.Fatalf("answer %s: %s", resp.Status, data)
			}
		default:
			t.Fatalf("answer %s to %q: %s", resp.Status, body, data)
		}
	})
}
