package http_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/truce-project/truce"
	thttp "github.com/truce-project/truce/http"
)

// fakeFeed hands out subscriptions that return events without end, each
// of size bytes, and records what it was asked and when each closed.
type fakeFeed struct {
	size   int
	mu     sync.Mutex
	after  *truce.EventID
	filter truce.FeedFilter
	closed chan struct{}
}

func (f *fakeFeed) Subscribe(ctx context.Context, filter truce.FeedFilter, after *truce.EventID) (truce.Subscription, error) {
	if err := filter.Check(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.after, f.filter = after, filter
	f.mu.Unlock()
	return &fakeSub{f: f}, nil
}

type fakeSub struct {
	f *fakeFeed
	n uint64
}

func (s *fakeSub) Next(ctx context.Context, n int) ([]truce.Event, error) {
	if s.f.size == 0 && s.n > 0 {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	data := []byte(`"` + strings.Repeat("x", max(s.f.size-2, 0)) + `"`)
	out := make([]truce.Event, n)
	for i := range out {
		s.n++
		out[i] = truce.Event{ID: truce.EventID{Index: s.n}, Type: truce.EventStatement, Data: data}
	}
	if s.f.size == 0 {
		out = out[:1]
	}
	return out, nil
}

func (s *fakeSub) Close() { close(s.f.closed) }

func TestFeedStream(t *testing.T) {
	feed := &fakeFeed{closed: make(chan struct{})}
	srv := httptest.NewServer((&thttp.Server{Ledger: newFakeLedger(), Feed: feed}).Handler())
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/v1/feed?kind=report,incident&kind=site.declare&party=ru&bbox=30,44,40,52", nil)
	req.Header.Set("Last-Event-ID", "41.2")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("%s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	r := bufio.NewReader(resp.Body)
	var lines []string
	for len(lines) < 7 {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, strings.TrimSuffix(line, "\n"))
	}
	want := []string{": truce feed", "retry: 2000", "", "id: 1", "event: statement", `data: ""`, ""}
	if fmt.Sprint(lines) != fmt.Sprint(want) {
		t.Errorf("stream:\n%q\nwant\n%q", lines, want)
	}
	resp.Body.Close()
	select {
	case <-feed.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the subscription was not closed after the client left")
	}
	feed.mu.Lock()
	defer feed.mu.Unlock()
	if feed.after == nil || *feed.after != (truce.EventID{Index: 41, Seq: 2}) ||
		fmt.Sprint(feed.filter.Kinds) != "[report incident site.declare]" || feed.filter.Party != "ru" || feed.filter.BBox[3] != 52 {
		t.Errorf("subscribed after %v with %+v", feed.after, feed.filter)
	}
}

// An SSE client that never reads is dropped once a write has waited the
// write timeout, and its subscription released: it holds the kernel's
// socket buffers and nothing that grows.
func TestFeedClientThatNeverReads(t *testing.T) {
	feed := &fakeFeed{size: 64 << 10, closed: make(chan struct{})}
	srv := httptest.NewServer((&thttp.Server{Ledger: newFakeLedger(), Feed: feed, FeedWriteTimeout: 200 * time.Millisecond}).Handler())
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /v1/feed HTTP/1.1\r\nHost: x\r\n\r\n")
	select {
	case <-feed.closed:
	case <-time.After(20 * time.Second):
		t.Fatal("a client that never reads was not dropped")
	}
}

func TestFeedBadRequests(t *testing.T) {
	f := newFixture(t)
	for _, q := range []string{"?kind=bogus", "?bbox=1,2,3", "?bbox=10,0,5,1", "?last_event_id=-1", "?last_event_id=1.0", "?last_event_id=1.2.3"} {
		resp, body := f.do(t, "GET", "/v1/feed"+q, nil)
		if resp.StatusCode != 400 && resp.StatusCode != 501 {
			t.Errorf("%s: %s %s", q, resp.Status, body)
		}
	}
	srv := httptest.NewServer((&thttp.Server{Ledger: newFakeLedger(), Feed: &fakeFeed{}}).Handler())
	defer srv.Close()
	for _, q := range []string{"?kind=bogus", "?bbox=1,2,3", "?bbox=10,0,5,1", "?last_event_id=-1", "?last_event_id=1.0", "?last_event_id=1.2.3"} {
		resp, err := http.Get(srv.URL + "/v1/feed" + q)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %s", q, resp.Status)
		}
	}
	// Webhooks: the public is refused before its body is read.
	resp, body := f.do(t, "POST", "/v1/webhooks", []byte(`{"url":"ftp://x"}`))
	if resp.StatusCode != 501 {
		t.Errorf("webhooks without a store: %s %s", resp.Status, body)
	}
}

// stepFeed is a feed of one subscription whose Next returns the batches
// the test sends, and for a nil batch the keep-alive timeout.
type stepFeed struct{ steps chan []truce.Event }

func (f *stepFeed) Subscribe(context.Context, truce.FeedFilter, *truce.EventID) (truce.Subscription, error) {
	return f, nil
}

func (f *stepFeed) Next(ctx context.Context, _ int) ([]truce.Event, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case batch := <-f.steps:
		if batch == nil {
			return nil, context.DeadlineExceeded
		}
		return batch, nil
	}
}

func (f *stepFeed) Close() {}

// authLedger answers Authenticate from a table that the test changes, and
// counts the calls.
type authLedger struct {
	*fakeLedger
	mu      sync.Mutex
	readers map[string]truce.Reader
	errs    map[string]error
	calls   int
}

func (l *authLedger) Authenticate(_ context.Context, token string) (truce.Reader, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	if err := l.errs[token]; err != nil {
		return truce.Public, err
	}
	r, ok := l.readers[token]
	if !ok {
		return truce.Public, truce.Errorf(truce.EUNAUTHORIZED, "Unknown token.")
	}
	return r, nil
}

// set makes token prove r, or fail with err.
func (l *authLedger) set(token string, r truce.Reader, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.readers[token], l.errs[token] = r, err
}

// sse is one server-sent event as a client parses it.
type sse struct{ id, typ, data string }

// readSSE parses the stream into events, skipping comments, and closes
// the channel when the stream ends.
func readSSE(body io.Reader) <-chan sse {
	out := make(chan sse, 16)
	go func() {
		defer close(out)
		r := bufio.NewReader(body)
		var e sse
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimSuffix(line, "\n")
			switch {
			case line == "":
				if e.typ != "" {
					out <- e
				}
				e = sse{}
			case strings.HasPrefix(line, "id: "):
				e.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				e.typ = line[7:]
			case strings.HasPrefix(line, "data: "):
				e.data = line[6:]
			}
		}
	}()
	return out
}

// next returns the next event of events, or false once the stream has
// ended, failing the test if nothing comes within ten seconds (a deadline
// for a broken test, not a synchronisation).
func next(t *testing.T, events <-chan sse) (sse, bool) {
	t.Helper()
	select {
	case e, ok := <-events:
		return e, ok
	case <-time.After(10 * time.Second):
		t.Fatal("nothing on the stream within 10 s")
	}
	return sse{}, false
}

// A stream opened with a token is checked again before each batch and
// each keep-alive; once the token no longer proves the reader it opened
// with, the stream gets an end event instead of the batch, and closes. A
// public stream is never checked, so never cut.
func TestFeedEndsWhenTokenNoLongerHolds(t *testing.T) {
	party := truce.Reader{Member: "ua", Role: truce.RoleParty, Key: "k1"}
	fail := func(detail string) func(*authLedger) {
		return func(l *authLedger) { l.set("tok", truce.Public, truce.Errorf(truce.EUNAUTHORIZED, "%s", detail)) }
	}
	tests := []struct {
		name  string
		token string
		// lose changes what the token proves after the first event; nil
		// for the public, whose token is never looked at.
		lose func(*authLedger)
		// heartbeat: the next step is a keep-alive rather than a batch.
		heartbeat  bool
		wantDetail string
	}{
		{name: "token expired", token: "tok", lose: fail("The token expired at 2025-03-18T13:00:00Z."), wantDetail: "expired"},
		{name: "key revoked, at a keep-alive", token: "tok", lose: fail("The token's key k1 was revoked at log index 9."), heartbeat: true, wantDetail: "revoked"},
		{name: "member left the charter", token: "tok", lose: fail("ua is not a member of the charter in force."), wantDetail: "not a member"},
		{name: "role changed", token: "tok", heartbeat: true, wantDetail: "a source, not the party",
			lose: func(l *authLedger) { l.set("tok", truce.Reader{Member: "ua", Role: truce.RoleSource, Key: "k1"}, nil) }},
		{name: "public, at a keep-alive", heartbeat: true},
		{name: "public"},
	}
	event := func(i uint64) []truce.Event {
		return []truce.Event{{ID: truce.EventID{Index: i}, Type: truce.EventStatement, Data: []byte(`{}`)}}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ledger := &authLedger{fakeLedger: newFakeLedger(), readers: map[string]truce.Reader{"tok": party}, errs: map[string]error{}}
			feed := &stepFeed{steps: make(chan []truce.Event)}
			srv := httptest.NewServer((&thttp.Server{Ledger: ledger, Feed: feed}).Handler())
			defer srv.Close()
			req, _ := http.NewRequest("GET", srv.URL+"/v1/feed", nil)
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			events := readSSE(resp.Body)

			feed.steps <- event(1)
			if e, _ := next(t, events); e.id != "1" {
				t.Fatalf("first event %+v, want 1", e)
			}
			if tt.lose != nil {
				tt.lose(ledger)
			}
			if tt.heartbeat {
				feed.steps <- nil
			}
			if tt.lose == nil {
				feed.steps <- event(2)
				if e, _ := next(t, events); e.id != "2" {
					t.Errorf("public stream: %+v, want event 2", e)
				}
				ledger.mu.Lock()
				defer ledger.mu.Unlock()
				if ledger.calls != 0 {
					t.Errorf("a public stream authenticated %d times", ledger.calls)
				}
				return
			}
			if !tt.heartbeat {
				feed.steps <- event(2)
			}
			end, ok := next(t, events)
			if !ok || end.typ != "end" || end.id != "" {
				t.Fatalf("after the token stopped holding: %+v (open %v), want an end event without an id", end, ok)
			}
			var p thttp.Problem
			if err := json.Unmarshal([]byte(end.data), &p); err != nil || p.Status != 401 || p.Type != "/problems/unauthorized" ||
				!strings.Contains(p.Detail, tt.wantDetail) {
				t.Errorf("end event data %s (%v), want a 401 problem saying %q", end.data, err, tt.wantDetail)
			}
			if e, ok := next(t, events); ok {
				t.Errorf("the stream goes on after its end: %+v", e)
			}
		})
	}
}
