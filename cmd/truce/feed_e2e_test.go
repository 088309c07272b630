package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/service"
)

// sseEvent is one server-sent event as a client reads it.
type sseEvent struct {
	ID, Type string
	Data     []byte
}

// sseStream reads a feed in the background.
type sseStream struct {
	t      testing.TB
	resp   *http.Response
	events chan sseEvent
}

// openFeed connects to the feed at path with an optional bearer token and
// Last-Event-ID, and closes it when the test ends.
func openFeed(t testing.TB, base, path, token, lastID string) *sseStream {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %s %s: %s", path, resp.Status, resp.Header.Get("Content-Type"), body)
	}
	s := &sseStream{t: t, resp: resp, events: make(chan sseEvent, 1024)}
	go s.read()
	t.Cleanup(func() { resp.Body.Close() })
	return s
}

// read parses the stream into events until it ends.
func (s *sseStream) read() {
	defer close(s.events)
	r := bufio.NewReader(s.resp.Body)
	var e sseEvent
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			if e.Type != "" {
				s.events <- e
			}
			e = sseEvent{}
		case strings.HasPrefix(line, "id: "):
			e.ID = line[4:]
		case strings.HasPrefix(line, "event: "):
			e.Type = line[7:]
		case strings.HasPrefix(line, "data: "):
			e.Data = []byte(line[6:])
		}
	}
}

// next returns the next event, failing the test if none comes within ten
// seconds (a deadline for a broken test, not a synchronisation).
func (s *sseStream) next() sseEvent {
	s.t.Helper()
	select {
	case e, ok := <-s.events:
		if !ok {
			s.t.Fatal("the feed ended")
		}
		return e
	case <-time.After(10 * time.Second):
		s.t.Fatal("no event within 10 s")
	}
	return sseEvent{}
}

func TestFeedE2E(t *testing.T) {
	clk := newClock(t0)
	dir, d := demoAt(t, clk)
	ua := (&testDeployment{Dir: dir}).signer(t, "ua")
	token, err := truce.NewToken(ua, d.deployment.Origin, t0, 8*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	member := openFeed(t, d.URL(), "/v1/feed", token, "")
	public := openFeed(t, d.URL(), "/v1/feed", "", "")
	filtered := openFeed(t, d.URL(), "/v1/feed?kind=incident&party=ru&bbox=34,47,35,48", token, "")
	elsewhere := openFeed(t, d.URL(), "/v1/feed?kind=incident,report&bbox=20,40,21,41", token, "")

	_, _, err = runCLI(t, d, "report", "--key", filepath.Join(dir, "keys", "ua.key"), "--lat", "47.5125", "--lon", "34.590",
		"--radius", "300", "--start", "2025-03-20T03:10:00Z", "--act", "drone_strike", "--accused", "ru",
		"--source-kind", "party", "--text", "Drone hit the cooling pond pumping station")
	if err != nil {
		t.Fatalf("truce report: %v", err)
	}

	// The member sees the report, then the incident it changed.
	st := member.next()
	var rec truce.Record
	if err := json.Unmarshal(st.Data, &rec); err != nil || st.Type != "statement" || rec.Kind != truce.KindReport || st.ID != jsonIndex(rec.Index) {
		t.Fatalf("first event: %s %s %s (%v)", st.ID, st.Type, st.Data, err)
	}
	ev := member.next()
	var inc truce.Incident
	if err := json.Unmarshal(ev.Data, &inc); err != nil || ev.Type != "incident" || ev.ID != st.ID+".1" {
		t.Fatalf("second event: %s %s %.200s (%v)", ev.ID, ev.Type, ev.Data, err)
	}
	if inc.Status != truce.StatusAwaitingReply || inc.Assessment.ReplyDeadline == nil || len(inc.Reports) == 0 || inc.Reports[0].Signer == "" {
		t.Fatalf("incident event: status %s, deadline %v, reports %+v", inc.Status, inc.Assessment.ReplyDeadline, inc.Reports)
	}
	if e := filtered.next(); e.ID != ev.ID {
		t.Errorf("filtered feed: %s %s, want the incident %s", e.ID, e.Type, ev.ID)
	}

	// The public sees neither the report nor the unpublished incident: its
	// next event is the public key registration that follows.
	add, _ := keyAdd(t, newKeyGen(5), ua)
	newClient(t, d.URL()).submit(add.Raw)
	if e := public.next(); e.Type != "statement" || !bytes.Contains(e.Data, []byte(`"key.add"`)) {
		t.Errorf("public feed: %s %s %.200s, want the key registration", e.ID, e.Type, e.Data)
	}
	added := member.next()
	if !bytes.Contains(added.Data, []byte(`"key.add"`)) {
		t.Errorf("member feed after the incident: %s %.100s", added.ID, added.Data)
	}

	// The deadline passes without a reply: an overdue event. By then the
	// member's token, made for 8 hours, has expired: its streams end
	// instead, and resume after their last event with a fresh token.
	clk.set(inc.Assessment.ReplyDeadline.Add(time.Second))
	d.service.CheckDeadlines()
	for _, s := range []*sseStream{member, filtered} {
		if e := s.next(); e.Type != "end" || !bytes.Contains(e.Data, []byte("expired")) {
			t.Fatalf("a stream whose token expired: %s %s %s, want the end event", e.ID, e.Type, e.Data)
		}
	}
	token, _ = truce.NewToken(ua, d.deployment.Origin, clk.now(), 8*time.Hour)
	member = openFeed(t, d.URL(), "/v1/feed", token, added.ID)
	filtered = openFeed(t, d.URL(), "/v1/feed?kind=incident&party=ru&bbox=34,47,35,48", token, ev.ID)
	over := member.next()
	var od truce.Incident
	if err := json.Unmarshal(over.Data, &od); err != nil || over.Type != "incident" || od.ID != inc.ID || od.Status != truce.StatusOverdue {
		t.Fatalf("overdue event: %s %s %.200s", over.ID, over.Type, over.Data)
	}
	if e := filtered.next(); e.ID != over.ID {
		t.Errorf("filtered feed: %s, want the overdue event %s", e.ID, over.ID)
	}
	// Nothing of the above was in the box far away.
	select {
	case e := <-elsewhere.events:
		t.Errorf("a feed filtered to another area got %s %s", e.ID, e.Type)
	default:
	}

	// A client resumes after the report's event: it gets the incident's,
	// then the rest.
	resumed := openFeed(t, d.URL(), "/v1/feed", token, st.ID)
	for _, want := range []string{ev.ID, "", over.ID} {
		e := resumed.next()
		if want != "" && e.ID != want {
			t.Errorf("resumed feed: %s, want %s", e.ID, want)
		}
	}
	// One that resumes from before the service started gets a gap first.
	if e := openFeed(t, d.URL(), "/v1/feed", token, "3").next(); e.Type != "gap" {
		t.Errorf("resuming from before the start: %s %s", e.Type, e.Data)
	}

	c := newClient(t, d.URL())
	for _, bad := range []string{"?kind=nonsense", "?bbox=1,2", "?bbox=10,10,5,5", "?last_event_id=x1", "?last_event_id=1.0"} {
		resp, body := c.do(http.MethodGet, "/v1/feed"+bad, nil)
		checkProblem(t, resp, body, 400, "")
	}
}

// jsonIndex returns a statement event's id for index.
func jsonIndex(i uint64) string { return truce.EventID{Index: i}.String() }

func TestWebhooksE2E(t *testing.T) {
	dep := initDeployment(t)
	var backoffs []time.Duration
	var mu sync.Mutex
	deliver := service.DeliveryConfig{After: func(d time.Duration) <-chan time.Time {
		mu.Lock()
		backoffs = append(backoffs, d)
		mu.Unlock()
		ch := make(chan time.Time, 1)
		ch <- time.Time{}
		return ch
	}}
	type delivery struct {
		header http.Header
		body   []byte
	}
	got := make(chan delivery, 16)
	var attempts int
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		attempts++
		n := attempts
		mu.Unlock()
		if n <= 2 {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		got <- delivery{r.Header.Clone(), body}
	}))
	defer recv.Close()

	open := func() *Daemon {
		d := &Daemon{Dir: dep.Dir, Addr: "127.0.0.1:0", Now: fixedNow, Deliver: deliver}
		if err := d.Open(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	d := open()
	a := dep.signer(t, "party-a")
	tokA, _ := truce.NewToken(a, dep.Origin, t0, time.Hour)
	tokB, _ := truce.NewToken(dep.signer(t, "party-b"), dep.Origin, t0, time.Hour)
	call := func(method, path, token string, body string) (*http.Response, []byte) {
		req, _ := http.NewRequest(method, d.URL()+path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp, data
	}

	resp, body := call("POST", "/v1/webhooks", "", `{"url":"`+recv.URL+`"}`)
	checkProblem(t, resp, body, 401, "members")
	for _, bad := range []string{`{"url":"ftp://127.0.0.1/x"}`, `{"url":"javascript:alert(1)"}`, `{"url":"/relative"}`,
		`{"url":"` + recv.URL + `","filter":{"kinds":["nope"]}}`, `{"url":"` + recv.URL + `","extra":1}`, `{"url":"` + recv.URL + `"} {}`} {
		resp, body := call("POST", "/v1/webhooks", tokA, bad)
		checkProblem(t, resp, body, 400, "")
	}
	resp, body = call("POST", "/v1/webhooks", tokA, `{"url":"`+recv.URL+`/hook","filter":{"kinds":["key.add"]}}`)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("register: %s %s", resp.Status, body)
	}
	var hook truce.Webhook
	json.Unmarshal(body, &hook)
	if hook.Member != "party-a" || resp.Header.Get("Location") != "/v1/webhooks/"+hook.ID {
		t.Fatalf("registration: %s", body)
	}

	// A key.add is delivered after two failures, signed by the operator.
	st, _ := keyAdd(t, newKeyGen(1), a)
	newClient(t, d.URL()).submit(st.Raw)
	var dl delivery
	select {
	case dl = <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("no delivery within 10 s")
	}
	var e struct {
		ID   string       `json:"id"`
		Type string       `json:"type"`
		Data truce.Record `json:"data"`
	}
	if err := json.Unmarshal(dl.body, &e); err != nil || e.Type != "statement" || e.Data.ID != st.ID || dl.header.Get("Truce-Event-Id") != e.ID {
		t.Fatalf("delivery: %s (%v)", dl.body, err)
	}
	op, err := d.deployment.operatorKey()
	if err != nil || op == nil {
		t.Fatalf("operator key: %v", err)
	}
	sig := dl.header.Get("Truce-Signature")
	if err := truce.VerifyWebhook(op.Public(), sig, dl.body, t0, 5*time.Minute); err != nil || !strings.Contains(sig, "keyid="+op.ID()) {
		t.Errorf("signature %q: %v", sig, err)
	}
	if err := truce.VerifyWebhook(op.Public(), sig, append(dl.body, ' '), t0, 5*time.Minute); err == nil {
		t.Error("a changed body verifies")
	}
	mu.Lock()
	if len(backoffs) != 2 || backoffs[0] != time.Second || backoffs[1] != 2*time.Second {
		t.Errorf("backoffs: %v, want [1s 2s]", backoffs)
	}
	mu.Unlock()

	// Another member neither sees nor deletes it.
	resp, body = call("GET", "/v1/webhooks/"+hook.ID, tokB, "")
	checkProblem(t, resp, body, 404, "")
	resp, body = call("DELETE", "/v1/webhooks/"+hook.ID, tokB, "")
	checkProblem(t, resp, body, 404, "")

	// The registration survives a restart.
	d.Close()
	d = open()
	resp, body = call("GET", "/v1/webhooks", tokA, "")
	if resp.StatusCode != 200 || !strings.Contains(string(body), hook.ID) {
		t.Fatalf("after restart: %s %s", resp.Status, body)
	}
	resp, body = call("DELETE", "/v1/webhooks/"+hook.ID, tokA, "")
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %s %s", resp.Status, body)
	}
	resp, body = call("GET", "/v1/webhooks/"+hook.ID, tokA, "")
	checkProblem(t, resp, body, 404, "")
}
