package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"filippo.io/torchwood"
	"github.com/truce-project/truce"
	"github.com/truce-project/truce/witness"
)

// testWitness is one of a deployment's witnesses, run in the test process
// on loopback with its state in a temporary directory.
type testWitness struct {
	name, member string
	w            *witness.Witness
	srv          *witnessServer
}

// startTestWitnesses runs every witness whose key init wrote into dir.
func startTestWitnesses(t testing.TB, dir string) []*testWitness {
	t.Helper()
	dep, err := loadDeployment(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []*testWitness
	for _, member := range []string{"party-a", "party-b", "mediator"} {
		signer, _, err := witness.ReadKeyFile(dep.path(witnessKeyFile(member)))
		if err != nil {
			t.Fatal(err)
		}
		w, err := witness.Open(witness.Config{Signer: signer, Logs: []string{dep.VerifierKey}, Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		srv, err := serveWitness(w, "127.0.0.1:0", slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		tw := &testWitness{name: signer.Name(), member: member, w: w, srv: srv}
		t.Cleanup(tw.stop)
		out = append(out, tw)
	}
	return out
}

// stop takes the witness down: its port refuses connections.
func (tw *testWitness) stop() {
	if tw.srv != nil {
		tw.srv.close()
		tw.w.Close()
		tw.srv = nil
	}
}

func witnessURLs(ws []*testWitness) map[string]string {
	urls := map[string]string{}
	for _, w := range ws {
		urls[w.name] = w.srv.url
	}
	return urls
}

// initWitnessed runs "truce init" with the given witness quorum.
func initWitnessed(t testing.TB, quorum int) *testDeployment {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "dep")
	var stdout, stderr bytes.Buffer
	m := &Main{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Now: fixedNow, Getenv: func(string) string { return "" }}
	if err := m.Run(context.Background(), []string{"init", "--dir", dir, "--witness-quorum", strconv.Itoa(quorum)}); err != nil {
		t.Fatalf("truce init: %v\n%s", err, stderr.String())
	}
	dep, err := loadDeployment(dir)
	if err != nil {
		t.Fatal(err)
	}
	return &testDeployment{Dir: dir, Origin: dep.Origin, VerifierKey: dep.VerifierKey}
}

// openWitnessedDaemon starts a daemon that asks the witnesses at urls.
func openWitnessedDaemon(t testing.TB, dir string, urls map[string]string) *Daemon {
	t.Helper()
	d := &Daemon{Dir: dir, Addr: "127.0.0.1:0", Now: fixedNow, WitnessURLs: urls}
	if err := d.Open(context.Background()); err != nil {
		t.Fatalf("open daemon: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// witnessedReceipt submits st and returns its receipt's checkpoint and
// witnessing.
func witnessedReceipt(t *testing.T, c *client, st *truce.Statement) truce.Receipt {
	t.Helper()
	resp, data := c.do("POST", "/v1/statements", st.Raw)
	if resp.StatusCode != 201 {
		t.Fatalf("submit: %s: %s", resp.Status, data)
	}
	var r truce.Receipt
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	if r.Witnessing == nil {
		t.Fatalf("the receipt says nothing about witnesses: %s", data)
	}
	return r
}

// charterPolicy returns the charter's witness policy in torchwood's format.
func charterPolicy(t *testing.T, c *client) (*truce.WitnessView, torchwood.Policy) {
	t.Helper()
	var v truce.WitnessView
	c.getJSON("/v1/witnesses", &v)
	if v.Policy == nil || v.PolicyText == "" {
		t.Fatalf("GET /v1/witnesses shows no policy: %+v", v)
	}
	p, err := torchwood.ParsePolicy([]byte(v.PolicyText))
	if err != nil {
		t.Fatalf("torchwood.ParsePolicy: %v\n%s", err, v.PolicyText)
	}
	return &v, p
}

// TestWitnesses runs a deployment whose charter names three witnesses with
// a quorum of two: every checkpoint is cosigned while they run; with one
// down, publication goes on with the quorum; with two down, it still goes
// on, and the receipt, GET /v1/witnesses, "truce verify" and torchwood all
// say the quorum is not met.
func TestWitnesses(t *testing.T) {
	t.Parallel()
	dep := initWitnessed(t, 2)
	ws := startTestWitnesses(t, dep.Dir)
	d := openWitnessedDaemon(t, dep.Dir, witnessURLs(ws))
	c := newClient(t, d.URL())
	g := newKeyGen(6)
	monitor := dep.signer(t, "monitor")
	view, policy := charterPolicy(t, c)
	if view.Policy.Quorum != 2 || len(view.Policy.Witnesses) != 3 {
		t.Fatalf("policy = %+v, want 2 of 3", view.Policy)
	}

	st, _ := keyAdd(t, g, monitor)
	r := witnessedReceipt(t, c, st)
	if !r.Witnessing.QuorumMet || len(r.Witnessing.Cosigned) < 2 {
		t.Errorf("all witnesses up: %+v, want the quorum met", r.Witnessing)
	}
	if _, _, err := torchwood.VerifyCheckpoint([]byte(r.Checkpoint), policy); err != nil {
		t.Errorf("torchwood refuses the cosigned checkpoint: %v\n%s", err, r.Checkpoint)
	}
	out, _, err := runCLI(t, d, "verify", "--state", filepath.Join(t.TempDir(), "v.json"), "--vkey", dep.VerifierKey, "--require-quorum")
	if err != nil || !strings.Contains(out, "quorum met") {
		t.Errorf("verify with the quorum: %v\n%s", err, out)
	}

	ws[2].stop()
	st, _ = keyAdd(t, g, monitor)
	r = witnessedReceipt(t, c, st)
	if !r.Witnessing.QuorumMet || slices.Contains(r.Witnessing.Cosigned, ws[2].name) {
		t.Errorf("one witness down: %+v, want the other two", r.Witnessing)
	}

	ws[1].stop()
	st, _ = keyAdd(t, g, monitor)
	r = witnessedReceipt(t, c, st)
	if r.Witnessing.QuorumMet || !slices.Equal(r.Witnessing.Cosigned, []string{ws[0].name}) {
		t.Errorf("two witnesses down: %+v, want only %s and no quorum", r.Witnessing, ws[0].name)
	}
	if _, _, err := torchwood.VerifyCheckpoint([]byte(r.Checkpoint), policy); err == nil {
		t.Errorf("torchwood accepts a checkpoint cosigned by one of three witnesses against a quorum of two")
	}
	var now truce.WitnessView
	c.getJSON("/v1/witnesses", &now)
	if now.Witnessing.QuorumMet || now.Checkpoint != r.Checkpoint {
		t.Errorf("GET /v1/witnesses: %+v, want the latest checkpoint without the quorum", now.Witnessing)
	}
	state := filepath.Join(t.TempDir(), "v.json")
	out, _, err = runCLI(t, d, "verify", "--state", state, "--vkey", dep.VerifierKey)
	if err != nil || !strings.Contains(out, "QUORUM NOT MET") || !strings.Contains(out, "1 of 3") {
		t.Errorf("verify without the quorum: %v\n%s", err, out)
	}
	_, _, err = runCLI(t, d, "verify", "--state", state, "--require-quorum")
	if truce.ErrorCode(err) != truce.EUNAUTHORIZED || !strings.Contains(err.Error(), "the charter requires 2") {
		t.Errorf("verify --require-quorum without the quorum: %v", err)
	}
}

// TestWitnessesRefuseFork forks a deployment's log: a copy of its
// directory, taken before the last statement, is served with other
// statements, so that the log signs two different trees of the same size
// and then a larger tree that drops the original's last entry. Every
// witness cosigned the first branch, so every witness refuses the second,
// whose checkpoints go out without cosignatures; "truce verify" that saw
// the first branch reports the fork.
func TestWitnessesRefuseFork(t *testing.T) {
	t.Parallel()
	dep := initWitnessed(t, 3)
	ws := startTestWitnesses(t, dep.Dir)
	urls := witnessURLs(ws)
	g := newKeyGen(7)
	monitor := dep.signer(t, "monitor")

	d := openWitnessedDaemon(t, dep.Dir, urls)
	witnessedReceipt(t, newClient(t, d.URL()), func() *truce.Statement { st, _ := keyAdd(t, g, monitor); return st }())
	d.Close()
	fork := filepath.Join(t.TempDir(), "fork")
	copyDir(t, dep.Dir, fork)

	d = openWitnessedDaemon(t, dep.Dir, urls)
	st, _ := keyAdd(t, g, monitor)
	r := witnessedReceipt(t, newClient(t, d.URL()), st)
	if len(r.Witnessing.Cosigned) != 3 {
		t.Fatalf("the honest branch: %+v, want all three witnesses", r.Witnessing)
	}
	state := filepath.Join(t.TempDir(), "v.json")
	if _, _, err := runCLI(t, d, "verify", "--state", state, "--vkey", dep.VerifierKey); err != nil {
		t.Fatal(err)
	}
	mirrorDir := t.TempDir()
	if err := openMirror(t, d.URL(), mirrorDir, dep.VerifierKey).Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	d.Close()

	f := openWitnessedDaemon(t, fork, urls)
	cf := newClient(t, f.URL())
	st, _ = keyAdd(t, g, monitor)
	same := witnessedReceipt(t, cf, st)
	if same.TreeSize != r.TreeSize || len(same.Witnessing.Cosigned) != 0 || same.Witnessing.QuorumMet {
		t.Errorf("a second tree of %d entries (fork of %d): %+v, want no cosignature", same.TreeSize, r.TreeSize, same.Witnessing)
	}
	st, _ = keyAdd(t, g, monitor)
	longer := witnessedReceipt(t, cf, st)
	if longer.TreeSize != r.TreeSize+1 || len(longer.Witnessing.Cosigned) != 0 {
		t.Errorf("a larger tree without the honest entry: %+v, want no cosignature", longer.Witnessing)
	}
	for _, w := range ws {
		conflicts, err := w.w.Conflicts()
		if err != nil || len(conflicts) < 2 {
			t.Errorf("witness %s recorded %d conflicts (%v), want both forked checkpoints", w.member, len(conflicts), err)
		}
	}
	_, _, err := runCLI(t, f, "verify", "--state", state)
	if truce.ErrorCode(err) != truce.ECONFLICT || !strings.Contains(err.Error(), "history was rewritten") {
		t.Errorf("verify after the fork: %v, want the rewritten history reported", err)
	}

	// A mirror that followed the honest branch, pointed at the fork.
	err = openMirror(t, f.URL(), mirrorDir, dep.VerifierKey).Sync(t.Context())
	if truce.ErrorCode(err) != truce.ECONFLICT || !strings.Contains(err.Error(), "history was rewritten") {
		t.Errorf("mirror after the fork: %v, want the rewritten history reported", err)
	}
	// A new mirror that only ever saw the fork finds the split view by
	// gossip with the witnesses, which saw the honest branch.
	var peers []string
	for _, w := range ws {
		peers = append(peers, w.srv.url)
	}
	err = openMirror(t, f.URL(), t.TempDir(), dep.VerifierKey, peers...).Sync(t.Context())
	if truce.ErrorCode(err) != truce.ECONFLICT || !strings.Contains(err.Error(), "Split view") {
		t.Errorf("a mirror of the fork, gossiping with the witnesses: %v, want the split view reported", err)
	}
}

// copyDir copies a directory tree; the daemon using it must be closed.
func copyDir(t testing.TB, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if e.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, info.Mode().Perm())
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
}
