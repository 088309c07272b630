package gossip_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/merkle/testonly"
	"github.com/truce-project/truce"
	"github.com/truce-project/truce/gossip"
	"golang.org/x/mod/sumdb/note"
)

const origin = "truce.example/gossip-test"

// testLog is a log's key and two histories of it: the honest tree, and a
// fork that shares its first forkAt entries and then differs.
type testLog struct {
	signer   note.Signer
	verifier note.Verifier
	honest   *testonly.Tree
	fork     *testonly.Tree
}

const (
	treeSize = 16
	forkAt   = 5
)

// newTestLog makes a log whose key comes from seed, so runs repeat.
func newTestLog(t testing.TB, name string, seed byte) *testLog {
	t.Helper()
	s, v := newKey(t, name, seed)
	l := &testLog{signer: s, verifier: v, honest: testonly.New(rfc6962.DefaultHasher), fork: testonly.New(rfc6962.DefaultHasher)}
	for i := range treeSize {
		l.honest.AppendData(fmt.Appendf(nil, "entry %d", i))
		if i < forkAt {
			l.fork.AppendData(fmt.Appendf(nil, "entry %d", i))
		} else {
			l.fork.AppendData(fmt.Appendf(nil, "forked entry %d", i))
		}
	}
	return l
}

// newKey returns a signed-note key named name, made from seed.
func newKey(t testing.TB, name string, seed byte) (note.Signer, note.Verifier) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.NewChaCha8([32]byte{seed}), name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

// text returns the checkpoint text of tree at size.
func text(tree *testonly.Tree, size uint64) string {
	return fmt.Sprintf("%s\n%d\n%s\n", origin, size, base64.StdEncoding.EncodeToString(tree.HashAt(size)))
}

// signed returns the checkpoint of tree at size, signed by signers.
func signed(t testing.TB, tree *testonly.Tree, size uint64, signers ...note.Signer) []byte {
	t.Helper()
	return signText(t, text(tree, size), signers...)
}

func signText(t testing.TB, text string, signers ...note.Signer) []byte {
	t.Helper()
	raw, err := note.Sign(&note.Note{Text: text}, signers...)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// checkpoint returns tree's checkpoint at size, signed by the log.
func (l *testLog) checkpoint(t testing.TB, tree *testonly.Tree, size uint64) truce.Checkpoint {
	t.Helper()
	cp, err := gossip.Verify(signed(t, tree, size, l.signer), l.verifier)
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

// prover returns proofs from tree as a node that reads its first upTo
// entries does, counting the calls.
func prover(tree *testonly.Tree, upTo uint64, calls *int) gossip.Prover {
	return func(_ context.Context, from, to uint64) ([][]byte, error) {
		*calls++
		if to > upTo {
			return nil, fmt.Errorf("no tiles for a tree of %d entries", to)
		}
		return tree.ConsistencyProof(from, to)
	}
}

// view is a gossip.View made of the package's own checks, as a mirror's
// is: it holds one checkpoint of the log and a prover from its tree.
type view struct {
	log      *testLog
	latest   truce.Checkpoint
	prove    gossip.Prover
	observed int   // the calls to Observe
	err      error // if set, what Latest and Observe fail with
}

func (v *view) Latest(context.Context) ([][]byte, error) {
	if v.err != nil {
		return nil, v.err
	}
	if v.latest.Note == nil {
		return [][]byte{}, nil
	}
	return [][]byte{v.latest.Note}, nil
}

func (v *view) Observe(ctx context.Context, raw []byte) error {
	v.observed++
	if v.err != nil {
		return v.err
	}
	theirs, err := gossip.Verify(raw, v.log.verifier)
	if err != nil {
		return err
	}
	err = gossip.Compare(ctx, v.latest, theirs, v.prove)
	if truce.ErrorCode(err) == truce.EUNAVAILABLE {
		return nil // not evidence: the view cannot tell yet
	}
	return err
}

// checkCode fails the test unless err has the code want (none for "") and
// a message for people.
func checkCode(t testing.TB, err error, want string) {
	t.Helper()
	if got := truce.ErrorCode(err); got != want {
		t.Fatalf("error %v (code %q), want code %q", err, got, want)
	}
	if err != nil && !readable(truce.ErrorMessage(err)) {
		t.Errorf("error message %q does not read as a sentence", truce.ErrorMessage(err))
	}
}

// readable reports whether s reads as a sentence for people rather than
// an internal error or a Go value.
func readable(s string) bool {
	return len(s) > 10 && s != "Internal error." && !strings.Contains(s, "%!") && strings.ToUpper(s[:1]) == s[:1]
}
