package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/truce-project/truce"
	thttp "github.com/truce-project/truce/http"
	"github.com/truce-project/truce/tlog"
	"golang.org/x/mod/sumdb/note"
)

// verifyState is what verify remembers between runs: the log's key,
// trusted on first use unless given, and the latest checkpoint it checked.
type verifyState struct {
	VerifierKey string `json:"verifier_key"`
	Checkpoint  string `json:"checkpoint"`
}

func (m *Main) runVerify(ctx context.Context, args []string) error {
	fs := m.flagSet("verify", "verify [--server URL] [--key KEYFILE] [--vkey KEY] [--state FILE] [--statement ID] [--audit] [--require-quorum]",
		"Checks the log's latest checkpoint: its signature by the log's key, and that it is\n"+
			"consistent with the last checkpoint this client checked (kept in the state file), with\n"+
			"proofs computed here from the log's tiles, not taken from the server. A log that\n"+
			"rewrote or forked its history fails. With --statement, also checks that the statement\n"+
			"is in the log under that checkpoint and that its envelope hashes to its id. With\n"+
			"--audit, also replays every entry the checkpoint commits to, read from the log's\n"+
			"bundles, into a projection of its own, and checks the server's state roots, verdicts\n"+
			"and incidents against it; a mismatch names the first that differs.\n"+
			"It also says which of the charter's witnesses cosigned the checkpoint, with the\n"+
			"policy read from the charter in the log, and whether the quorum is met; with\n"+
			"--require-quorum a checkpoint without it fails.\n"+
			"The log's key comes from --vkey, else from the state file, else from the server on\n"+
			"first use (with a warning): compare it with the one the deployment published.")
	server := m.serverFlag(fs)
	vkey := fs.String("vkey", "", "the log's verifier key, ORIGIN+HASH+KEY")
	stateFile := fs.String("state", "", "state file (default: in the user's config directory, per log origin)")
	statement := fs.String("statement", "", "a statement id to check the inclusion of")
	audit := fs.Bool("audit", false, "also replay the whole log with this binary's engine and check every state root, verdict and incident")
	requireQuorum := fs.Bool("require-quorum", false, "fail unless the checkpoint carries the cosignatures of the charter's witness quorum")
	key := fs.String("key", "", "a member's key file: read as that member (an audit of incidents needs one)")
	if err := parse(fs, args); err != nil {
		return err
	}
	c, err := thttp.NewClient(*server)
	if err != nil {
		return err
	}
	if *key != "" {
		s, err := truce.ReadSignerFile(*key)
		if err != nil {
			return err
		}
		if err := m.authorize(ctx, c, s); err != nil {
			return err
		}
	}
	raw, err := c.LogFile(ctx, "checkpoint")
	if err != nil {
		return err
	}
	origin, _, _ := strings.Cut(string(raw), "\n")
	if *stateFile == "" {
		if *stateFile, err = defaultStateFile(origin); err != nil {
			return err
		}
	}
	state, err := readVerifyState(*stateFile)
	if err != nil {
		return err
	}
	trusted, err := m.trustedKey(ctx, c, *vkey, state)
	if err != nil {
		return err
	}
	verifier, err := tlog.NewVerifier(trusted)
	if err != nil {
		return err
	}
	cp, err := tlog.VerifyCheckpoint(raw, verifier)
	if err != nil {
		return err
	}
	remote := tlog.NewRemote(c.BaseURL+"/log/", c.HTTP)
	if err := checkAgainstSeen(ctx, remote, verifier, state, cp); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "checkpoint %s size %d verified\n", verifier.Name(), cp.Size)
	if err := m.checkWitnesses(ctx, c, remote, verifier.Name(), cp, *requireQuorum); err != nil {
		return err
	}
	if *statement != "" {
		withheld, err := checkStatement(ctx, c, remote, cp, *statement)
		if err != nil {
			return err
		}
		if withheld {
			fmt.Fprintf(m.Stdout, "statement %s included in the log, as a commitment (only members may read its envelope: pass a member's --key to check it)\n", *statement)
		} else {
			fmt.Fprintf(m.Stdout, "statement %s included in the log\n", *statement)
		}
	}
	if *audit {
		if err := m.audit(ctx, c, remote, verifier.Name(), cp); err != nil {
			return err
		}
	}
	state.VerifierKey, state.Checkpoint = trusted, string(cp.Note)
	return writeVerifyState(*stateFile, state)
}

func defaultStateFile(origin string) (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", truce.Errorf(truce.EINVALID, "No config directory for verify's state (%v); give --state FILE.", err)
	}
	name := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' || r < 0x21 {
			return '_'
		}
		return r
	}, origin)
	return filepath.Join(dir, "truce", "verify", name+".json"), nil
}

func readVerifyState(path string) (*verifyState, error) {
	var s verifyState
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &s, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, truce.Errorf(truce.EINVALID, "State file %s is corrupt: %v.", path, err)
	}
	return &s, nil
}

func writeVerifyState(path string, s *verifyState) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	data, _ := json.MarshalIndent(s, "", "  ")
	return writeFileAtomic(path, append(data, '\n'), 0o600)
}

// trustedKey returns the log's verifier key from --vkey, the state, or, on
// first use, the server, and refuses a --vkey that contradicts the state.
func (m *Main) trustedKey(ctx context.Context, c *thttp.Client, vkey string, state *verifyState) (string, error) {
	switch {
	case vkey != "" && state.VerifierKey != "" && vkey != state.VerifierKey:
		return "", truce.Errorf(truce.ECONFLICT, "--vkey differs from the key this client trusted before (%s); if the log's key really changed, use a new --state file.", state.VerifierKey)
	case vkey != "":
		return vkey, nil
	case state.VerifierKey != "":
		return state.VerifierKey, nil
	}
	data, err := c.LogFile(ctx, "vkey")
	if err != nil {
		return "", err
	}
	key := string(bytes.TrimSpace(data))
	fmt.Fprintf(m.Stderr, "warning: trusting the log key the server gave on first use: %s\n", key)
	return key, nil
}

// checkAgainstSeen checks that cp extends the checkpoint seen before.
func checkAgainstSeen(ctx context.Context, remote *tlog.Remote, v note.Verifier, state *verifyState, cp truce.Checkpoint) error {
	if state.Checkpoint == "" {
		return nil
	}
	old, err := tlog.VerifyCheckpoint([]byte(state.Checkpoint), v)
	if err != nil {
		return fmt.Errorf("the checkpoint in the state file: %w", err)
	}
	switch {
	case cp.Size < old.Size:
		return truce.Errorf(truce.ECONFLICT, "The log shows a tree of %d entries, smaller than the %d this client saw before: it has rolled back, or shows different views to different readers.", cp.Size, old.Size)
	case cp.Size == old.Size && !bytes.Equal(cp.Hash, old.Hash):
		return truce.Errorf(truce.ECONFLICT, "The log shows two different trees of %d entries: its history has forked.", cp.Size)
	case cp.Size == old.Size:
		return nil
	}
	proof, err := remote.ConsistencyProof(ctx, old.Size, cp.Size)
	if err != nil {
		return fmt.Errorf("consistency proof %d to %d: %w", old.Size, cp.Size, err)
	}
	if err := tlog.VerifyConsistency(old, cp, proof); err != nil {
		return truce.Errorf(truce.ECONFLICT, "The log's tree of %d entries is not an extension of the tree of %d this client saw before: its history was rewritten (%s).", cp.Size, old.Size, truce.ErrorMessage(err))
	}
	return nil
}

// checkStatement checks that the statement's envelope hashes to id and
// that its leaf, the envelope or the commitment to it, is the entry at its
// index under cp. A reader that may not read the statement (a sealed one,
// without a member's token) checks the commitment alone, found in the
// statement's receipt; withheld then says so.
func checkStatement(ctx context.Context, c *thttp.Client, remote *tlog.Remote, cp truce.Checkpoint, id string) (withheld bool, err error) {
	var index uint64
	var leaf []byte
	st, err := c.Statement(ctx, id)
	switch {
	case truce.ErrorCode(err) == truce.ENOTFOUND:
		r, rerr := c.Receipt(ctx, id)
		if rerr != nil {
			return false, err
		}
		if _, cid, ok := truce.ParseCommitment(r.Leaf); !ok || cid != id {
			return false, err
		}
		index, leaf, withheld = r.Index, r.Leaf, true
	case err != nil:
		return false, err
	default:
		if leaf, err = statementLeaf(st, id); err != nil {
			return false, err
		}
		index, withheld = st.Index, st.Withheld
	}
	if index >= cp.Size {
		return false, truce.Errorf(truce.EUNAVAILABLE, "Statement %s (index %d) is not yet under the latest checkpoint (size %d); try again in a second.", id, index, cp.Size)
	}
	proof, err := remote.InclusionProof(ctx, index, cp.Size)
	if err != nil {
		return false, fmt.Errorf("inclusion proof of %d in %d: %w", index, cp.Size, err)
	}
	if err := tlog.VerifyInclusion(leaf, index, cp, proof); err != nil {
		return false, truce.Errorf(truce.ECONFLICT, "Statement %s is not in the log at index %d: %s", id, index, truce.ErrorMessage(err))
	}
	return withheld, nil
}

// statementLeaf returns the log leaf of the statement the server shows,
// made here from its envelope, which must hash to id: the envelope, or for
// a sealed statement the commitment to id and the envelope's kind.
func statementLeaf(st *thttp.StatementView, id string) ([]byte, error) {
	if st.Withheld && st.Sealed {
		return truce.Commitment(st.Kind, id), nil
	}
	if got := truce.StatementID(st.Envelope); got != id {
		return nil, truce.Errorf(truce.ECONFLICT, "The server's envelope for %s hashes to %s.", id, got)
	}
	if !st.Sealed {
		return st.Envelope, nil
	}
	parsed, err := truce.ParseStatement(st.Envelope)
	if err != nil {
		return nil, truce.Errorf(truce.ECONFLICT, "The server's envelope for %s is not a statement: %s", id, truce.ErrorMessage(err))
	}
	return truce.Commitment(parsed.Payload.Kind, id), nil
}
