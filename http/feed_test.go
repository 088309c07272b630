package http_test

import (
	"bufio"
	"context"
	"fmt"
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
