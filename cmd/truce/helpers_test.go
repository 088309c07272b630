package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/truce-project/truce"
	"golang.org/x/mod/sumdb/note"
)

// These helpers check the system from the outside: checkpoints and proofs
// with golang.org/x/mod/sumdb/note and github.com/transparency-dev/merkle,
// not with Truce's own tlog package.

// t0 is the clock of the end-to-end tests: every statement claims it, and
// the daemon's clock is fixed to it.
var t0 = time.Date(2025, 3, 18, 12, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return t0 }

// testDeployment is a deployment made by "truce init" in a temporary
// directory.
type testDeployment struct {
	Dir         string
	Origin      string
	VerifierKey string
}

// initDeployment runs "truce init" through Main.
func initDeployment(t testing.TB) *testDeployment {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "dep")
	var stdout, stderr bytes.Buffer
	m := &Main{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Now: fixedNow, Getenv: func(string) string { return "" }}
	if err := m.Run(context.Background(), []string{"init", "--dir", dir}); err != nil {
		t.Fatalf("truce init: %v\n%s", err, stderr.String())
	}
	var cfg struct {
		Origin      string `json:"origin"`
		VerifierKey string `json:"verifier_key"`
	}
	data, err := os.ReadFile(filepath.Join(dir, "truce.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), cfg.VerifierKey) {
		t.Errorf("init's output does not show the log key %s:\n%s", cfg.VerifierKey, stdout.String())
	}
	return &testDeployment{Dir: dir, Origin: cfg.Origin, VerifierKey: cfg.VerifierKey}
}

// signer reads a member's key file written by init.
func (d *testDeployment) signer(t testing.TB, member string) *truce.Signer {
	t.Helper()
	s, err := truce.ReadSignerFile(filepath.Join(d.Dir, "keys", member+".key"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// openDaemon starts a daemon on a free loopback port with its clock fixed
// at t0, and closes it when the test ends.
func openDaemon(t testing.TB, dir string) *Daemon {
	t.Helper()
	d := &Daemon{Dir: dir, Addr: "127.0.0.1:0", Now: fixedNow}
	if err := d.Open(context.Background()); err != nil {
		t.Fatalf("open daemon: %v", err)
	}
	t.Cleanup(func() { d.Close() }) // Close may be called twice
	return d
}

// keyGen makes ed25519 keys from a seeded stream, so runs are repeatable.
type keyGen struct{ r *rand.ChaCha8 }

func newKeyGen(seed uint64) *keyGen {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	return &keyGen{rand.NewChaCha8(s)}
}

func (g *keyGen) signer(t testing.TB, member, origin string) *truce.Signer {
	t.Helper()
	s, err := truce.GenerateSigner(member, g.r)
	if err != nil {
		t.Fatal(err)
	}
	s.Log = origin
	return s
}

// sign signs body as a statement of kind by s at time at, then by the
// cosigners in order.
func sign(t testing.TB, s *truce.Signer, kind truce.Kind, at time.Time, body any, cosigners ...*truce.Signer) *truce.Statement {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatalf("sign %s: %v", kind, err)
	}
	p := truce.Payload{Kind: kind, Log: s.Log, Signer: s.Member, Time: at.UTC(), Body: b}
	st, err := truce.SignPayload(s, p, cosigners...)
	if err != nil {
		t.Fatalf("sign %s: %v", kind, err)
	}
	return st
}

// addKey returns a key.add statement by s, claiming time at, that
// registers k's key: signed by s, then by k, which proves possession.
func addKey(t testing.TB, s, k *truce.Signer, at time.Time) *truce.Statement {
	t.Helper()
	return sign(t, s, truce.KindKeyAdd, at, truce.KeyAdd{Key: truce.NewPublicKey(k.Public())}, k)
}

// keyAdd returns a key.add statement by s registering a fresh key, and
// that key.
func keyAdd(t testing.TB, g *keyGen, s *truce.Signer) (*truce.Statement, *truce.Signer) {
	t.Helper()
	k := g.signer(t, s.Member, s.Log)
	return addKey(t, s, k, t0), k
}

// rawEnvelope signs an arbitrary payload with s's key, bypassing every
// check that truce.Sign makes, for the bad-input tests.
func rawEnvelope(s *truce.Signer, payload []byte) []byte {
	sig := ed25519.Sign(s.Key, truce.PAE(truce.PayloadType, payload))
	env := map[string]any{
		"payloadType": truce.PayloadType,
		"payload":     base64.StdEncoding.EncodeToString(payload),
		"signatures":  []map[string]string{{"keyid": s.ID(), "sig": base64.StdEncoding.EncodeToString(sig)}},
	}
	b, _ := json.Marshal(env)
	return b
}

// client is a plain HTTP client for one server.
type client struct {
	t    testing.TB
	base string
	http *http.Client
	// token, if set, is the bearer token of every request.
	token string
}

func newClient(t testing.TB, base string) *client {
	return &client{t: t, base: base, http: &http.Client{Timeout: 30 * time.Second}}
}

// as returns a client for the same server that reads as the member whose
// key file is keyFile.
func (c *client) as(keyFile string) *client {
	c.t.Helper()
	s, err := truce.ReadSignerFile(keyFile)
	if err != nil {
		c.t.Fatal(err)
	}
	tok, err := truce.NewToken(s, s.Log, fixedNow(), time.Hour) // the servers of these tests run on fixedNow
	if err != nil {
		c.t.Fatal(err)
	}
	return &client{t: c.t, base: c.base, http: c.http, token: tok}
}

// do sends a request and returns the response with its body read.
func (c *client) do(method, path string, body []byte) (*http.Response, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp, data
}

// get returns the body of a GET that must answer 200.
func (c *client) get(path string) []byte {
	c.t.Helper()
	resp, data := c.do(http.MethodGet, path, nil)
	if resp.StatusCode != http.StatusOK {
		c.t.Fatalf("GET %s: %s: %s", path, resp.Status, data)
	}
	return data
}

// getJSON decodes the body of a GET that must answer 200 with JSON.
func (c *client) getJSON(path string, v any) {
	c.t.Helper()
	data := c.get(path)
	if err := json.Unmarshal(data, v); err != nil {
		c.t.Fatalf("GET %s: %v\n%s", path, err, data)
	}
}

// receipt is a receipt as the API shows it.
type receipt struct {
	ID             string   `json:"id"`
	Index          uint64   `json:"index"`
	Kind           string   `json:"kind"`
	Status         string   `json:"status"`
	Reason         string   `json:"reason"`
	Checkpoint     string   `json:"checkpoint"`
	TreeSize       uint64   `json:"tree_size"`
	InclusionProof [][]byte `json:"inclusion_proof"`
}

// submit posts an envelope and returns the status and receipt, failing
// the test unless the answer is 200 or 201.
func (c *client) submit(envelope []byte) (int, receipt) {
	c.t.Helper()
	resp, data := c.do(http.MethodPost, "/v1/statements", envelope)
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		c.t.Fatalf("submit: %s: %s", resp.Status, data)
	}
	var r receipt
	if err := json.Unmarshal(data, &r); err != nil {
		c.t.Fatalf("submit: %v\n%s", err, data)
	}
	if loc := resp.Header.Get("Location"); loc != "/v1/statements/"+r.ID {
		c.t.Errorf("submit: Location %q, want /v1/statements/%s", loc, r.ID)
	}
	return resp.StatusCode, r
}

// problem is an RFC 9457 problem document.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

// checkProblem checks that resp is a problem document with status and a
// detail that contains want, and returns it.
func checkProblem(t testing.TB, resp *http.Response, data []byte, status int, want string) problem {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("status %s, want %d; body %s", resp.Status, status, data)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q, want application/problem+json", ct)
	}
	var p problem
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatalf("not a problem document: %v\n%s", err, data)
	}
	if p.Status != resp.StatusCode || p.Type == "" || p.Title == "" {
		t.Errorf("problem %+v does not match status %d or lacks type and title", p, resp.StatusCode)
	}
	if !readable(p.Detail) || !strings.Contains(p.Detail, want) {
		t.Errorf("problem detail %q: want a readable sentence containing %q", p.Detail, want)
	}
	return p
}

// readable reports whether a problem detail reads as a sentence for
// people rather than an internal error or a Go value.
func readable(s string) bool {
	return len(s) > 10 && s != "Internal error." && !strings.Contains(s, "truce error:") &&
		!strings.Contains(s, "%!") && strings.ToUpper(s[:1]) == s[:1]
}

// checkpoint is a verified checkpoint.
type checkpoint struct {
	Origin string
	Size   uint64
	Hash   []byte
}

// verifyCheckpoint opens a signed checkpoint with the log's verifier key
// and parses its body (C2SP tlog-checkpoint).
func verifyCheckpoint(t testing.TB, vkey, signed string) checkpoint {
	t.Helper()
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatalf("verifier key %q: %v", vkey, err)
	}
	n, err := note.Open([]byte(signed), note.VerifierList(v))
	if err != nil {
		t.Fatalf("checkpoint does not verify with %s: %v\n%s", vkey, err, signed)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 {
		t.Fatalf("checkpoint body has %d lines:\n%s", len(lines), n.Text)
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil {
		t.Fatalf("checkpoint size %q: %v", lines[1], err)
	}
	hash, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(hash) != 32 {
		t.Fatalf("checkpoint hash %q: %v", lines[2], err)
	}
	if lines[0] != v.Name() {
		t.Fatalf("checkpoint origin %q, want %q", lines[0], v.Name())
	}
	return checkpoint{Origin: lines[0], Size: size, Hash: hash}
}

// verifyReceipt checks a receipt against the log's key and the envelope:
// the checkpoint is signed by the log, the id is the envelope's hash and
// the inclusion proof leads from the envelope to the checkpoint's root.
func verifyReceipt(t testing.TB, vkey string, r receipt, envelope []byte) checkpoint {
	t.Helper()
	cp := verifyCheckpoint(t, vkey, r.Checkpoint)
	if cp.Size != r.TreeSize || r.Index >= cp.Size {
		t.Fatalf("receipt index %d, tree_size %d, checkpoint size %d", r.Index, r.TreeSize, cp.Size)
	}
	if id := truce.StatementID(envelope); r.ID != id {
		t.Fatalf("receipt id %s, want the envelope's hash %s", r.ID, id)
	}
	leaf := rfc6962.DefaultHasher.HashLeaf(envelope)
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, r.Index, cp.Size, leaf, r.InclusionProof, cp.Hash); err != nil {
		t.Fatalf("inclusion proof of %s at %d in %d: %v", r.ID, r.Index, cp.Size, err)
	}
	return cp
}

// charter returns the charter the log begins with, and its statement id.
func (c *client) charter() (*truce.Charter, string) {
	c.t.Helper()
	var l statementList
	c.getJSON("/v1/statements?from=0&limit=1", &l)
	if len(l.Statements) != 1 {
		c.t.Fatalf("the log has no first statement")
	}
	st, err := truce.ParseStatement(l.Statements[0].Envelope)
	if err != nil {
		c.t.Fatalf("the log's first statement: %v", err)
	}
	ch, ok := st.Body.(*truce.Charter)
	if !ok {
		c.t.Fatalf("the log's first statement is a %s, not a charter", st.Payload.Kind)
	}
	return ch, st.ID
}

// member returns a member as GET /v1/members shows it.
func (c *client) member(id string) memberView {
	c.t.Helper()
	var v struct {
		Members []memberView `json:"members"`
	}
	c.getJSON("/v1/members", &v)
	for _, m := range v.Members {
		if m.ID == id {
			return m
		}
	}
	c.t.Fatalf("no member %q in %+v", id, v.Members)
	return memberView{}
}

// memberView is a member as GET /v1/members shows it.
type memberView struct {
	ID      string    `json:"id"`
	Role    string    `json:"role"`
	Removed bool      `json:"removed"`
	Keys    []keyView `json:"keys"`
}

type keyView struct {
	ID        string  `json:"id"`
	Member    string  `json:"member"`
	AddedAt   uint64  `json:"added_at"`
	RevokedAt *uint64 `json:"revoked_at"`
}

// logSize returns the size of the server's latest checkpoint, verified.
func (c *client) logSize(vkey string) uint64 {
	c.t.Helper()
	return verifyCheckpoint(c.t, vkey, string(c.get("/log/checkpoint"))).Size
}

// statementView is a statement as GET /v1/statements shows it.
type statementView struct {
	Index    uint64          `json:"index"`
	ID       string          `json:"id"`
	Kind     string          `json:"kind"`
	Signer   string          `json:"signer"`
	Status   string          `json:"status"`
	Reason   string          `json:"reason"`
	Envelope json.RawMessage `json:"envelope"`
}

type statementList struct {
	Statements []statementView `json:"statements"`
	Next       uint64          `json:"next"`
}

// allStatements pages through GET /v1/statements with the given page size
// and returns every statement and the raw pages.
func (c *client) allStatements(limit int) ([]statementView, [][]byte) {
	c.t.Helper()
	var all []statementView
	var pages [][]byte
	for from := uint64(0); ; {
		data := c.get(fmt.Sprintf("/v1/statements?from=%d&limit=%d", from, limit))
		var l statementList
		if err := json.Unmarshal(data, &l); err != nil {
			c.t.Fatalf("statements: %v\n%s", err, data)
		}
		pages = append(pages, data)
		if len(l.Statements) == 0 {
			return all, pages
		}
		for i, s := range l.Statements {
			if s.Index != from+uint64(i) {
				c.t.Fatalf("page from %d: statement %d has index %d", from, i, s.Index)
			}
		}
		all = append(all, l.Statements...)
		if l.Next != from+uint64(len(l.Statements)) {
			c.t.Fatalf("page from %d with %d statements: next %d", from, len(l.Statements), l.Next)
		}
		from = l.Next
	}
}
