package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/truce-project/truce"
	thttp "github.com/truce-project/truce/http"
)

// fakeLedger answers from a map of statements. Methods of truce.Ledger it
// does not define panic, so a route that calls one fails loudly.
type fakeLedger struct {
	truce.Ledger

	mu      sync.Mutex
	records map[string]truce.Record // by id
	order   []string
	// fail, if set, is returned by Submit for envelopes that contain it.
	fail map[string]error
}

func newFakeLedger() *fakeLedger {
	return &fakeLedger{records: map[string]truce.Record{}, fail: map[string]error{}}
}

// Submit logs any envelope that is not a failure key, by its bytes.
func (l *fakeLedger) Submit(_ context.Context, envelope []byte) (*truce.Receipt, bool, error) {
	for k, err := range l.fail {
		if bytes.Contains(envelope, []byte(k)) {
			return nil, false, err
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	id := truce.StatementID(envelope)
	if r, ok := l.records[id]; ok {
		return &truce.Receipt{ID: id, Index: r.Index}, false, nil
	}
	r := truce.Record{ID: id, Index: uint64(len(l.order)), Envelope: bytes.Clone(envelope), Status: truce.StatusAccepted}
	l.records[id] = r
	l.order = append(l.order, id)
	return &truce.Receipt{ID: id, Index: r.Index}, true, nil
}

func (l *fakeLedger) Statement(_ context.Context, id string) (*truce.Record, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.records[id]
	if !ok {
		return nil, truce.Errorf(truce.ENOTFOUND, "Statement %q not found.", id)
	}
	return &r, nil
}

func (l *fakeLedger) Statements(_ context.Context, from uint64, limit int) ([]truce.Record, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := []truce.Record{}
	for i := from; i < uint64(len(l.order)) && len(out) < limit; i++ {
		out = append(out, l.records[l.order[i]])
	}
	return out, nil
}

func (l *fakeLedger) Members(context.Context) ([]truce.MemberView, error) {
	return nil, errors.New("database is on fire")
}

// logWriter collects log output safely.
type logWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *logWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

type fixture struct {
	ledger *fakeLedger
	logs   *logWriter
	srv    *httptest.Server
	dir    string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"checkpoint":            "example.org/log\n3\nAAAA\n",
		"tile/0/000":            "full tile",
		"tile/0/000.p/3":        "partial tile",
		"tile/entries/000.p/3":  "partial bundle",
		".state/treeState":      `{"size":3,"x":"PRIVATE"}`,
		"tile/.hidden":          "PRIVATE",
		"tile/entries/000/.tmp": "PRIVATE",
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f := &fixture{ledger: newFakeLedger(), logs: &logWriter{}, dir: dir}
	s := &thttp.Server{Ledger: f.ledger, LogDir: dir, VerifierKey: "example.org/log+01234567+AAAA",
		Logger: slog.New(slog.NewTextHandler(f.logs, nil))}
	f.srv = httptest.NewServer(s.Handler())
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) do(t *testing.T, method, path string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, data
}

// checkProblem checks that the answer is a problem document with status
// whose detail contains detail.
func checkProblem(t *testing.T, resp *http.Response, data []byte, status int, detail string) thttp.Problem {
	t.Helper()
	if resp.StatusCode != status || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("%d %q, want %d application/problem+json; body %s", resp.StatusCode, resp.Header.Get("Content-Type"), status, data)
	}
	var p thttp.Problem
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatalf("not a problem document: %v\n%s", err, data)
	}
	if p.Status != status || p.Title != http.StatusText(status) || !strings.HasPrefix(p.Type, "/problems/") || !strings.Contains(p.Detail, detail) {
		t.Errorf("problem %+v, want status %d and a detail containing %q", p, status, detail)
	}
	return p
}

func TestErrorStatus(t *testing.T) {
	for code, status := range map[string]int{
		truce.EINVALID: 400, truce.EUNAUTHORIZED: 401, truce.EFORBIDDEN: 403, truce.ENOTFOUND: 404,
		truce.ECONFLICT: 409, truce.ETOOLARGE: 413, truce.EUNAVAILABLE: 503, truce.ENOTIMPLEMENTED: 501,
		truce.EINTERNAL: 500, "no-such-code": 500, "": 500,
	} {
		if got := thttp.ErrorStatus(code); got != status {
			t.Errorf("ErrorStatus(%q) = %d, want %d", code, got, status)
		}
	}
}

func TestSubmitErrors(t *testing.T) {
	f := newFixture(t)
	f.ledger.fail["conflict"] = truce.Errorf(truce.ECONFLICT, "Key is already registered.")
	f.ledger.fail["busy"] = truce.Errorf(truce.EUNAVAILABLE, "The log is busy; retry shortly.")
	f.ledger.fail["secret"] = fmt.Errorf("open /var/secret/db: %w", errors.New("permission denied"))

	resp, data := f.do(t, "POST", "/v1/statements", []byte(`{"conflict":1}`))
	checkProblem(t, resp, data, 409, "already registered")

	resp, data = f.do(t, "POST", "/v1/statements", []byte(`{"busy":1}`))
	checkProblem(t, resp, data, 503, "busy")
	if resp.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}

	// An uncoded error is internal: the client sees no detail of it, the
	// operator's log has all of it.
	resp, data = f.do(t, "POST", "/v1/statements", []byte(`{"secret":1}`))
	p := checkProblem(t, resp, data, 500, "Internal error.")
	if strings.Contains(string(data), "secret") || p.Type != "/problems/internal" {
		t.Errorf("internal error leaks or is mistyped: %s", data)
	}
	if !strings.Contains(f.logs.String(), "permission denied") {
		t.Errorf("internal error not logged; log:\n%s", f.logs.String())
	}

	// Over the entry size, the ledger is not even asked.
	resp, data = f.do(t, "POST", "/v1/statements", bytes.Repeat([]byte("x"), truce.MaxEntrySize+1))
	checkProblem(t, resp, data, 413, fmt.Sprint(truce.MaxEntrySize))
	if len(f.ledger.order) != 0 {
		t.Errorf("the ledger logged %d entries", len(f.ledger.order))
	}

	resp, data = f.do(t, "GET", "/v1/members", nil)
	checkProblem(t, resp, data, 500, "Internal error.")
}

func TestSubmitAndRead(t *testing.T) {
	f := newFixture(t)
	env := []byte(`{"payloadType":"x"}`)
	for i, want := range []int{201, 200} {
		resp, data := f.do(t, "POST", "/v1/statements", env)
		var r truce.Receipt
		if err := json.Unmarshal(data, &r); err != nil || resp.StatusCode != want {
			t.Fatalf("submission %d: %d %s, want %d", i, resp.StatusCode, data, want)
		}
		if loc := resp.Header.Get("Location"); loc != "/v1/statements/"+truce.StatementID(env) {
			t.Errorf("Location %q", loc)
		}
	}
	for i := range 4 {
		f.do(t, "POST", "/v1/statements", fmt.Appendf(nil, `{"n":%d}`, i))
	}

	resp, data := f.do(t, "GET", "/v1/statements/"+truce.StatementID(env), nil)
	var v thttp.StatementView
	if err := json.Unmarshal(data, &v); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET statement: %d %s", resp.StatusCode, data)
	}
	if !bytes.Equal(v.Envelope, env) || !bytes.Contains(data, []byte(`"envelope":{"payloadType":"x"}`)) {
		t.Errorf("envelope not shown as logged: %s", data)
	}

	var all []string
	for from := uint64(0); ; {
		resp, data := f.do(t, "GET", fmt.Sprintf("/v1/statements?from=%d&limit=2", from), nil)
		var l thttp.StatementList
		if err := json.Unmarshal(data, &l); err != nil || resp.StatusCode != 200 {
			t.Fatalf("list: %d %s", resp.StatusCode, data)
		}
		if len(l.Statements) == 0 {
			if l.Next != from {
				t.Errorf("empty page from %d: next %d", from, l.Next)
			}
			break
		}
		for _, s := range l.Statements {
			all = append(all, s.ID)
		}
		from = l.Next
	}
	if len(all) != 5 || all[0] != truce.StatementID(env) {
		t.Errorf("paged list %v", all)
	}

	for _, q := range []string{"from=-1", "from=x", "limit=1001", "limit=-5", "from=4611686018427387905"} {
		resp, data := f.do(t, "GET", "/v1/statements?"+q, nil)
		checkProblem(t, resp, data, 400, "Query parameter")
	}
	resp, data = f.do(t, "GET", "/v1/statements/nope", nil)
	checkProblem(t, resp, data, 404, `Statement "nope" not found.`)
}

func TestBatch(t *testing.T) {
	f := newFixture(t)
	f.ledger.fail["bad"] = truce.Errorf(truce.EUNAUTHORIZED, "Signature does not verify.")
	var lines []string
	want := map[int]int{} // line -> status
	for i := 1; i <= 300; i++ {
		switch {
		case i%7 == 0:
			lines = append(lines, "")
		case i%5 == 0:
			lines = append(lines, fmt.Sprintf(`{"bad":%d}`, i))
			want[i] = 401
		case i%11 == 0:
			lines = append(lines, `{"dup":true}`+strings.Repeat(" ", i%3)) // trailing blanks are trimmed
			want[i] = 200
		default:
			lines = append(lines, fmt.Sprintf(`{"n":%d}`, i))
			want[i] = 201
		}
	}
	resp, data := f.do(t, "POST", "/v1/statements/batch", []byte(strings.Join(lines, "\r\n")))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/jsonl" {
		t.Fatalf("batch: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	prev, n, dupCreated := 0, 0, 0
	for dec.More() {
		var r thttp.BatchResult
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		n++
		if r.Line <= prev {
			t.Fatalf("result for line %d after line %d", r.Line, prev)
		}
		prev = r.Line
		w, ok := want[r.Line]
		if !ok {
			t.Fatalf("result for blank line %d", r.Line)
		}
		if w == 200 && r.Status == 201 { // the first of the duplicates to arrive
			dupCreated++
			continue
		}
		if r.Status != w || (w < 400) != (r.Receipt != nil) || (w >= 400) != (r.Problem != nil) {
			t.Errorf("line %d: %+v, want status %d", r.Line, r, w)
		}
	}
	if n != len(want) || dupCreated != 1 {
		t.Errorf("%d results for %d lines, %d duplicates created; want %d and 1", n, len(want), dupCreated, len(want))
	}
}

func TestRoutesAndLogFiles(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		path, cache, body string
	}{
		{"/log/checkpoint", "no-cache", "example.org/log\n3\nAAAA\n"},
		{"/log/tile/0/000", "public, max-age=31536000, immutable", "full tile"},
		{"/log/tile/0/000.p/3", "public, max-age=60", "partial tile"},
		{"/log/tile/entries/000.p/3", "public, max-age=60", "partial bundle"},
		{"/log/vkey", "", "example.org/log+01234567+AAAA\n"},
	} {
		resp, data := f.do(t, "GET", tc.path, nil)
		if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != tc.cache || string(data) != tc.body {
			t.Errorf("GET %s: %d Cache-Control %q body %q", tc.path, resp.StatusCode, resp.Header.Get("Cache-Control"), data)
		}
	}
	for _, p := range []string{
		"/log/.state/treeState", "/log/%2Estate/treeState", "/log/tile/.hidden", "/log/tile/entries/000/.tmp",
		"/log/", "/log/tile", "/log/tile/0/", "/log/missing", "/", "/v1/nope", "/v1/statements/",
	} {
		resp, data := f.do(t, "GET", p, nil)
		checkProblem(t, resp, data, 404, "")
		if bytes.Contains(data, []byte("PRIVATE")) {
			t.Errorf("GET %s leaks a private file: %s", p, data)
		}
	}
	resp, data := f.do(t, "DELETE", "/v1/statements", nil)
	checkProblem(t, resp, data, 405, "DELETE")
	if allow := resp.Header.Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "POST") {
		t.Errorf("Allow %q", allow)
	}
	resp, data = f.do(t, "GET", "/healthz", nil)
	if resp.StatusCode != 200 || !bytes.Contains(data, []byte(`"ok"`)) {
		t.Errorf("healthz: %d %s", resp.StatusCode, data)
	}
}

func TestClientErrors(t *testing.T) {
	f := newFixture(t)
	f.ledger.fail["forbidden"] = truce.Errorf(truce.EFORBIDDEN, "Only the mediator may do this.")
	c, err := thttp.NewClient(f.srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, created, err := c.Submit(ctx, []byte(`{"a":1}`)); err != nil || !created {
		t.Fatalf("Submit: %v %v", created, err)
	}
	if _, created, err := c.Submit(ctx, []byte(`{"a":1}`)); err != nil || created {
		t.Fatalf("Submit again: %v %v", created, err)
	}
	_, _, err = c.Submit(ctx, []byte(`{"forbidden":1}`))
	if truce.ErrorCode(err) != truce.EFORBIDDEN || truce.ErrorMessage(err) != "Only the mediator may do this." {
		t.Errorf("Submit forbidden: %v", err)
	}
	_, err = c.Statement(ctx, "nope")
	if truce.ErrorCode(err) != truce.ENOTFOUND {
		t.Errorf("Statement: %v", err)
	}
	if _, err := c.LogFile(ctx, ".state/treeState"); truce.ErrorCode(err) != truce.ENOTFOUND {
		t.Errorf("LogFile .state: %v", err)
	}
	if data, err := c.LogFile(ctx, "checkpoint"); err != nil || !strings.HasPrefix(string(data), "example.org/log\n") {
		t.Errorf("LogFile checkpoint: %q %v", data, err)
	}
	if _, err := thttp.NewClient("ftp://example.org"); truce.ErrorCode(err) != truce.EINVALID {
		t.Errorf("NewClient ftp: %v", err)
	}

	// A server that does not speak problem documents, e.g. a proxy.
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "upstream timed out", http.StatusGatewayTimeout)
	}))
	defer plain.Close()
	pc, _ := thttp.NewClient(plain.URL)
	_, _, err = pc.Submit(ctx, []byte(`{}`))
	if err == nil || !strings.Contains(truce.ErrorMessage(err), "504") {
		t.Errorf("Submit to a plain-text 504: %v (message %q)", err, truce.ErrorMessage(err))
	}
}
